#!/usr/bin/env node
import { spawnSync } from "node:child_process";
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir, userInfo } from "node:os";
import * as path from "node:path";
import { isatty } from "node:tty";
import { fileURLToPath } from "node:url";
import { readRegularFile } from "./cli/files.js";
import { main } from "./cli/main.js";
import { TerminalKeys } from "./present/keys.js";
import type { FileData } from "./reader/read.js";
import type { RunChannel } from "./run/run.js";
import { BashSession } from "./session/bash.js";

// The only module that touches the process: it binds real IO to main().

// Every file a user names (demos, imports, nested demos, checked files, kubeconfigs) is
// read here: regular files only, of bounded size, never blocking on a pipe or a device.
function readFile(absolutePath: string): FileData {
  return readRegularFile(absolutePath);
}

const self = fileURLToPath(import.meta.url);
// The build writes the version in (no package.json to read at start-up).
declare const __DEMOSHTS_VERSION__: string;

/** Where the launcher for this node and this script goes: the temporary directory, else the cache. */
function launcherPlaces(): string[] {
  const body = launcherBody();
  // FNV-1a: a stable name per (node, script) pair, without loading node:crypto at start-up.
  let h = 0x811c9dc5;
  for (let i = 0; i < body.length; i++) h = Math.imul(h ^ body.charCodeAt(i), 0x01000193) >>> 0;
  const hash = h.toString(16).padStart(8, "0");
  let user = "user";
  try {
    user = String(userInfo().uid);
  } catch {
    // No user database entry: share the default name.
  }
  // The temporary directory first; where it is mounted noexec, the user's cache instead.
  const home = process.env.HOME ?? homedir();
  return [
    path.join(tmpdir(), `demoshts-${user}`),
    path.join(process.env.XDG_CACHE_HOME || path.join(home, ".cache"), "demoshts"),
  ].map((place) => path.join(place, hash, "demoshts"));
}

// bash, not sh: dash drops exported shell functions (BASH_FUNC_*) from the environment,
// and nested demos must keep the functions a demo exported (with set -a, all of them).
function launcherBody(): string {
  const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  return `#!/usr/bin/env bash\nexec ${quote(process.execPath)} ${quote(self)} "$@"\n`;
}

/**
 * `$SHELL` must be one absolute command that runs this tool however it was
 * installed: a tiny launcher naming this node and this script, made once.
 */
function launcher(): string {
  const body = launcherBody();
  const places = launcherPlaces();
  for (const file of places) {
    try {
      if (!existsSync(file)) {
        mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        const temporary = `${file}.${process.pid}`;
        writeFileSync(temporary, body, { mode: 0o755 });
        chmodSync(temporary, 0o755);
        renameSync(temporary, file);
      }
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not writable, or not executable there: try the next place.
    }
  }
  throw new Error(`cannot write an executable launcher for $SHELL in ${places.join(" or ")}`);
}

// A reader that goes away (`demoshts --dry-run README.md | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") finish(typeof process.exitCode === "number" ? process.exitCode : 0);
    throw error;
  });
}

const sessions = new Set<BashSession>();
// isatty, not process.stdin.isTTY: a CI run never reads stdin, so its stream is never made.
const stdinIsTTY = isatty(0);
let savedTerminal: string | undefined;

/** Notes the terminal's settings before a live run touches it (dry runs and checks never do). */
function saveTerminal(): void {
  if (!stdinIsTTY || savedTerminal !== undefined) return;
  savedTerminal = spawnSync("stty", ["-g"], {
    stdio: ["inherit", "pipe", "ignore"],
    encoding: "utf8",
  }).stdout?.trim();
}

/** Gives the terminal back as it was: settings, and a visible cursor. */
function restoreTerminal(): void {
  if (savedTerminal === undefined) return;
  try {
    process.stdin.setRawMode(false);
  } catch {
    // stdin already closed.
  }
  if (savedTerminal) spawnSync("stty", [savedTerminal], { stdio: ["inherit", "ignore", "ignore"] });
  if (process.stdout.isTTY) process.stdout.write("\u001b[?25h");
}

// On stage, Ctrl-C is for the running command (bash's children get it too) and the runner
// ignores it; a CI run listens, stops after the current command, and a second one ends it.
// Until a live run starts (and in dry runs, checks and doctor) no handler is installed: the
// default action ends the process at once, even in the middle of reading a huge demo, and
// the shell sees 130 (Ctrl-C) or 143 (SIGTERM).
const interruptListeners = new Set<() => void>();
let interrupts = 0;
let signalsTaken = false;
function takeSignals(): void {
  if (signalsTaken) return;
  signalsTaken = true;
  process.on("SIGINT", () => {
    if (interruptListeners.size === 0) return;
    interrupts++;
    if (interrupts > 1) finish(130);
    for (const listener of interruptListeners) listener();
  });
  for (const [signal, code] of [
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const) {
    process.on(signal, () => finish(code));
  }
}

/**
 * The demos of one run, each its own process, tell each other things through
 * files next to a name the outermost demo chooses: `.quit` when a presenter
 * pressed Q, `.shown` when a demo showed the audience something.
 */
function fileChannel(base: string): RunChannel {
  const mark = (suffix: string) => {
    try {
      writeFileSync(`${base}${suffix}`, "", { mode: 0o600 });
    } catch {
      // Nowhere to write: the parent goes on as if nothing was said.
    }
  };
  let shown = false;
  return {
    quit: () => mark(".quit"),
    quitting: () => existsSync(`${base}.quit`),
    shown: () => {
      if (!shown) mark(".shown");
      shown = true;
    },
    anyShown: () => shown || existsSync(`${base}.shown`),
    clear: () => {
      rmSync(`${base}.quit`, { force: true });
      rmSync(`${base}.shown`, { force: true });
    },
  };
}

function finish(code: number): never {
  for (const session of sessions) session.kill();
  restoreTerminal();
  process.exit(code);
}

/** Colour for standard output: NO_COLOR and FORCE_COLOR first, then what the terminal can show. */
function colorLevel(): 0 | 1 | 2 | 3 {
  const force = process.env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === "" || force === "true" || force === "1") return 1;
    if (force === "2") return 2;
    if (force === "3") return 3;
    if (force === "0" || force === "false") return 0;
  }
  if (process.env.NO_COLOR) return 0;
  if (!process.stdout.isTTY) return 0;
  const depth = process.stdout.getColorDepth();
  return depth >= 24 ? 3 : depth >= 8 ? 2 : depth >= 4 ? 1 : 0;
}

const level = colorLevel();

/** Where the cluster guard and doctor read the kubeconfig from, as kubectl would. */
function kubeconfigSource() {
  return {
    env: process.env,
    home: process.env.HOME ?? homedir(),
    readFile: (file: string) => {
      const found = readRegularFile(file);
      return found.ok ? Buffer.from(found.data).toString("utf8") : undefined;
    },
  };
}

/** Where relative paths start; a directory deleted under the process ends it here (exit 2). */
function currentDirectory(): string {
  try {
    return process.cwd();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    process.stderr.write(
      "demoshts: the current directory no longer exists (it was deleted); cd to one that exists and run again\n",
    );
    process.exit(2);
  }
}

try {
  const code = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: currentDirectory(),
    home: process.env.HOME ?? homedir(),
    version: __DEMOSHTS_VERSION__,
    selfCommand: launcher,
    selfPath: () => launcherPlaces()[0] as string,
    readFile,
    stdinIsTTY,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    columns: process.stdout.columns || 80,
    colorLevel: level,
    keys: () => {
      takeSignals();
      saveTerminal();
      return new TerminalKeys(process.stdin);
    },
    rawInput: () => {
      takeSignals();
      saveTerminal();
      return process.stdin;
    },
    rows: process.stdout.rows || 24,
    onResize: (listener) => {
      const resized = (): void => listener(process.stdout.columns || 80, process.stdout.rows || 24);
      process.stdout.on("resize", resized);
      return () => process.stdout.off("resize", resized);
    },
    startShell: (start, make = (options) => new BashSession(options)) => {
      takeSignals();
      saveTerminal();
      const session = make(start);
      sessions.add(session);
      return session;
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    now: () => Date.now(),
    kindOf: (file) => {
      try {
        const stat = statSync(file);
        return stat.isDirectory() ? "dir" : "file";
      } catch {
        return undefined;
      }
    },
    listDir: (dir) => {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    },
    which: (name, pathEnv) => {
      for (const dir of pathEnv.split(path.delimiter)) {
        if (dir === "") continue;
        const candidate = path.join(dir, name);
        try {
          accessSync(candidate, constants.X_OK);
          if (statSync(candidate).isFile()) return candidate;
        } catch {
          // Not here.
        }
      }
      return undefined;
    },
    runVersion: async (file, args, timeoutMs) => {
      // Loaded only by doctor: execa is not needed to run or check a demo.
      const { execa } = await import("execa");
      const result = await execa(file, [...args], {
        timeout: timeoutMs,
        reject: false,
        stdin: "ignore",
        all: true,
      });
      if (result.failed) return undefined;
      return String(result.all ?? "")
        .split("\n")
        .find((line) => line.trim() !== "")
        ?.trim();
    },
    kubeconfig: kubeconfigSource(),
    guardContext: async (expected) => {
      // Loaded only when a context is expected: client-node is large.
      const { guardContext } = await import("./kube/guard.js");
      const verdict = await guardContext(expected, kubeconfigSource());
      return verdict.ok ? { ok: true } : verdict;
    },
    channel: (name) => {
      const base =
        name ??
        path.join(tmpdir(), `demoshts-run-${process.pid}-${Math.random().toString(36).slice(2)}`);
      return { name: base, channel: fileChannel(base) };
    },
    onInterrupt: (listener) => {
      takeSignals();
      interruptListeners.add(listener);
      return () => interruptListeners.delete(listener);
    },
  });
  restoreTerminal();
  process.exitCode = code;
} catch (error) {
  restoreTerminal();
  process.stderr.write(`demoshts: internal error: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
}
