// `npm run lint:shell`: every shell script the project ships must pass
// shellcheck. shellcheck is a Debian package, not an npm one, so this is kept
// out of `npm test`; `.ci/run` installs it and runs this.
// `--list` prints the scripts that would be checked, and checks nothing.

import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SKIP = new Set(["node_modules", "dist", ".git", "coverage"]);
const INSTALL = "sudo apt-get update && sudo apt-get install -y shellcheck";

const BASH = /^#!\s*(\/usr\/bin\/env\s+bash|\/bin\/bash)\b/;

/** The first line of a file without an extension (CI scripts name no extension). */
function firstLine(file) {
  return readFileSync(file, "utf8").slice(0, 200).split("\n", 1)[0];
}

/** Every shell script in the project, found by name, relative to the root. */
function shellScripts(dir) {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return shellScripts(full);
    const script = name.endsWith(".sh") || (!name.includes(".") && BASH.test(firstLine(full)));
    return script ? [path.relative(ROOT, full)] : [];
  });
}

const scripts = shellScripts(ROOT).sort();
if (process.argv.includes("--list")) {
  console.log(scripts.join("\n"));
  process.exit(0);
}
const found = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
if (found.error) {
  console.error(`lint:shell: shellcheck is not installed; install it with: ${INSTALL}`);
  console.error("lint:shell: (.ci/run does this before running npm run lint:shell)");
  process.exit(1);
}
const run = spawnSync("shellcheck", ["--shell=bash", ...scripts], { cwd: ROOT, stdio: "inherit" });
if (run.status !== 0) {
  console.error(`lint:shell: shellcheck found problems in ${scripts.length} scripts checked`);
  process.exit(1);
}
console.log(`lint:shell: ${scripts.length} shell scripts pass shellcheck`);
