// Benchmark: `demoshts check` of a very large demo, side by side with the dry
// run of the same demo (which reads and walks it the same way, without the
// shell parser and the file checks). Target: check within 3x the dry run's
// wall time and peak memory. Each is run as the CLI in a fresh process; peak
// memory is the process's maximum resident set size. Reports; does not fail.
// Run it after `npm run build`: `node bench/check.mjs [--lines N] [--keep]`.
// NODE_EXTRA_CA_CERTS is unset for the child processes (it slows Node's start).

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { generateDemo } from "./demo.mjs";

const at = process.argv.indexOf("--lines");
const LINES = at > 0 ? Number(process.argv[at + 1]) : 100_000;
const RUNS = 3;
const RATIO = 3;
const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

const dir = mkdtempSync(path.join(tmpdir(), "demoshts-bench-check-"));
const file = path.join(dir, "long-demo.md");
const rssFile = path.join(dir, "rss");
const preload = path.join(dir, "rss.mjs");
const keep = process.argv.includes("--keep");
const env = { ...process.env, BENCH_RSS_FILE: rssFile };
delete env.NODE_EXTRA_CA_CERTS;

/** Runs the CLI once: wall time (ms), CPU time (ms), peak RSS (MiB), exit code. */
function once(args) {
  const start = performance.now();
  const result = spawnSync(process.execPath, ["--import", preload, CLI, ...args], {
    cwd: dir,
    env,
    stdio: ["ignore", "ignore", "pipe"],
    maxBuffer: 1 << 30,
  });
  const ms = performance.now() - start;
  const [rss, cpu] = readFileSync(rssFile, "utf8").split(" ").map(Number);
  return { ms, cpu, rss: rss / 1024, status: result.status, stderr: String(result.stderr) };
}

function measure(args) {
  once(args); // warm the file cache, not counted
  const runs = Array.from({ length: RUNS }, () => once(args));
  const middle = (key) => runs.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(RUNS / 2)];
  const rss = Math.max(...runs.map((r) => r.rss));
  return {
    ms: middle("ms"),
    cpu: middle("cpu"),
    rss,
    status: runs[0].status,
    stderr: runs[0].stderr,
  };
}

try {
  writeFileSync(file, generateDemo(LINES));
  writeFileSync(
    preload,
    'import { writeFileSync } from "node:fs";\n' +
      "process.on('exit', () => { const u = process.resourceUsage(); writeFileSync(process.env.BENCH_RSS_FILE, `${u.maxRSS} ${(u.userCPUTime + u.systemCPUTime) / 1000}`); });\n",
  );
  const lines = readFileSync(file, "utf8").split("\n").length - 1;
  const dry = measure(["--dry-run", "--json", file]);
  const check = measure(["check", file]);
  const node = measure(["--version"]);
  const row = (label, r) =>
    console.log(
      `  ${label.padEnd(28)}${`${r.ms.toFixed(0)} ms`.padStart(10)}${`${r.cpu.toFixed(0)} ms`.padStart(10)}${`${r.rss.toFixed(0)} MiB`.padStart(10)}   exit ${r.status}`,
    );
  console.log(`demoshts bench: check of a generated ${lines.toLocaleString("en")}-line demo`);
  console.log(`  demo: ${file}${keep ? "" : " (removed afterwards; --keep keeps it)"}`);
  console.log("");
  console.log(
    `  ${"".padEnd(28)}${"wall".padStart(10)}${"CPU".padStart(10)}${"peak RSS".padStart(10)}   (medians of ${RUNS})`,
  );
  row("--dry-run --json", dry);
  row("check", check);
  row("for scale: --version", node);
  console.log("");
  const verdict = (x) => `${x.toFixed(2)}x  ${x <= RATIO ? "PASS" : "OVER"}`;
  console.log(`  target: check within ${RATIO}x the dry run`);
  console.log(`    wall time ${verdict(check.ms / dry.ms)}`);
  console.log(
    `    CPU time  ${verdict(check.cpu / dry.cpu)}  (steadier than wall time on a busy machine)`,
  );
  console.log(`    memory    ${verdict(check.rss / dry.rss)}`);
  if (check.status === 2) console.log(`  check could not run: ${check.stderr.trim()}`);
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
