import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import pty from "@lydell/node-pty";

// A pseudo-terminal harness for the built CLI, in the style of vitest's own test utils
// (`runVitestCli`): start a process, write keys, wait for text on screen, collect the exit code.

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = path.join(ROOT, "dist", "cli.js");

export interface StartOptions {
  /** Where the demo runs (its files are relative to this). */
  readonly cwd: string;
  /** Extra environment variables, on top of the minimal one below. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cols?: number;
  readonly rows?: number;
}

export interface PtyProcess {
  readonly pid: number;
  /** Sends `keys` to the terminal as if typed. */
  write(keys: string): void;
  /**
   * Resolves with the stripped output from the read position to the end of the first match of
   * `pattern` after the read position, and moves the read position past that match. Rejects
   * after `timeoutMs` with everything seen so far.
   */
  waitFor(pattern: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Everything written to the terminal so far, ANSI-stripped, with `\r` removed. */
  output(): string;
  /** Everything written to the terminal so far, exactly as written. */
  raw(): string;
  /** Changes the terminal's size, as a window resize does. */
  resize(cols: number, rows: number): void;
  /** Output after the read position, without moving it. */
  unread(): string;
  /** The exit code (128 + n when a signal ended it and it had no code of its own). */
  exited(): Promise<number>;
  /** Kills the whole pty session (no-op once it has ended). */
  kill(signal?: string): void;
}

const live = new Set<PtyProcess>();

/** The environment every pty starts from: no CI variable, no colour settings, an empty home. */
function baseEnv(home: string): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, TERM: "xterm", LANG: "C" };
}

import { removeWorkspaces as cleanupDirs, workspace } from "../helpers/workspace.js";

export { cleanupDirs, workspace };

/** Runs `file args` in a new pseudo-terminal. */
export function startPty(file: string, args: readonly string[], options: StartOptions): PtyProcess {
  const home = workspace();
  const term = pty.spawn(file, [...args], {
    name: "xterm",
    cols: options.cols ?? 100,
    rows: options.rows ?? 40,
    cwd: options.cwd,
    env: { ...baseEnv(home), ...options.env },
  });
  let raw = "";
  let cursor = 0;
  let exit: number | undefined;
  const exitWaiters: ((code: number) => void)[] = [];
  const dataWaiters = new Set<() => void>();
  const text = (): string => stripVTControlCharacters(raw).replaceAll("\r", "");

  term.onData((data) => {
    raw += data;
    for (const waiter of [...dataWaiters]) waiter();
  });
  term.onExit(({ exitCode, signal }) => {
    exit = signal ? 128 + signal : exitCode;
    live.delete(handle);
    for (const waiter of [...dataWaiters]) waiter();
    for (const waiter of exitWaiters.splice(0)) waiter(exit);
  });

  const handle: PtyProcess = {
    pid: term.pid,
    write: (keys) => term.write(keys),
    output: text,
    raw: () => raw,
    resize: (cols, rows) => term.resize(cols, rows),
    unread: () => text().slice(cursor),
    waitFor(pattern, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const all = text();
          const rest = all.slice(cursor);
          let end: number | undefined;
          if (typeof pattern === "string") {
            const at = rest.indexOf(pattern);
            if (at >= 0) end = at + pattern.length;
          } else {
            const match = new RegExp(pattern.source, pattern.flags.replaceAll("g", "")).exec(rest);
            if (match) end = match.index + match[0].length;
          }
          if (end === undefined) return false;
          cursor += end;
          resolve(rest.slice(0, end));
          return true;
        };
        if (check()) return;
        const onData = (): void => {
          if (check()) finish();
          else if (exit !== undefined) fail(`the process exited (${exit}) first`);
        };
        const finish = (): void => {
          clearTimeout(timer);
          dataWaiters.delete(onData);
        };
        const fail = (why: string): void => {
          finish();
          const all = text();
          reject(
            new Error(
              `waitFor(${typeof pattern === "string" ? JSON.stringify(pattern) : String(pattern)}): ${why}.\n` +
                `--- not yet read (from position ${cursor}) ---\n${all.slice(cursor)}\n` +
                `--- everything seen ---\n${all}\n--- end ---`,
            ),
          );
        };
        const timer = setTimeout(() => fail(`not seen within ${timeoutMs} ms`), timeoutMs);
        dataWaiters.add(onData);
        if (exit !== undefined) onData();
      });
    },
    exited() {
      if (exit !== undefined) return Promise.resolve(exit);
      return new Promise((resolve) => exitWaiters.push(resolve));
    },
    kill(signal = "SIGKILL") {
      if (exit !== undefined) return;
      try {
        term.kill(signal);
      } catch {
        // Already gone.
      }
    },
  };
  live.add(handle);
  return handle;
}

export interface DemoOptions extends StartOptions {
  /**
   * Run the CLI inside `bash -c` that saves `stty -g` to before.txt in `cwd` first and to
   * after.txt once the CLI has ended, then exits with the CLI's status.
   */
  readonly sttyCheck?: boolean;
}

/**
 * Starts `node dist/cli.js ARGS` in a pseudo-terminal. Put `--typing-speed` in `args` unless
 * typing is what the test looks at.
 */
export function startDemo(args: readonly string[], options: DemoOptions): PtyProcess {
  if (!options.sttyCheck) return startPty(process.execPath, [CLI, ...args], options);
  const script = 'stty -g > before.txt; "$0" "$@"; status=$?; stty -g > after.txt; exit "$status"';
  return startPty("bash", ["--noprofile", "--norc", "-c", script, process.execPath, CLI, ...args], {
    ...options,
  });
}

/** The terminal settings saved by a `sttyCheck` run, before and after the CLI ran. */
export function sttySettings(cwd: string): { before: string; after: string } {
  const read = (name: string): string => fs.readFileSync(path.join(cwd, name), "utf8").trim();
  return { before: read("before.txt"), after: read("after.txt") };
}

/** Kills every pty still running (for afterEach). */
export function killAll(): void {
  for (const p of [...live]) p.kill();
  live.clear();
}

/**
 * Waits `ms` for output that must NOT come, and returns whatever arrived meanwhile (without
 * moving the read position). Only for negative checks ("nothing runs before RETURN"): there is
 * no text to wait for when the point is that nothing happens.
 */
export async function settle(p: PtyProcess, ms = 300): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return p.unread();
}

/** Every process below `root`, with its command line (from /proc: these tests need Linux). */
export function descendants(root: number): { pid: number; argv: string[] }[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // It ended while we looked.
    }
  }
  const found: { pid: number; argv: string[] }[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      queue.push(child);
      try {
        const argv = fs.readFileSync(`/proc/${child}/cmdline`, "utf8").split("\0").slice(0, -1);
        found.push({ pid: child, argv });
      } catch {
        // It ended while we looked.
      }
    }
  }
  return found;
}

/**
 * Waits until a process below `root` runs `argv` (exactly), polling /proc: the way to know a
 * command has really started before sending it a key or a signal.
 */
export async function waitForProcess(
  root: number,
  argv: readonly string[],
  timeoutMs = 5_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = descendants(root).find((p) => p.argv.join("\0") === argv.join("\0"));
    if (hit) return hit.pid;
    if (Date.now() > deadline) {
      const seen = descendants(root).map((p) => `${p.pid} ${p.argv.join(" ")}`);
      throw new Error(`no process ${argv.join(" ")} below ${root}; seen:\n${seen.join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The terminal settings (`stty -g`) of the terminal that process `pid` reads from. */
export function sttyOf(pid: number): string {
  const tty = fs.readlinkSync(`/proc/${pid}/fd/0`);
  const fd = fs.openSync(
    tty,
    fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY,
  );
  try {
    return execFileSync("stty", ["-g"], { stdio: [fd, "pipe", "pipe"], encoding: "utf8" }).trim();
  } finally {
    fs.closeSync(fd);
  }
}
