// Builds dist/: the CLI and the programmatic API bundled by esbuild into ES
// modules that share lazily loaded chunks (each mode of the CLI loads only what
// it needs), with source maps, and the API's type declarations from tsc.
//
// `node scripts/build.mjs --no-types` skips the declarations (the test suite's
// build: the tests drive the CLI, and `npm run typecheck` checks the types).

import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

// Left to Node at run time: native addons and WebAssembly loaders (they find
// their files next to their own code), and large CommonJS libraries only some
// commands load.
const external = [
  "@lydell/node-pty",
  "@kubernetes/client-node",
  "web-tree-sitter",
  "tree-sitter-bash",
  "junit-report-builder",
  "asciinema-player",
  "@xterm/headless",
  "@xterm/addon-serialize",
];

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
// One build per entry point: chunks shared between the CLI and the API would
// split the CLI's start into more files to read.
const common = {
  absWorkingDir: root,
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  sourcesContent: true,
  // Whitespace and syntax only: names stay, so a stack trace reads without the map.
  minifyWhitespace: true,
  minifySyntax: true,
  external,
  define: { __DEMOSHTS_VERSION__: JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies may call require() for Node's own modules.
  banner: {
    js: 'import { createRequire as __demoshtsRequire } from "node:module"; const require = __demoshtsRequire(import.meta.url);',
  },
  logLevel: "warning",
};
await build({ ...common, entryPoints: { cli: "src/cli.ts" }, chunkNames: "chunks/[name]-[hash]" });
await build({ ...common, entryPoints: { index: "src/index.ts" }, chunkNames: "api/[name]-[hash]" });
chmodSync(new URL("../dist/cli.js", import.meta.url), 0o755);

if (!process.argv.includes("--no-types")) {
  const tsc = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.resolve("typescript/bin/tsc")), "-p", "tsconfig.types.json"],
    { cwd: root, stdio: "inherit" },
  );
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}
