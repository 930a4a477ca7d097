import { type ChildProcess, type StdioOptions, spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  constants,
  mkdtempSync,
  openSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Duplex } from "node:stream";
import {
  ANSWERS,
  ENDED,
  type HandshakeChannel,
  IDLE,
  MIN_BASH,
  REQUESTS,
  sessionLoop,
} from "./loop.js";
import { alive, descendants, signalAll } from "./proctree.js";
import type { RunOptions, Shell, ShellReady, ShellRun } from "./shell.js";

/** A started bash, however its standard streams are connected. */
export interface SessionProcess {
  readonly pid: number | undefined;
  kill(signal: NodeJS.Signals): void;
  /** Called once, when bash has ended (code, or the signal that ended it). */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** Called when bash could not be started at all. */
  onError(listener: (error: Error) => void): void;
  /**
   * Descriptor 3 of bash, read by the runner: the `fd3` handshake channel; the watchdog
   * keeps its other end.
   */
  readonly handshake?: Duplex;
}

/**
 * Starts bash with `args` (a pseudo-terminal session passes its own; the default
 * shares the runner's stdin, stdout and stderr and adds descriptor 3 as a pipe).
 */
export type Launch = (
  bash: string,
  args: readonly string[],
  options: { cwd: string; env: Readonly<Record<string, string | undefined>> },
) => SessionProcess;

export interface BashOptions {
  /** `$0` in the session: the demo's absolute path. */
  readonly argv0: string;
  /** `$1`, `$2`, ... */
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The bash to run; `bash` from PATH by default. */
  readonly bash?: string;
  readonly now?: () => number;
  /** How bash is started; by default it shares the runner's terminal (see `inheritedStdio`). */
  readonly launch?: Launch;
  /** The handshake channel `launch` provides: `fd3` (the default) needs `handshake` set. */
  readonly channel?: HandshakeChannel;
  /**
   * Text bash writes to its terminal after each command, before answering, so a
   * reader of that terminal knows it has seen all of the command's output.
   */
  readonly doneMark?: string;
  /**
   * Pass the session's output through these instead of sharing the runner's, keeping
   * each command's output for reports. Only where standard output is not a terminal:
   * a pipe or a file gets the same bytes, but a terminal would stop being one.
   */
  readonly tee?: {
    readonly stdout: ByteOutput;
    readonly stderr: ByteOutput;
    /**
     * Standard output and error were one file or pipe: keep them one (bash's stderr goes
     * to its stdout), so their lines stay in the order they were written.
     */
    readonly merged?: boolean;
  };
}

/** Where passed-through output goes, byte for byte. */
export interface ByteOutput {
  write(data: Uint8Array): unknown;
}

/** How much of a command's output is kept for reports. */
const KEPT_OUTPUT = 64 * 1024;

/** A started bash as the session sees it, with its descriptor 3 as the handshake channel. */
function sessionProcess(child: ChildProcess): SessionProcess {
  return {
    pid: child.pid,
    kill: (signal) => child.kill(signal),
    onExit: (listener) => child.once("exit", listener),
    onError: (listener) => child.once("error", listener),
    handshake: child.stdio[3] as Duplex,
  };
}

/** bash with the runner's own stdin, stdout and stderr (or `stdio`), plus a pipe on descriptor 3. */
export function inheritedStdio(stdio: StdioOptions = "inherit"): Launch {
  return (bash, args, options) => {
    const streams = typeof stdio === "string" ? [stdio, stdio, stdio] : [...stdio].slice(0, 3);
    const child: ChildProcess = spawn(bash, [...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: [...streams, "pipe"] as StdioOptions,
    });
    return sessionProcess(child);
  };
}

/** bash with the runner's stdin, its stdout and stderr passed through `tee` and kept. */
function passThrough(tee: NonNullable<BashOptions["tee"]>, keep: (chunk: Buffer) => void): Launch {
  return (bash, args, options) => {
    const child: ChildProcess = spawn(bash, [...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["inherit", "pipe", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      tee.stdout.write(chunk);
      keep(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      tee.stderr.write(chunk);
      keep(chunk);
    });
    return sessionProcess(child);
  };
}

type Pending =
  | { kind: "run"; resolve: (run: ShellRun) => void; started: number; timedOut: boolean }
  | {
      kind: "values";
      names: readonly string[];
      resolve: (values: Map<string, string | undefined>) => void;
    }
  | { kind: "state"; resolve: (script: string | undefined) => void };

/** What the session's directory holds: its pipes, and a function the demo set aside. */
const SESSION_FILES = [REQUESTS, ANSWERS, IDLE, "fn"];

/**
 * Removes the session's directory: its known files one by one, which is much cheaper at
 * the end of every run than a recursive removal; that stays for anything unexpected.
 */
function removeSessionDir(dir: string): void {
  for (const name of SESSION_FILES) {
    try {
      unlinkSync(path.join(dir, name));
    } catch {
      // Never made, or already gone.
    }
  }
  try {
    rmdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes `text` to the watchdog's idle pipe, if it is there and the watchdog holds it open. */
function tellIdle(fifo: string, text: string): void {
  let fd: number | undefined;
  try {
    // Never blocks: with no reader the open fails (ENXIO), and the watchdog ends by itself.
    fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    writeSync(fd, text);
  } catch {
    // No watchdog waiting there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The gap between asking a timed-out command's processes to stop and forcing them. */
const KILL_GRACE_MS = 500;
/** How long processes get to end after SIGTERM when the runner itself is told to stop. */
export const TERMINATE_GRACE_MS = 300;

/**
 * A bash process that shares the terminal with the runner and takes its
 * commands over a private pair of named pipes (see loop.ts for the protocol).
 */
export class BashSession implements Shell {
  private readonly child: SessionProcess;
  private control: Socket | undefined;
  private replies: Socket | undefined;
  private readonly outbox: string[] = [];
  private readonly dir: string;
  private readonly pending: Pending[] = [];
  private buffer = "";
  private values_: string[] = [];
  private exit: { code: number | null; signal: string | null } | undefined;
  private readonly now: () => number;
  private readonly bash: string;
  private readonly started: Promise<ShellReady>;
  private settle: (ready: ShellReady) => void = () => {};
  private ready_: ShellReady | undefined;
  private pid = -1;
  private lastFile: string | undefined;
  /** The session's watchdog: it outlives the runner on purpose, so it is never signalled. */
  private watchdog = -1;
  private captured: string | undefined;
  /** How bash ended, and the short wait before that is reported (see the constructor). */
  private lastExit: { code: number | null; signal: string | null } | undefined;
  private settling: NodeJS.Timeout | undefined;
  /** Resolves when bash has ended. */
  private readonly gone: Promise<void>;

  /** What the session started (its commands' processes), the watchdog left out. */
  private tree(...roots: number[]): number[] {
    return descendants(...roots).filter((pid) => pid !== this.watchdog);
  }

  constructor(options: BashOptions) {
    this.now = options.now ?? Date.now;
    this.bash = options.bash ?? "bash";
    this.started = new Promise((resolve) => {
      this.settle = (ready) => {
        if (this.ready_) return;
        this.ready_ = ready;
        resolve(ready);
      };
    });
    this.dir = mkdtempSync(path.join(tmpdir(), "demoshts-session-"));
    // A launcher of its own (a pseudo-terminal) has no descriptor 3 unless it says so.
    const channel = options.channel ?? (options.launch ? "fifos" : "fd3");
    if (channel === "fifos") {
      // No descriptor 3 to report on: the runner makes the pipes, the handshake comes as an answer.
      const made = spawnSync(
        "mkfifo",
        ["-m", "600", ...[REQUESTS, ANSWERS, IDLE].map((name) => path.join(this.dir, name))],
        { encoding: "utf8" },
      );
      if (made.status !== 0) {
        throw new Error(
          `cannot make the session's pipes with mkfifo: ${made.stderr || made.error}`,
        );
      }
      this.openPipes();
    }
    const program = sessionLoop({
      dir: this.dir,
      channel,
      runner: process.pid,
      ...(options.doneMark === undefined ? {} : { doneMark: options.doneMark }),
    });
    const tee = options.tee;
    if (tee) this.captured = "";
    const keep = (chunk: Buffer): void => {
      const text = (this.captured ?? "") + chunk.toString("utf8");
      this.captured = text.length > KEPT_OUTPUT ? text.slice(-KEPT_OUTPUT) : text;
    };
    const launch = options.launch ?? (tee ? passThrough(tee, keep) : inheritedStdio());
    this.child = launch(
      this.bash,
      [
        "--noprofile",
        "--norc",
        "-c",
        // On the program's one line, so that its line numbers stay as they are.
        `${tee?.merged ? "exec 2>&1; " : ""}${program}`,
        options.argv0,
        ...options.args,
      ],
      { cwd: options.cwd, env: options.env },
    );
    this.pid = this.child.pid ?? -1;
    const handshake = this.child.handshake;
    if (handshake) {
      handshake.setEncoding("utf8");
      handshake.on("data", (chunk: string) => this.receive(chunk));
      handshake.on("error", () => {
        // The watchdog's end went away with bash: the exit handler reports it.
      });
    }
    this.child.onError((error) => {
      const code = (error as NodeJS.ErrnoException).code;
      this.settle({
        ok: false,
        message:
          code === "ENOENT"
            ? `cannot run ${this.bash}: no such command (install bash 4 or newer, or name one with --bash PATH or DEMOSHTS_BASH)`
            : `cannot run ${this.bash}: ${error.message}`,
      });
      this.ended({ code: 127, signal: null });
    });
    // An answer written just before bash exited may still be on its way: let it arrive first.
    this.gone = new Promise((resolve) => {
      this.child.onExit((code, signal) => {
        this.lastExit = { code, signal };
        this.settling = setTimeout(() => this.ended({ code, signal }), 20);
        resolve();
      });
    });
  }

  /** Resolves once bash has reported its version (or failed to start, or is too old). */
  ready(): Promise<ShellReady> {
    return this.started;
  }

  private openPipes(): void {
    const flags = constants.O_RDWR | constants.O_NONBLOCK;
    // Held open for reading and writing on this side, so that bash's opens never block.
    const control = new Socket({
      fd: openSync(path.join(this.dir, REQUESTS), flags),
      readable: false,
      writable: true,
    });
    const replies = new Socket({
      fd: openSync(path.join(this.dir, ANSWERS), flags),
      readable: true,
      writable: false,
    });
    control.on("error", () => {
      // A write after bash died: the exit handler reports it.
    });
    replies.setEncoding("utf8");
    replies.on("data", (chunk: string) => this.receive(chunk));
    this.control = control;
    this.replies = replies;
    for (const message of this.outbox.splice(0)) control.write(message);
  }

  private send(message: string): void {
    if (this.control) this.control.write(message);
    else this.outbox.push(message);
  }

  run(command: string, options: RunOptions = {}): Promise<ShellRun> {
    if (this.exit) return Promise.resolve(this.endedRun(this.now()));
    return new Promise((resolve) => {
      if (this.captured !== undefined) this.captured = "";
      const entry: Pending = { kind: "run", resolve, started: this.now(), timedOut: false };
      this.pending.push(entry);
      const file = options.file ?? "";
      const line = options.line ?? 1;
      // bash reads requests a byte at a time: the file is sent only when it changes.
      const where = file === this.lastFile ? `${line}` : `${line} ${file}`;
      this.lastFile = file;
      this.send(`R${where}\0${command}\0`);
      if (options.timeoutMs !== undefined) {
        const timer = setTimeout(() => this.timeOut(entry), options.timeoutMs);
        const done = entry.resolve;
        entry.resolve = (run) => {
          clearTimeout(timer);
          done(run);
        };
      }
    });
  }

  values(names: readonly string[]): Promise<ReadonlyMap<string, string | undefined>> {
    const valid = names.filter((n) => /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+)$/.test(n));
    if (valid.length === 0 || this.exit) return Promise.resolve(new Map());
    return new Promise((resolve) => {
      this.pending.push({ kind: "values", names: valid, resolve });
      this.send(`Q\0${valid.join(" ")}\0`);
    });
  }

  /** A script that recreates the session's state: variables, functions, aliases, options, cwd. */
  state(): Promise<string | undefined> {
    if (this.exit) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.pending.push({ kind: "state", resolve });
      this.send("P\0\0");
    });
  }

  interrupt(): void {
    const running = this.pending.find((p) => p.kind === "run");
    if (!this.exit && running) this.stop(running, "SIGINT");
  }

  /**
   * Ends the session and everything it started, from a signal handler: SIGTERM to
   * the whole tree, then, after a short grace, SIGKILL to whatever is left of it,
   * processes started meanwhile included.
   */
  async terminate(graceMs = TERMINATE_GRACE_MS): Promise<void> {
    if (!this.exit && this.pid > 0) {
      const first = this.tree(this.pid);
      signalAll([...first, this.pid], "SIGTERM");
      const deadline = Date.now() + graceMs;
      let left = [...first, this.pid].filter(alive);
      while (left.length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        left = left.filter(alive);
      }
      const roots = [this.pid, ...first].filter(alive);
      signalAll([...roots, ...this.tree(...roots)], "SIGKILL");
    }
    this.cleanUp();
  }

  async close(): Promise<void> {
    // bash may have ended already, its end not yet reported (see the constructor).
    if (!this.exit && !this.lastExit) {
      // Whatever the demo left running in the background ends with it.
      signalAll(this.tree(this.pid), "SIGTERM");
      if (this.ready_?.ok) this.send("X\0\0");
      else this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 2_000);
      await this.gone;
      clearTimeout(timer);
    }
    if (!this.exit) {
      // Nothing is awaited from a closed session: report its end now rather than keep the
      // runner alive for the wait meant for a last answer in flight.
      clearTimeout(this.settling);
      if (this.lastExit) this.ended(this.lastExit);
    }
    this.cleanUp();
  }

  private cleanUp(): void {
    this.control?.destroy();
    this.replies?.destroy();
    const watchdog = this.child.handshake;
    // bash has ended, and what it left was signalled: the watchdog need not look (see ENDED).
    if (this.exit && !watchdog) tellIdle(path.join(this.dir, IDLE), `${ENDED}\n`);
    removeSessionDir(this.dir);
    if (watchdog && this.exit && watchdog.writable) watchdog.end(`${ENDED}\0`);
    else watchdog?.destroy();
  }

  private timeOut(entry: Pending & { kind: "run" }): void {
    if (!this.pending.includes(entry)) return;
    entry.timedOut = true;
    this.stop(entry, "SIGTERM");
  }

  /**
   * Stops the running command: SIGINT to bash, whose trap abandons the rest of the
   * command (a loop of builtins too), then `signal` to its processes; then SIGKILL
   * to whatever is left; if even that does not end it, the session.
   *
   * Bash is told first, always: a signal already sent is handled before bash can see
   * any of its children die. Told second, bash could reap the killed process and
   * start the command's next part (`sleep 5; echo after`) before the SIGINT arrived.
   * A SIGINT that comes while bash waits for a child runs the trap when that child
   * ends, however it ended (of SIGTERM here), before anything else of the command.
   */
  private stop(entry: Pending, signal: NodeJS.Signals): void {
    const pid = this.pid;
    const first = this.tree(pid);
    this.child.kill("SIGINT");
    signalAll(first, signal);
    setTimeout(() => {
      if (!this.pending.includes(entry)) return;
      const roots = [pid, ...first].filter(alive);
      const left = this.tree(...roots).concat(first.filter(alive));
      this.child.kill("SIGINT");
      signalAll(left, "SIGKILL");
      setTimeout(() => {
        if (this.pending.includes(entry)) this.child.kill("SIGKILL");
      }, KILL_GRACE_MS).unref();
    }, KILL_GRACE_MS).unref();
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    for (let end = this.buffer.indexOf("\0"); end >= 0; end = this.buffer.indexOf("\0")) {
      const record = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 1);
      this.record(record);
    }
  }

  private handshake(record: string): void {
    if (record.startsWith("H")) {
      const [major = "0", minor = "0", watchdog = "", ...where] = record.slice(1).split(" ");
      this.watchdog = Number(watchdog);
      if (!this.control) {
        try {
          this.openPipes();
        } catch (error) {
          this.settle({ ok: false, message: `cannot open the session's pipes: ${error}` });
          this.child.kill("SIGKILL");
          return;
        }
      }
      this.settle({ ok: true, version: `${major}.${minor}`, path: where.join(" ") });
    } else if (record.startsWith("V")) {
      const [version = "?", ...where] = record.slice(1).split(" ");
      const found = where.join(" ") || this.bash;
      this.settle({
        ok: false,
        message:
          `${found} is bash ${version}, and demoshts needs bash ${MIN_BASH.major}.${MIN_BASH.minor} or newer. ` +
          "Install a newer bash (on macOS: brew install bash) and put it first on PATH, " +
          "or name it with --bash PATH or DEMOSHTS_BASH=PATH.",
      });
    } else if (record.startsWith("F")) {
      this.settle({ ok: false, message: `the shell session could not start: ${record.slice(1)}` });
    }
  }

  private record(record: string): void {
    if (!this.ready_) {
      this.handshake(record);
      return;
    }
    const head = this.pending[0];
    if (!head) return;
    if (record.startsWith("S") && head.kind === "run") {
      this.pending.shift();
      const [status = "1", errexit = "0"] = record.slice(1).split(" ");
      const durationMs = this.now() - head.started;
      const answer = (): void =>
        head.resolve({
          status: Number(status),
          errexit: errexit === "1",
          timedOut: head.timedOut,
          durationMs,
          ...(this.captured === undefined ? {} : { output: this.captured }),
        });
      // Output written before the answer is already in its pipe: one turn of the event loop
      // reads it, so the kept output is whole.
      if (this.captured === undefined) answer();
      else setImmediate(answer);
    } else if (record.startsWith("p") && head.kind === "state") {
      this.pending.shift();
      head.resolve(record.slice(1));
    } else if (record.startsWith("v") && head.kind === "values") {
      this.values_.push(record);
    } else if (record === "E" && head.kind === "values") {
      this.pending.shift();
      const values = new Map<string, string | undefined>();
      head.names.forEach((name, i) => {
        const v = this.values_[i] ?? "v0";
        values.set(name, v.startsWith("v1") ? v.slice(2) : undefined);
      });
      this.values_ = [];
      head.resolve(values);
    }
  }

  private endedRun(started: number, timedOut = false): ShellRun {
    const code = this.exit?.code ?? null;
    const signal = this.exit?.signal ?? null;
    return {
      status: code ?? 128,
      errexit: false,
      timedOut,
      durationMs: this.now() - started,
      ended: { code, signal },
    };
  }

  private ended(exit: { code: number | null; signal: string | null }): void {
    if (this.exit) return;
    this.exit = exit;
    this.settle({
      ok: false,
      message: `the shell session (${this.bash}) ended before it started (${exit.signal ?? `status ${exit.code}`})`,
    });
    for (const entry of this.pending.splice(0)) {
      if (entry.kind === "run") entry.resolve(this.endedRun(entry.started, entry.timedOut));
      else if (entry.kind === "state") entry.resolve(undefined);
      else entry.resolve(new Map());
    }
  }
}
