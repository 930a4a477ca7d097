// Benchmark: `demoshts check` and `demoshts doctor` of the workshop (the
// repository's README.md, with DEMO_MESH=linkerd and istio), side by side with
// the dry run of the same demo and with `node -e 0`, each in a fresh process.
// Speakers run check and doctor before every talk, and the test suite runs them
// many times. The demo applies the Gateway API CRDs (a 1 MB YAML file) and
// validates its manifests against them.
// CPU is the demoshts process's own (user + system); doctor's version probes,
// which are other processes, are not in it, but are in its wall time.
// check is measured twice: a first check, and one that finds the CRDs it read
// before in its cache directory (as every check after the first does).
// Reports; exits 1 only when a command could not run at all (status 2).
// Run it after `npm run build`: `node bench/check-workshop.mjs`.
// NODE_EXTRA_CA_CERTS is unset for the child processes (it slows Node's start).

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const RUNS = 5;
const root = fileURLToPath(new URL("..", import.meta.url));
const CLI = path.join(root, "dist", "cli.js");
const dir = mkdtempSync(path.join(tmpdir(), "demoshts-bench-workshop-"));
const usageFile = path.join(dir, "usage");
const preload = path.join(dir, "usage.mjs");

let fresh = 0;
/**
 * Runs `node ARGS` once in the repository: wall time, own CPU time (ms), exit code.
 * check keeps the CRDs it reads in XDG_CACHE_HOME: `store` "kept" shares one for
 * the bench's runs, "fresh" gives each run an empty one (a first check).
 */
function once(args, mesh, store = "kept") {
  const cache = path.join(dir, store === "kept" ? "cache" : `fresh-${fresh++}`);
  const env = {
    ...process.env,
    BENCH_USAGE_FILE: usageFile,
    DEMO_MESH: mesh,
    XDG_CACHE_HOME: cache,
  };
  delete env.NODE_EXTRA_CA_CERTS;
  rmSync(usageFile, { force: true });
  const start = performance.now();
  const result = spawnSync(process.execPath, ["--import", preload, ...args], {
    cwd: root,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const ms = performance.now() - start;
  const cpu = Number(readFileSync(usageFile, "utf8"));
  return { ms, cpu, status: result.status, stderr: String(result.stderr) };
}

/** Medians of RUNS runs, after one run that warms the file cache. */
function measure(args, mesh, store) {
  once(args, mesh, store);
  const runs = Array.from({ length: RUNS }, () => once(args, mesh, store));
  const middle = (key) => runs.map((r) => r[key]).sort((a, b) => a - b)[Math.floor(RUNS / 2)];
  return { ms: middle("ms"), cpu: middle("cpu"), status: runs[0].status, stderr: runs[0].stderr };
}

let failed = false;
try {
  writeFileSync(
    preload,
    'import { writeFileSync } from "node:fs";\n' +
      "process.on('exit', () => { const u = process.resourceUsage(); writeFileSync(process.env.BENCH_USAGE_FILE, String((u.userCPUTime + u.systemCPUTime) / 1000)); });\n",
  );
  console.log("demoshts bench: check and doctor of the workshop (README.md)");
  console.log("");
  console.log(
    `  ${"".padEnd(34)}${"wall".padStart(10)}${"CPU".padStart(10)}   (medians of ${RUNS})`,
  );
  const row = (label, r) =>
    console.log(
      `  ${label.padEnd(34)}${`${r.ms.toFixed(0)} ms`.padStart(10)}${`${r.cpu.toFixed(0)} ms`.padStart(10)}   exit ${r.status}`,
    );
  row("for scale: node -e 0", measure(["-e", "0"], ""));
  for (const mesh of ["linkerd", "istio"]) {
    const dry = measure([CLI, "--dry-run", "README.md"], mesh);
    const first = measure([CLI, "check", "README.md"], mesh, "fresh");
    const check = measure([CLI, "check", "README.md"], mesh);
    const doctor = measure([CLI, "doctor", "README.md"], mesh);
    row(`DEMO_MESH=${mesh} --dry-run`, dry);
    row(`DEMO_MESH=${mesh} check, first`, first);
    row(`DEMO_MESH=${mesh} check, CRDs kept`, check);
    row(`DEMO_MESH=${mesh} doctor`, doctor);
    for (const [name, r] of [
      ["first check", first],
      ["check", check],
    ]) {
      console.log(
        `    ${name}: ${(r.ms / dry.ms).toFixed(2)}x the dry run's wall time, ${(r.cpu / dry.cpu).toFixed(2)}x its CPU`,
      );
    }
    for (const [name, r] of [
      ["--dry-run", dry],
      ["first check", first],
      ["check", check],
      ["doctor", doctor],
    ]) {
      if (r.status === 2 || r.status === null) {
        console.log(`  ${name} could not run: ${r.stderr.trim()}`);
        failed = true;
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (failed) process.exit(1);
