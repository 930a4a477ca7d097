// Lets a benchmark import one module of src/ directly: dist/ is a bundle whose
// inner modules have no stable names. The module is bundled by esbuild (its
// npm dependencies left to Node) into node_modules/.cache, where they resolve.

import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../..", import.meta.url));
const cache = path.join(root, "node_modules", ".cache", "demoshts-bench");

/** Imports `src/<relative>.ts` (for example "session/bash") as built from the sources now. */
export async function importSource(relative) {
  mkdirSync(cache, { recursive: true });
  const outfile = path.join(cache, `${relative.replaceAll("/", "-")}-${process.pid}.mjs`);
  await build({
    absWorkingDir: root,
    entryPoints: [path.join("src", `${relative}.ts`)],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
  return import(pathToFileURL(outfile).href);
}
