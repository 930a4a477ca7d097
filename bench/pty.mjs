// Benchmark: what does running the presenter's commands on a pseudo-terminal cost?
//
// The built CLI runs in a pty (as a presenter's terminal) in presenter mode, on
// demoshts's own pty (the default) and with --no-pty (bash straight on the
// terminal), interleaved so that load on the machine hits both alike; plain
// interactive bash in the same kind of pty is the reference.
//   1. keypress to output: a shown command `echo "tick-$((i*1))"` waits; the time
//      from RETURN to `tick-i` on the screen (bash: from typing the line's RETURN);
//   2. per-command overhead: a presenter-mode run of 300 hidden commands (no
//      waits), its wall time per command, against `bash` running the same lines.
// NODE_EXTRA_CA_CERTS is removed from the environment. It reports; it does not fail.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import pty from "@lydell/node-pty";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const KEYPRESSES = 40;
const HIDDEN = 300;
const RUNS = 5;

const env = { ...process.env, TERM: "xterm", NO_COLOR: "1" };
delete env.NODE_EXTRA_CA_CERTS;
delete env.CI;
const dir = mkdtempSync(path.join(tmpdir(), "demoshts-bench-pty-"));

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function broken(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

/** A process in a pty, with a way to wait for output matching a pattern. */
function start(file, args) {
  const term = pty.spawn(file, args, { name: "xterm", cols: 100, rows: 30, cwd: dir, env });
  let out = "";
  let waiter;
  let exited;
  const done = new Promise((resolve) => {
    term.onExit(({ exitCode }) => {
      exited = exitCode;
      resolve(exitCode);
    });
  });
  term.onData((data) => {
    out += data;
    waiter?.();
  });
  return {
    write: (keys) => term.write(keys),
    /** Resolves when `pattern` matches output after `from`; returns the end of the match. */
    waitFor(pattern, from = 0, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          reject(new Error(`${pattern} not seen; output:\n${out.slice(-2000)}`));
        }, timeoutMs);
        const check = () => {
          const match = pattern.exec(out.slice(from));
          if (match) {
            clearTimeout(timer);
            waiter = undefined;
            resolve(from + match.index + match[0].length);
          } else if (exited !== undefined) {
            clearTimeout(timer);
            reject(new Error(`exited (${exited}) before ${pattern}; output:\n${out.slice(-2000)}`));
          }
        };
        waiter = check;
        check();
      });
    },
    get length() {
      return out.length;
    },
    done,
    kill: () => term.kill(),
  };
}

const shown = Array.from({ length: KEYPRESSES }, (_, i) => `echo "tick-$((${i}*1))"`);
writeFileSync(path.join(dir, "keys.sh"), `#@SHOW\n${shown.join("\n")}\n`);
const hidden = Array.from({ length: HIDDEN }, (_, i) => `x=${i}`).join("\n");
writeFileSync(path.join(dir, "hidden.sh"), `${hidden}\n`);
writeFileSync(path.join(dir, "plain.sh"), `${hidden}\n`);

const FLAGS = ["--no-blurb", "--no-typeout"];

/** RETURN to output, for each shown command of keys.sh; milliseconds. */
async function keypresses(extra) {
  const p = start(process.execPath, [CLI, ...FLAGS, ...extra, "keys.sh"]);
  const times = [];
  let at = 0;
  for (let i = 0; i < KEYPRESSES; i++) {
    at = await p.waitFor(new RegExp(`\\$ echo "tick-\\$\\(\\(${i}\\*1\\)\\)"`), at);
    const pressed = performance.now();
    p.write("\r");
    at = await p.waitFor(new RegExp(`\\ntick-${i}\\r*\\n`), at);
    times.push(performance.now() - pressed);
  }
  if ((await p.done) !== 0) broken(`keys.sh ${extra.join(" ")} did not exit 0`);
  return times;
}

/** The same in interactive bash: RETURN after `echo "tick-$((i*1))"` to its output. */
async function bashKeypresses() {
  const p = start("bash", ["--norc", "--noprofile", "-i"]);
  const times = [];
  let at = await p.waitFor(/[$#] $/);
  for (let i = 0; i < KEYPRESSES; i++) {
    p.write(`echo "tick-$((${i}*1))"`);
    at = await p.waitFor(new RegExp(`tick-\\$\\(\\(${i}\\*1\\)\\)"`), at);
    const pressed = performance.now();
    p.write("\r");
    at = await p.waitFor(new RegExp(`\\n(?:\\x1b\\[\\?2004l)?\\r?tick-${i}\\r*\\n`), at);
    times.push(performance.now() - pressed);
  }
  // bash prints bracketed-paste codes around each command's output.
  p.write("exit\r");
  await p.done;
  return times;
}

/** Wall time of a presenter-mode run of hidden.sh; milliseconds. */
async function hiddenRun(extra) {
  const started = performance.now();
  const p = start(process.execPath, [CLI, ...FLAGS, ...extra, "hidden.sh"]);
  if ((await p.done) !== 0) broken(`hidden.sh ${extra.join(" ")} did not exit 0`);
  return performance.now() - started;
}

function bashRun() {
  const started = performance.now();
  const run = spawnSync("bash", ["plain.sh"], { cwd: dir, env, stdio: "ignore" });
  if (run.status !== 0) broken("bash plain.sh did not exit 0");
  return performance.now() - started;
}

const keys = { pty: [], direct: [], bash: [] };
const runs = { pty: [], direct: [], bash: [] };
for (let round = 0; round < RUNS; round++) {
  runs.pty.push(await hiddenRun([]));
  runs.direct.push(await hiddenRun(["--no-pty"]));
  runs.bash.push(bashRun());
}
for (let round = 0; round < 2; round++) {
  keys.pty.push(...(await keypresses([])));
  keys.direct.push(...(await keypresses(["--no-pty"])));
  keys.bash.push(...(await bashKeypresses()));
}

const ms = (n) => `${n.toFixed(2)} ms`;
console.log(`keypress to output (median of ${keys.pty.length}, presenter mode):`);
console.log(`  demoshts on its pty      ${ms(median(keys.pty))}`);
console.log(`  demoshts --no-pty        ${ms(median(keys.direct))}`);
console.log(`  interactive bash         ${ms(median(keys.bash))}`);
console.log(`  the pty adds             ${ms(median(keys.pty) - median(keys.direct))}`);
const per = (list) => median(list) / HIDDEN;
console.log(`per command, ${HIDDEN} hidden commands in presenter mode (median of ${RUNS} runs):`);
console.log(`  demoshts on its pty      ${ms(per(runs.pty))}  (run ${ms(median(runs.pty))})`);
console.log(`  demoshts --no-pty        ${ms(per(runs.direct))}  (run ${ms(median(runs.direct))})`);
console.log(`  bash plain.sh            ${ms(per(runs.bash))}  (run ${ms(median(runs.bash))})`);
console.log(`  the pty adds             ${ms(per(runs.pty) - per(runs.direct))} per command`);
rmSync(dir, { recursive: true, force: true });
