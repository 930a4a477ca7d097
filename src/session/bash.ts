import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { constants, mkdtempSync, openSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { sessionLoop } from "./loop.js";
import { signalDescendants } from "./proctree.js";
import type { RunOptions, Shell, ShellRun } from "./shell.js";

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
  /**
   * Starts bash: by default it inherits the runner's terminal (stdin, stdout and
   * stderr); a session on a pseudo-terminal starts it there instead.
   */
  readonly launch?: Launch;
  /**
   * Text bash writes to its terminal after each command, before answering, so a
   * reader of that terminal knows it has seen all of the command's output.
   */
  readonly doneMark?: string;
}

/** The bash process of a session, however its terminal is wired. */
export interface SessionProcess {
  readonly pid: number | undefined;
  kill(signal: NodeJS.Signals): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  onError(listener: () => void): void;
}

export type Launch = (
  file: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env: Readonly<Record<string, string | undefined>> },
) => SessionProcess;

/** bash with the runner's own stdin, stdout and stderr. */
export const inheritTerminal: Launch = (file, args, options) => {
  const child: ChildProcess = spawn(file, [...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: "inherit",
  });
  return {
    get pid() {
      return child.pid;
    },
    kill: (signal) => {
      child.kill(signal);
    },
    onExit: (listener) => child.on("exit", listener),
    onError: (listener) => child.on("error", listener),
  };
};

type Pending =
  | { kind: "run"; resolve: (run: ShellRun) => void; started: number; timedOut: boolean }
  | {
      kind: "values";
      names: readonly string[];
      resolve: (values: Map<string, string | undefined>) => void;
    };

/** The gap between asking a timed-out command's processes to stop and forcing them. */
const KILL_GRACE_MS = 500;

/**
 * A bash process that shares the terminal with the runner (stdin, stdout and
 * stderr are inherited) and takes its commands over a private pipe.
 */
export class BashSession implements Shell {
  private readonly child: SessionProcess;
  private readonly control: Socket;
  private readonly replies: Socket;
  private readonly dir: string;
  private readonly pending: Pending[] = [];
  private buffer = "";
  private values_: string[] = [];
  private exit: { code: number | null; signal: string | null } | undefined;
  private readonly now: () => number;

  constructor(options: BashOptions) {
    this.now = options.now ?? Date.now;
    // Two named pipes carry requests and answers. This side holds both open for
    // reading and writing, so bash can open and close them around every request
    // without ever blocking, and neither side sees an end of file mid-session.
    this.dir = mkdtempSync(path.join(tmpdir(), "demoshts-session-"));
    const requests = path.join(this.dir, "requests");
    const answers = path.join(this.dir, "answers");
    const made = spawnSync("mkfifo", ["-m", "600", requests, answers], { encoding: "utf8" });
    if (made.status !== 0) {
      throw new Error(`cannot make the session's pipes with mkfifo: ${made.stderr || made.error}`);
    }
    const flags = constants.O_RDWR | constants.O_NONBLOCK;
    this.control = new Socket({ fd: openSync(requests, flags), readable: false, writable: true });
    this.replies = new Socket({ fd: openSync(answers, flags), readable: true, writable: false });
    this.child = (options.launch ?? inheritTerminal)(
      options.bash ?? "bash",
      [
        "--noprofile",
        "--norc",
        "-c",
        sessionLoop(requests, answers, options.doneMark),
        options.argv0,
        ...options.args,
      ],
      { cwd: options.cwd, env: options.env },
    );
    this.control.on("error", () => {
      // A write after bash died: the exit handler reports it.
    });
    this.replies.setEncoding("utf8");
    this.replies.on("data", (chunk: string) => this.receive(chunk));
    this.child.onError(() => this.ended({ code: 127, signal: null }));
    // An answer written just before bash exited may still be on its way: let it arrive first.
    this.child.onExit((code, signal) => {
      setTimeout(() => this.ended({ code, signal }), 20);
    });
  }

  run(command: string, options: RunOptions = {}): Promise<ShellRun> {
    if (this.exit) return Promise.resolve(this.endedRun(this.now()));
    return new Promise((resolve) => {
      const entry: Pending = { kind: "run", resolve, started: this.now(), timedOut: false };
      this.pending.push(entry);
      this.control.write(`${options.dropKeys ? "r" : "R"}${command}\0`);
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
      this.control.write(`Q${valid.join(" ")}\0`);
    });
  }

  interrupt(): void {
    const running = this.pending.find((p) => p.kind === "run");
    if (!this.exit && running) this.stop(running, "SIGINT");
  }

  /** Ends the session at once, from a signal handler: no waiting. */
  kill(): void {
    if (!this.exit) {
      signalDescendants(this.child.pid ?? -1, "SIGTERM");
      this.child.kill("SIGTERM");
    }
    this.cleanUp();
  }

  async close(): Promise<void> {
    if (!this.exit) {
      const exited = new Promise<void>((resolve) => this.child.onExit(() => resolve()));
      signalDescendants(this.child.pid ?? -1, "SIGTERM");
      // Ending the request pipe's only writer ends bash's loop.
      this.control.destroy();
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 2_000);
      await exited;
      clearTimeout(timer);
    }
    this.cleanUp();
  }

  private cleanUp(): void {
    this.control.destroy();
    this.replies.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private timeOut(entry: Pending & { kind: "run" }): void {
    if (!this.pending.includes(entry)) return;
    entry.timedOut = true;
    this.stop(entry, "SIGTERM");
  }

  /**
   * Stops the running command: `signal` to its processes and SIGINT to bash,
   * whose trap abandons the rest of the command (a loop of builtins too); then
   * SIGKILL to whatever is left; if even that does not end it, the session.
   */
  private stop(entry: Pending, signal: NodeJS.Signals): void {
    const pid = this.child.pid ?? -1;
    signalDescendants(pid, signal);
    this.child.kill("SIGINT");
    setTimeout(() => {
      if (!this.pending.includes(entry)) return;
      signalDescendants(pid, "SIGKILL");
      this.child.kill("SIGINT");
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

  private record(record: string): void {
    const head = this.pending[0];
    if (!head) return;
    if (record.startsWith("S") && head.kind === "run") {
      this.pending.shift();
      const [status = "1", errexit = "0"] = record.slice(1).split(" ");
      head.resolve({
        status: Number(status),
        errexit: errexit === "1",
        timedOut: head.timedOut,
        durationMs: this.now() - head.started,
      });
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
    for (const entry of this.pending.splice(0)) {
      if (entry.kind === "run") entry.resolve(this.endedRun(entry.started, entry.timedOut));
      else entry.resolve(new Map());
    }
  }
}
