// Benchmark: what the cockpit costs.
//   1. Saving the resume state after a presenter step: one `state()` request to a
//      session holding 50 variables, 10 functions and 5 aliases, against one empty
//      command (`:`) in the same session.
//   2. Reports in CI: a 50-command demo run by `node dist/cli.js --ci --quiet`, without
//      and with `--report junit=... --report json=...` (which loads junit-report-builder
//      and passes the session's output through), side by side with `bash plain.sh`.
// NODE_EXTRA_CA_CERTS is unset for the CLI runs: it slows every Node start-up.
// It measures and reports (exit 0); a run that does not work exits 1.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { importSource } from "./lib/source.mjs";

const { BashSession } = await importSource("session/bash");
const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "demoshts-bench-cockpit-"));
const env = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

// 1. The state request.
const session = new BashSession({ argv0: path.join(dir, "demo.sh"), args: [], env, cwd: dir });
const setup = [
  ...Array.from({ length: 50 }, (_, i) => `VAR_${i}="value number ${i}"`),
  ...Array.from({ length: 10 }, (_, i) => `fn_${i}() { echo "function ${i}" "$@"; }`),
  ...Array.from({ length: 5 }, (_, i) => `alias al_${i}='echo alias ${i}'`),
].join("\n");
await session.run(setup);
const stateTimes = [];
const emptyTimes = [];
let size = 0;
for (let i = 0; i < 15; i++) {
  let start = performance.now();
  const script = await session.state();
  stateTimes.push(performance.now() - start);
  size = script?.length ?? 0;
  start = performance.now();
  await session.run(":");
  emptyTimes.push(performance.now() - start);
}
await session.close();
if (size === 0) {
  console.error("bench: the session reported no state");
  process.exit(1);
}

// 2. Reports in CI.
const COMMANDS = 50;
const lines = Array.from({ length: COMMANDS }, (_, i) => `echo "line ${i}"`);
writeFileSync(path.join(dir, "plain.sh"), `${lines.join("\n")}\n`);
writeFileSync(path.join(dir, "demo.sh"), `#@SHOW\n${lines.join("\n")}\n`);
const timed = (command, args) => {
  const start = performance.now();
  const result = spawnSync(command, args, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
  const ms = performance.now() - start;
  if (result.status !== 0) {
    console.error(`bench: ${command} ${args.join(" ")} failed:\n${result.stderr}`);
    process.exit(1);
  }
  return ms;
};
const runs = { bash: [], plain: [], reports: [] };
for (let i = 0; i < 5; i++) {
  runs.bash.push(timed("bash", ["plain.sh"]));
  runs.plain.push(timed(process.execPath, [CLI, "--ci", "--quiet", "demo.sh"]));
  runs.reports.push(
    timed(process.execPath, [
      CLI,
      "--ci",
      "--quiet",
      "--report",
      "junit=r.xml",
      "--report",
      "json=r.json",
      "demo.sh",
    ]),
  );
}
const report = JSON.parse(readFileSync(path.join(dir, "r.json"), "utf8"));
if (report.tests !== COMMANDS) {
  console.error(`bench: the report has ${report.tests} commands, not ${COMMANDS}`);
  process.exit(1);
}
rmSync(dir, { recursive: true, force: true });

const f = (ms) => `${ms.toFixed(1)} ms`;
console.log("cockpit: resume state (50 variables, 10 functions, 5 aliases)");
console.log(`  state() request     median ${f(median(stateTimes))}  (${size} bytes)`);
console.log(`  empty command ':'   median ${f(median(emptyTimes))}`);
console.log(`cockpit: a ${COMMANDS}-command demo in CI (median of 5)`);
console.log(`  bash plain.sh                  ${f(median(runs.bash))}`);
console.log(`  demoshts --ci --quiet          ${f(median(runs.plain))}`);
console.log(`  ... --report junit --report json ${f(median(runs.reports))}`);
