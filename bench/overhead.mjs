// Benchmark: what does running a demo through demoshts cost over plain bash?
//
// Two targets of the project, measured against the built CLI in a temporary
// directory:
//   1. per-command overhead: a 500-command shell demo (`echo $i >> file`) run by
//      `node dist/cli.js --ci --quiet` against the same lines as `bash plain.sh`,
//      and 500 `BashSession.run` calls in this process against bare bash:
//      "at most 1 ms per command over bare bash";
//   2. start-up: from spawning the CLI to the moment the demo's first command
//      runs: "within 150 ms".
// It measures and reports; a figure over a target does not fail (exit 0). Only a
// run that does not work (a non-zero exit, a missing or short output file) exits 1.
// Run it with `npm run bench`, which builds dist/ first. `--keep` keeps the files.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { importSource } from "./lib/source.mjs";

const { BashSession } = await importSource("session/bash");

const COMMANDS = 500;
const RUNS = 7;
const START_RUNS = 9;
const IN_PROCESS_RUNS = 5;
const TARGET_PER_COMMAND_MS = 1;
const TARGET_START_MS = 150;
const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const keep = process.argv.includes("--keep");

// ---------------------------------------------------------------------------
// Helpers

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const summary = (times) => ({ median: median(times), min: Math.min(...times), runs: times.length });

/** Wall-clock time now, in epoch milliseconds with sub-millisecond resolution. */
const epochMs = () => performance.timeOrigin + performance.now();

/** Stops the benchmark because the thing measured did not work. */
function broken(message, detail = "") {
  console.error(`bench: ${message}`);
  if (detail.trim() !== "") console.error(detail.trimEnd());
  console.error(`bench: kept the files in ${dir}`);
  process.exit(1);
}

/** Runs a command synchronously (stdin and stdout ignored) and returns its wall time in ms. */
function timed(command, args) {
  const start = performance.now();
  const result = spawnSync(command, args, {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe"],
    encoding: "utf8",
  });
  const time = performance.now() - start;
  if (result.error) broken(`${command} ${args.join(" ")} did not start: ${result.error.message}`);
  if (result.status !== 0) {
    broken(`${command} ${args.join(" ")} exited with ${result.status}`, result.stderr);
  }
  return time;
}

const cli = (demo) => timed(process.execPath, [CLI, "--ci", "--quiet", demo]);

/** Checks that `file` holds the lines 1..n, then removes it for the next run. */
function checkOutput(file, n, who) {
  const full = path.join(dir, file);
  if (!existsSync(full)) broken(`${who} did not write ${file}`);
  const lines = readFileSync(full, "utf8").split("\n").slice(0, -1);
  const ok = lines.length === n && lines.every((line, i) => line === String(i + 1));
  if (!ok) broken(`${who} wrote ${lines.length} lines to ${file}, not 1..${n}`);
  rmSync(full);
}

/**
 * The epoch time (ms) written by the first command of the start-up demo:
 * $EPOCHREALTIME (bash 5, no fork) or `date +%s.%N`, with either decimal mark.
 */
function readStamp(file) {
  const full = path.join(dir, file);
  if (!existsSync(full)) broken(`the start-up demo did not write ${file}`);
  const text = readFileSync(full, "utf8").trim();
  rmSync(full);
  const match = /^(\d+)[.,](\d+)$/.exec(text);
  if (!match) broken(`the start-up demo wrote ${JSON.stringify(text)}, not a time stamp`);
  const [, seconds, fraction] = match;
  const micros = BigInt(seconds) * 1_000_000n + BigInt(fraction.padEnd(6, "0").slice(0, 6));
  return Number(micros) / 1000;
}

const ms = (t, width = 10) => `${t.toFixed(t < 10 ? 3 : 1)} ms`.padStart(width);
const verdict = (t, target) => (t <= target ? "PASS" : "OVER");

// ---------------------------------------------------------------------------
// The files

const dir = mkdtempSync(path.join(tmpdir(), "demoshts-overhead-"));
const lines = Array.from({ length: COMMANDS }, (_, i) => `echo ${i + 1} >> file`);

try {
  writeFileSync(path.join(dir, "demo.sh"), `${lines.join("\n")}\n`);
  writeFileSync(path.join(dir, "plain.sh"), `${lines.join("\n")}\n`);
  writeFileSync(path.join(dir, "one.sh"), "echo 1 >> one\n");
  writeFileSync(path.join(dir, "start.sh"), 'echo "${EPOCHREALTIME:-$(date +%s.%N)}" > stamp\n');

  // -------------------------------------------------------------------------
  // 1. Per-command overhead, as subprocesses: interleaved so drift hits all three alike.

  const demoTimes = [];
  const oneTimes = [];
  const bashTimes = [];
  for (let round = 0; round <= RUNS; round++) {
    const demo = cli("demo.sh");
    checkOutput("file", COMMANDS, "demoshts demo.sh");
    const one = cli("one.sh");
    checkOutput("one", 1, "demoshts one.sh");
    const bash = timed("bash", ["plain.sh"]);
    checkOutput("file", COMMANDS, "bash plain.sh");
    if (round === 0) continue; // warm-up, not counted
    demoTimes.push(demo);
    oneTimes.push(one);
    bashTimes.push(bash);
  }
  const demo = summary(demoTimes);
  const one = summary(oneTimes);
  const bash = summary(bashTimes);
  const perCommandCli = (demo.median - one.median - bash.median) / COMMANDS;
  const bashPerCommand = bash.median / COMMANDS;

  // 1b. The same in this process: one BashSession per run, 500 awaited run() calls.

  const callTimes = [];
  const sessionTotals = [];
  for (let round = 0; round <= IN_PROCESS_RUNS; round++) {
    const session = new BashSession({
      argv0: path.join(dir, "demo.sh"),
      args: [],
      env: process.env,
      cwd: dir,
    });
    const warm = await session.run(": warm up");
    if (warm.status !== 0 || warm.ended) broken("the in-process bash session did not start");
    const start = performance.now();
    for (let i = 0; i < COMMANDS; i++) {
      const before = performance.now();
      const result = await session.run(lines[i]);
      if (round > 0) callTimes.push(performance.now() - before);
      if (result.status !== 0 || result.ended) {
        broken(`BashSession.run(${JSON.stringify(lines[i])}) returned status ${result.status}`);
      }
    }
    if (round > 0) sessionTotals.push(performance.now() - start);
    await session.close();
    checkOutput("file", COMMANDS, "BashSession");
  }
  const perCall = median(callTimes);
  const perCallMean = median(sessionTotals) / COMMANDS;
  const perCommandInProcess = perCall - bashPerCommand;

  // -------------------------------------------------------------------------
  // 2. Start-up to the first command: the spawn time against the first command's stamp.

  const firstTimes = [];
  const startTotals = [];
  for (let round = 0; round <= START_RUNS; round++) {
    const spawned = epochMs();
    const total = cli("start.sh");
    const first = readStamp("stamp") - spawned;
    if (round === 0) continue;
    firstTimes.push(first);
    startTotals.push(total);
  }
  const first = summary(firstTimes);
  const startTotal = summary(startTotals);
  const nodeTimes = [];
  const versionTimes = [];
  for (let round = 0; round <= RUNS; round++) {
    const node = timed(process.execPath, ["-e", ""]);
    const version = timed(process.execPath, [CLI, "--version"]);
    if (round === 0) continue;
    nodeTimes.push(node);
    versionTimes.push(version);
  }
  const node = summary(nodeTimes);
  const version = summary(versionTimes);

  // -------------------------------------------------------------------------
  // The report

  console.log(`demoshts bench: overhead of a live run over bare bash (${COMMANDS} commands)`);
  console.log(`  files: ${dir}${keep ? "" : " (removed afterwards; --keep keeps them)"}`);
  console.log(`  outputs checked: every run wrote lines 1..${COMMANDS} (1 for the 1-command demo)`);
  console.log("");
  console.log(`  ${"".padEnd(40)}${"median".padStart(10)}${"min".padStart(10)}   runs`);
  const row = (label, t) =>
    console.log(`  ${label.padEnd(40)}${ms(t.median)}${ms(t.min)}   ${t.runs}`);
  const line = (label, t, runs = "") =>
    console.log(`  ${label.padEnd(40)}${ms(t)}${"".padStart(10)}   ${runs}`.trimEnd());
  row(`(a) CLI --ci --quiet, ${COMMANDS} commands`, demo);
  row("(b) CLI --ci --quiet, 1 command", one);
  row(`(c) bash plain.sh, ${COMMANDS} commands`, bash);
  line("    (a - b - c) / commands", perCommandCli);
  line("    bare bash per command, c / commands", bashPerCommand);
  line("(d) BashSession.run, per call", perCall, callTimes.length);
  line("    mean per call (session total / 500)", perCallMean, sessionTotals.length);
  row("(e) start-up: spawn to first command", first);
  line("    of which beyond node -e ''", first.median - node.median);
  row("    whole 1-command run, wall", startTotal);
  row("    for scale: CLI --version", version);
  row("    for scale: node -e ''", node);
  console.log("");
  console.log(`  target: at most ${TARGET_PER_COMMAND_MS} ms per command over bare bash`);
  console.log(
    `    CLI        ${ms(perCommandCli)}  ${verdict(perCommandCli, TARGET_PER_COMMAND_MS)}`,
  );
  console.log(
    `    in process ${ms(perCommandInProcess)}  ${verdict(perCommandInProcess, TARGET_PER_COMMAND_MS)}  (d - c / commands)`,
  );
  console.log(`  target: first command within ${TARGET_START_MS} ms of spawning the CLI`);
  console.log(`    CLI        ${ms(first.median)}  ${verdict(first.median, TARGET_START_MS)}`);
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
