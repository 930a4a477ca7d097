// Benchmark: how long does a big or broken input take to be refused or read?
//
// Locating an invalid UTF-8 byte: a file of N lines with a bad byte on its last
// line, located by the reader, for growing N. The figure should grow linearly
// with N (ms per 10,000 lines stays flat). Beside it: the dry run of the
// 130,000-line `: N` script through the CLI, and `bash -n` of the same file for
// scale. It measures and reports; it fails nothing. Build first (`npm run build`).

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { importSource } from "./lib/source.mjs";

const { readScriptText } = await importSource("reader/load");

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

function badAtEnd(lines) {
  const body = Buffer.from("echo a line of the demo\n".repeat(lines - 1));
  return Buffer.concat([body, Buffer.from([0x65, 0x63, 0x68, 0x6f, 0x20, 0xff, 0x0a])]);
}

function best(runs, fn) {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    min = Math.min(min, performance.now() - start);
  }
  return min;
}

console.log("Invalid UTF-8 on the last line: time to locate it (best of 5)");
console.log("     lines        ms   ms per 10,000 lines");
for (const lines of [10_000, 40_000, 160_000, 640_000]) {
  const data = badAtEnd(lines);
  let located = 0;
  const ms = best(5, () => {
    const result = readScriptText(data, "demo.sh");
    located = result.ok ? 0 : result.error.loc.line;
  });
  if (located !== lines) throw new Error(`located at line ${located}, not ${lines}`);
  console.log(
    `${String(lines).padStart(10)}  ${ms.toFixed(1).padStart(8)}  ${((ms / lines) * 10_000).toFixed(2).padStart(8)}`,
  );
}

const dir = mkdtempSync(path.join(tmpdir(), "demoshts-bench-"));
try {
  const file = path.join(dir, "big.sh");
  writeFileSync(file, Array.from({ length: 130_000 }, (_, i) => `: ${i + 1}\n`).join(""));
  // NODE_EXTRA_CA_CERTS makes every node start-up read certificates: unset for fair figures.
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const time = (command, args) =>
    best(3, () => {
      const run = spawnSync(command, args, { cwd: dir, env, stdio: ["ignore", "ignore", "pipe"] });
      if (run.status !== 0) throw new Error(`${command} ${args.join(" ")}: ${run.stderr}`);
    });
  console.log("\n130,000-line script of `: N` lines (best of 3, NODE_EXTRA_CA_CERTS unset)");
  console.log(
    `  demoshts --dry-run big.sh   ${time(process.execPath, [CLI, "--dry-run", "big.sh"]).toFixed(0).padStart(6)} ms`,
  );
  console.log(
    `  bash -n big.sh              ${time("bash", ["-n", "big.sh"]).toFixed(0).padStart(6)} ms`,
  );
  console.log(
    `  node -e 0                   ${time(process.execPath, ["-e", "0"]).toFixed(0).padStart(6)} ms`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
