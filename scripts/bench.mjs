// `npm run bench`: runs every bench/*.mjs file, one after another, in name
// order, each in its own Node process. A new benchmark only needs its file.
// Exits non-zero when any benchmark did (a benchmark exits 1 only when what it
// measures did not work; a figure over its target is reported, not failed).

import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../bench", import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((name) => name.endsWith(".mjs"))
  .filter((name) => only.length === 0 || only.some((o) => name.includes(o)))
  .sort();
if (files.length === 0) {
  console.error(`bench: no bench/*.mjs file${only.length ? ` matches ${only.join(" ")}` : ""}`);
  process.exit(1);
}
const failed = [];
for (const name of files) {
  console.log(`\n== bench/${name}`);
  const run = spawnSync(process.execPath, [path.join(dir, name)], { stdio: "inherit" });
  if (run.status !== 0) failed.push(`${name} (${run.signal ?? `exit ${run.status}`})`);
}
console.log(`\nbench: ${files.length - failed.length} of ${files.length} benchmarks ran`);
if (failed.length > 0) {
  console.error(`bench: failed: ${failed.join(", ")}`);
  process.exit(1);
}
