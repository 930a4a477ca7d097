#!/usr/bin/env node
import {
  accessSync,
  appendFileSync,
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { createRequire } from "node:module";
import { homedir, tmpdir, userInfo } from "node:os";
import * as path from "node:path";
import { isatty } from "node:tty";
import { fileURLToPath } from "node:url";
import { kindOf, listDir, readRegularFile, which } from "./cli/files.js";
import { main } from "./cli/main.js";
import { TerminalKeys } from "./present/keys.js";
import type { FileData } from "./reader/read.js";
import type { RunChannel } from "./run/run.js";
import type { BashSession } from "./session/bash.js";

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
 * A directory only this user can write, made if missing: owned by us, not a
 * symlink, no write bit for group or others. Anything else at the path may have
 * been planted by another user, so it is refused (the reason is returned).
 */
function privateDir(dir: string): string | undefined {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") return String((error as Error).message);
  }
  const stat = lstatSync(dir);
  if (stat.isSymbolicLink()) return `${dir} is a symbolic link`;
  if (!stat.isDirectory()) return `${dir} is not a directory`;
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid)
    return `${dir} belongs to another user (uid ${stat.uid})`;
  if ((stat.mode & 0o022) !== 0) {
    return `${dir} can be written by others (mode ${(stat.mode & 0o777).toString(8)})`;
  }
  return undefined;
}

/** Is `file` our launcher already: a regular file of ours, written by us alone, with this text? */
function isOurLauncher(file: string, body: string): boolean {
  try {
    const stat = lstatSync(file);
    const uid = process.getuid?.();
    if (!stat.isFile() || (uid !== undefined && stat.uid !== uid)) return false;
    if ((stat.mode & 0o022) !== 0 || (stat.mode & 0o100) === 0) return false;
    return readFileSync(file, "utf8") === body;
  } catch {
    return false;
  }
}

/**
 * `$SHELL` must be one absolute command that runs this tool however it was
 * installed: a tiny launcher naming this node and this script, made once, in a
 * directory that nobody else can write.
 */
function launcher(): string {
  const body = launcherBody();
  const refused: string[] = [];
  for (const file of launcherPlaces()) {
    const hashDir = path.dirname(file);
    const base = path.dirname(hashDir);
    try {
      // The cache's parents are the user's own; the last two levels are checked.
      mkdirSync(path.dirname(base), { recursive: true, mode: 0o700 });
      const why = privateDir(base) ?? privateDir(hashDir);
      if (why) {
        refused.push(why);
        continue;
      }
      if (!isOurLauncher(file, body)) {
        // A fresh name, created exclusively and never through a link, then renamed into place.
        const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
        const fd = openSync(
          temporary,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o700,
        );
        try {
          writeSync(fd, body);
          fchmodSync(fd, 0o755);
        } finally {
          closeSync(fd);
        }
        renameSync(temporary, file);
      }
      accessSync(file, constants.X_OK);
      return file;
    } catch (error) {
      // Not writable, or not executable there (noexec): try the next place.
      refused.push(String((error as Error).message));
    }
  }
  throw new Error(`cannot make a safe launcher for $SHELL: ${refused.join("; ")}`);
}

// A reader that goes away (`demoshts --dry-run README.md | head`) is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    // A terminal that hung up fails every write: the SIGHUP handler is already ending the run.
    if (terminalGone || error.code === "EIO") return;
    if (error.code === "EPIPE") finish(typeof process.exitCode === "number" ? process.exitCode : 0);
    throw error;
  });
}

/** Are standard output and standard error the same file or pipe (as with `> log 2>&1`)? */
function sameOutput(): boolean {
  try {
    const out = fstatSync(1);
    const err = fstatSync(2);
    return out.dev === err.dev && out.ino === err.ino;
  } catch {
    return false;
  }
}

const sessions = new Set<BashSession>();

// isatty, not process.stdin.isTTY: a CI run never reads stdin, so its stream is never made.
const stdinIsTTY = isatty(0);
let savedTerminal: string | undefined;

/**
 * `stty`, run only by live runs: node:child_process (with node:net) is loaded when first
 * needed, so that a dry run, a check or `--version` never loads it.
 */
function stty(args: string[], stdout: "pipe" | "ignore"): string | undefined {
  const { spawnSync } = createRequire(import.meta.url)(
    "node:child_process",
  ) as typeof import("node:child_process");
  return spawnSync("stty", args, { stdio: ["inherit", stdout, "ignore"], encoding: "utf8" }).stdout;
}

/** Notes the terminal's settings before a live run touches it (dry runs and checks never do). */
function saveTerminal(): void {
  if (!stdinIsTTY || savedTerminal !== undefined) return;
  savedTerminal = stty(["-g"], "pipe")?.trim();
}

/** The row the status line holds, if one is up: an abrupt exit must give the row back. */
let statusRow: number | undefined;

let terminalReader: number | undefined;

/** Reads and forgets what the terminal holds for its reader, without waiting for more. */
function drainTerminal(): void {
  try {
    terminalReader ??= openSync(
      "/dev/tty",
      constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY,
    );
    const buffer = Buffer.alloc(256);
    while (readSync(terminalReader, buffer, 0, buffer.length, null) > 0) {
      // Dropped.
    }
  } catch {
    // EAGAIN: nothing (more) to drop; or no terminal to read.
  }
}

/** Gives the terminal back as it was: settings, and a visible cursor. */
function restoreTerminal(): void {
  if (statusRow !== undefined && process.stdout.isTTY) {
    process.stdout.write(`\u001b7\u001b[${statusRow};1H\u001b[2K\u001b[r\u001b8`);
    statusRow = undefined;
  }
  if (savedTerminal === undefined) return;
  try {
    process.stdin.setRawMode(false);
  } catch {
    // stdin already closed.
  }
  if (savedTerminal) stty([savedTerminal], "ignore");
  if (process.stdout.isTTY) process.stdout.write("\u001b[?25h");
}

// On stage, Ctrl-C is for the running command (bash's children get it too) and the runner
// ignores it; a CI run listens, stops after the current command, and a second one ends it.
// Until a live run starts (and in dry runs, checks and doctor) no handler is installed: the
// default action ends the process at once, even in the middle of reading a huge demo, and
// the shell sees 130 (Ctrl-C) or 143 (SIGTERM).
const interruptListeners = new Set<() => void>();
let interrupts = 0;
let stopping = false;
let terminalGone = false;

/** Ends every session's processes (SIGTERM, then SIGKILL after a grace), then the run. */
async function terminate(code: number): Promise<never> {
  await Promise.all([...sessions].map((session) => session.terminate()));
  return finish(code);
}

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
    process.on(signal, () => {
      // A second signal while the session's processes get their grace: go at once.
      // SIGHUP: the terminal has gone; touching it now (modes, cursor) can only fail.
      if (signal === "SIGHUP") terminalGone = true;
      if (stopping) exitNow(code);
      stopping = true;
      if (signal === "SIGHUP") {
        terminalGone = true;
        // Whatever still reaches for the terminal (raw mode, a write) fails now: end quietly.
        process.on("uncaughtException", () => finish(code));
      }
      void terminate(code);
    });
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
      // Created, never written through: a link planted at the name makes this fail, harmlessly.
      closeSync(
        openSync(
          `${base}${suffix}`,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o600,
        ),
      );
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
      // unlink, not rmSync: rmSync loads a module of its own, on every run's way out.
      for (const suffix of [".quit", ".shown"]) {
        try {
          unlinkSync(`${base}${suffix}`);
        } catch {
          // Never made.
        }
      }
    },
  };
}

/** Exits; after a hang-up, without the reset of the terminal that Node would abort in. */
function exitNow(code: number): never {
  if (terminalGone) {
    // At exit Node 20 resets the modes of the terminals it started on, and aborts when that
    // fails, as it does on a terminal that has hung up; it leaves closed descriptors alone.
    for (const fd of [0, 1, 2]) {
      try {
        closeSync(fd);
      } catch {
        // Already closed.
      }
    }
  }
  process.exit(code);
}

function finish(code: number): never {
  for (const session of sessions) void session.terminate(0);
  if (terminalGone) exitNow(code);
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

const argv = process.argv.slice(2);
// The bash grammar that a dry run, check and doctor load is WebAssembly: on V8's baseline
// compiler only, as optimising its large functions in the background costs more CPU than
// such a run ever gets back, and exit waits for it. It is a process-wide setting, so the
// command sets it for its own process (a program using the API keeps V8's choice), and
// only for those modes: a live run never loads the grammar, nor node:v8 for this.
if (argv[0] === "check" || argv[0] === "doctor" || argv.includes("--dry-run")) {
  (createRequire(import.meta.url)("node:v8") as typeof import("node:v8")).setFlagsFromString(
    "--liftoff-only",
  );
}
try {
  const code = await main(argv, {
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
      return new TerminalKeys(process.stdin, drainTerminal);
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
    startShell: (start, make) => {
      takeSignals();
      saveTerminal();
      // Passing output through changes nothing for a command only where it was no terminal.
      const tee = start.keepOutput && !process.stdout.isTTY && !process.stderr.isTTY;
      const options = tee
        ? {
            ...start,
            tee: { stdout: process.stdout, stderr: process.stderr, merged: sameOutput() },
          }
        : start;
      const track = (session: BashSession): BashSession => {
        sessions.add(session);
        return session;
      };
      if (make) return track(make(options));
      // Loaded here, by live runs only.
      return import("./session/bash.js").then(({ BashSession }) => track(new BashSession(options)));
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    now: () => Date.now(),
    kindOf,
    listDir,
    which,
    crdCache: () => {
      try {
        const { size, mtimeMs } = statSync(self);
        const home = process.env.HOME ?? homedir();
        return {
          dir: path.join(
            process.env.XDG_CACHE_HOME || path.join(home, ".cache"),
            "demoshts",
            "crds",
          ),
          // Another build (or version) may read CRDs differently: it keeps its own entries.
          stamp: `${__DEMOSHTS_VERSION__} ${size} ${mtimeMs}`,
        };
      } catch {
        return undefined;
      }
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
    guardContext: async (expected, answered) => {
      // A nested demo whose outer run found this context's server answering: the context
      // is checked again, the server is not asked again.
      if (answered !== undefined) {
        const { sameContextAs } = await import("./kube/kubeconfig-read.js");
        if (sameContextAs(kubeconfigSource(), expected, answered)) {
          return { ok: true, server: answered };
        }
      }
      // Loaded only when a context is expected: client-node is large.
      const { guardContext } = await import("./kube/guard.js");
      const verdict = await guardContext(expected, kubeconfigSource());
      return verdict.ok ? { ok: true, server: verdict.server } : verdict;
    },
    files: {
      read: (file) => {
        const found = readRegularFile(file);
        return found.ok ? Buffer.from(found.data).toString("utf8") : undefined;
      },
      write: (file, text, mode = 0o644) => {
        mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        const temporary = `${file}.${process.pid}.tmp`;
        // A leftover of a crashed run, or something planted at the name, is never written through.
        rmSync(temporary, { force: true });
        const fd = openSync(
          temporary,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          mode,
        );
        try {
          writeSync(fd, text);
          fchmodSync(fd, mode);
        } finally {
          closeSync(fd);
        }
        renameSync(temporary, file);
      },
      append: (file, text) => appendFileSync(file, text),
      remove: (file) => rmSync(file, { force: true, recursive: true }),
      list: (dir) => {
        try {
          return readdirSync(dir);
        } catch {
          return [];
        }
      },
      tempDir: () => mkdtempSync(path.join(tmpdir(), "demoshts-run-")),
    },
    screen: () =>
      process.stdout.isTTY
        ? {
            rows: () => process.stdout.rows || 24,
            columns: () => process.stdout.columns || 80,
            claim: (row) => {
              statusRow = row;
            },
          }
        : undefined,
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
