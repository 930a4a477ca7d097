// Benchmark: how long does a dry run of a large demo take?
//
// Generates a realistic 10,000-line Markdown demo in a temporary directory and
// times (a) reading it, (b) the whole dry run in this process, and (c) the CLI
// `node dist/cli.js --dry-run --json FILE` as a subprocess, against the target
// "dry run of a 10,000-line demo under 300 ms". It measures and reports; a
// figure over the target does not fail (exit 0). Run it with `npm run bench`,
// which builds dist/ first. `--keep` keeps the generated demo.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { importSource } from "./lib/source.mjs";

const { planDemo } = await importSource("plan/plan");
const { loadScript } = await importSource("reader/load");

import { generateDemo } from "./demo.mjs";

const LINES = 10_000;
const TARGET_MS = 300;
const IN_PROCESS_RUNS = 15;
const CLI_RUNS = 7;
const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

// ---------------------------------------------------------------------------
// Measuring

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function timeRuns(runs, fn) {
  await fn(); // warm-up, not counted
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return { median: median(times), min: Math.min(...times), runs };
}

function countSteps(steps) {
  let n = 0;
  for (const step of steps) {
    n++;
    if (step.kind === "macro" || step.kind === "ifhook") n += countSteps(step.body);
  }
  return n;
}

const ms = (t) => `${t.toFixed(1)} ms`.padStart(10);
const verdict = (t) => (t < TARGET_MS ? "PASS" : "OVER");

const dir = mkdtempSync(path.join(tmpdir(), "demoshts-bench-"));
const file = path.join(dir, "long-demo.md");
const keep = process.argv.includes("--keep");

try {
  writeFileSync(file, generateDemo(LINES));
  const lines = readFileSync(file, "utf8").split("\n").length - 1;

  // The same host and options as the CLI: files from disk, builtins, no init file.
  const host = {
    cwd: dir,
    readFile(absolute) {
      try {
        return { ok: true, data: readFileSync(absolute) };
      } catch (error) {
        return { ok: false, reason: String(error.message) };
      }
    },
  };
  const load = { builtins: true, init: false, home: undefined };
  const input = { file: "long-demo.md", args: [], env: process.env, load, shellCommand: CLI };

  // The first dry run in a fresh process runs cold (not yet optimised), as the CLI's does.
  const coldStart = performance.now();
  const planned = await planDemo(input, host);
  const cold = performance.now() - coldStart;
  const loaded = loadScript("long-demo.md", load, host);
  if (!loaded.ok || !planned.ok) {
    const d = loaded.ok ? planned.error : loaded.error;
    console.error(
      `bench: the generated demo did not plan: ${d.loc.file}:${d.loc.line}: ${d.message}`,
    );
    console.error(`bench: kept it in ${dir}`);
    process.exit(1);
  }
  const cliArgs = [CLI, "--dry-run", "--json", file];
  const probe = spawnSync(process.execPath, cliArgs, { cwd: dir, encoding: "utf8" });
  const cliRecords = probe.stdout.split("\n").filter((l) => l !== "").length;

  const read = await timeRuns(IN_PROCESS_RUNS, () => loadScript("long-demo.md", load, host));
  const plan = await timeRuns(IN_PROCESS_RUNS, () => planDemo(input, host));
  const cli = await timeRuns(CLI_RUNS, () => {
    spawnSync(process.execPath, cliArgs, { cwd: dir, stdio: "ignore" });
  });
  const version = await timeRuns(CLI_RUNS, () => {
    spawnSync(process.execPath, [CLI, "--version"], { cwd: dir, stdio: "ignore" });
  });
  const node = await timeRuns(CLI_RUNS, () => {
    spawnSync(process.execPath, ["-e", ""], { stdio: "ignore" });
  });

  const top = loaded.script.steps.length;
  console.log(
    `demoshts bench: dry run of a generated ${lines.toLocaleString("en")}-line Markdown demo`,
  );
  console.log(`  demo: ${file}${keep ? "" : " (removed afterwards; --keep keeps it)"}`);
  console.log(`  lines: ${lines}`);
  console.log(
    `  steps read: ${top} (${countSteps(loaded.script.steps)} with macro and ifhook bodies)`,
  );
  console.log(`  records planned: ${planned.records.length}, warnings: ${planned.warnings.length}`);
  console.log(
    `  CLI: exit ${probe.status}, ${cliRecords} JSON lines` +
      (cliRecords === planned.records.length ? "" : "  (differs from the in-process plan!)"),
  );
  console.log("");
  console.log(`  ${"".padEnd(34)}${"median".padStart(10)}${"min".padStart(10)}   runs`);
  const row = (label, t) =>
    console.log(`  ${label.padEnd(34)}${ms(t.median)}${ms(t.min)}   ${t.runs}`);
  row("(a) read only (loadScript)", read);
  row("(b) dry run in process (planDemo)", plan);
  console.log(`  ${"    its first run, cold".padEnd(34)}${ms(cold)}${"".padStart(10)}   1`);
  row("(c) CLI --dry-run --json, wall", cli);
  row("    for scale: CLI --version", version);
  row("    for scale: node -e ''", node);
  console.log("");
  console.log(
    `  target: dry run of a ${LINES.toLocaleString("en")}-line demo under ${TARGET_MS} ms`,
  );
  console.log(`    in process ${ms(plan.median)}  ${verdict(plan.median)}`);
  console.log(`    CLI        ${ms(cli.median)}  ${verdict(cli.median)}`);
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
