// Benchmark: hidden commands in presenter mode, on a terminal, against bare bash.
//
// A demo's hidden set-up can be hundreds of commands; on stage they must run about as
// fast as bash runs them. The built CLI is started in a pseudo-terminal (as a presenter
// runs it) on a demo of N hidden commands, and on an empty one; the difference divided
// by N is the cost of one hidden command. Bare bash runs the same lines in a
// pseudo-terminal the same way. Target: at most 0.5 ms a command over bare bash.
// NODE_EXTRA_CA_CERTS is unset for the runs (it slows every Node start-up).
// It reports figures; only a run that fails exits 1. Needs dist/ (npm run build).

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import pty from "@lydell/node-pty";

const COMMANDS = 300;
const RUNS = 7;
const TARGET_MS = 0.5;
const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "demoshts-bench-"));
const env = { ...process.env, TERM: "xterm", DEMOSH_NO_BLURB: "1" };
delete env.NODE_EXTRA_CA_CERTS;
delete env.CI;

const lines = (n) => Array.from({ length: n }, (_, i) => `X=${i}; : "$X"`).join("\n");
writeFileSync(path.join(dir, "many.sh"), `${lines(COMMANDS)}\n`);
writeFileSync(path.join(dir, "none.sh"), "\n");

/** Runs `file args` in a pseudo-terminal to its end; returns the wall time in ms. */
function timed(file, args) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const term = pty.spawn(file, args, { cwd: dir, env, cols: 100, rows: 30, name: "xterm" });
    let out = "";
    term.onData((d) => {
      out += d;
    });
    term.onExit(({ exitCode }) => {
      const ms = performance.now() - start;
      if (exitCode !== 0)
        reject(new Error(`${file} ${args.join(" ")} exited ${exitCode}:\n${out}`));
      else resolve(ms);
    });
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function perCommand(file, argsFor) {
  const many = [];
  const none = [];
  for (let i = 0; i < RUNS; i++) {
    none.push(await timed(file, argsFor("none.sh")));
    many.push(await timed(file, argsFor("many.sh")));
  }
  return { perCommand: (median(many) - median(none)) / COMMANDS, start: median(none) };
}

try {
  const bash = await perCommand("bash", (f) => ["--noprofile", "--norc", f]);
  const demo = await perCommand(process.execPath, (f) => [CLI, "--no-blurb", f]);
  const direct = await perCommand(process.execPath, (f) => [CLI, "--no-blurb", "--no-pty", f]);
  const over = demo.perCommand - bash.perCommand;
  console.log(
    `hidden commands in presenter mode on a pty (${COMMANDS} commands, median of ${RUNS}):`,
  );
  console.log(`  bash             ${bash.perCommand.toFixed(3)} ms/command`);
  console.log(`  demoshts         ${demo.perCommand.toFixed(3)} ms/command`);
  console.log(
    `  over bare bash   ${over.toFixed(3)} ms/command (target <= ${TARGET_MS}): ${over <= TARGET_MS ? "ok" : "OVER"}`,
  );
  const overDirect = direct.perCommand - bash.perCommand;
  console.log(`  --no-pty         ${direct.perCommand.toFixed(3)} ms/command`);
  console.log(
    `  over bare bash   ${overDirect.toFixed(3)} ms/command, the session sharing the terminal`,
  );
} catch (error) {
  console.error(`bench: ${error.message}`);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
