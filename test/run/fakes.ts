import { stripVTControlCharacters } from "node:util";
import type { Keys } from "../../src/present/keys.js";
import {
  type RunChannel,
  type RunDeps,
  type RunRequest,
  runDemo,
  type ShellStart,
} from "../../src/run/run.js";
import type { RunOptions, Shell, ShellRun } from "../../src/session/shell.js";
import { memoryHost } from "../plan/memory.js";

/** A shell that runs nothing: it records commands and answers from a script of outcomes. */
export class FakeShell implements Shell {
  readonly commands: string[] = [];
  readonly options: RunOptions[] = [];
  readonly vars = new Map<string, string>();
  errexit = false;
  interrupted = 0;
  /** How the session was started: its $0, arguments, environment and directory. */
  started: ShellStart | undefined;
  closed = false;
  private ended: number | undefined;

  constructor(
    private readonly outcome: (command: string) => {
      status?: number;
      timedOut?: boolean;
    } = () => ({}),
  ) {}

  async run(command: string, options: RunOptions = {}): Promise<ShellRun> {
    if (this.ended !== undefined) {
      return this.sessionEnded(this.ended);
    }
    this.commands.push(command);
    this.options.push(options);
    for (const match of command.matchAll(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(\S*)$/gm)) {
      this.vars.set(match[1] as string, match[2] as string);
    }
    if (/^set -e$/m.test(command)) this.errexit = true;
    if (/^set \+e$/m.test(command)) this.errexit = false;
    const exit = /^exit (\d+)$/.exec(command);
    if (exit) {
      this.ended = Number(exit[1]);
      return this.sessionEnded(this.ended);
    }
    const { status = 0, timedOut = false } = this.outcome(command);
    return { status, errexit: this.errexit, timedOut, durationMs: 0 };
  }

  /** What the real session answers once `exit N` has ended it. */
  private sessionEnded(code: number): ShellRun {
    return {
      status: code,
      errexit: false,
      timedOut: false,
      durationMs: 0,
      ended: { code, signal: null },
    };
  }

  async values(names: readonly string[]): Promise<ReadonlyMap<string, string | undefined>> {
    return new Map(names.map((n) => [n, this.vars.get(n)]));
  }

  interrupt(): void {
    this.interrupted++;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Keys from a script; time passes at once, and every delay asked for is recorded. */
export class FakeKeys implements Keys {
  readonly delays: number[] = [];
  taken = false;
  releases = 0;

  constructor(private readonly script: string[]) {}

  take(): void {
    this.taken = true;
  }

  /** A key waiting in the script is pressed at once, while typing or at a wait. */
  async next(timeoutMs?: number): Promise<string | undefined> {
    if (timeoutMs !== undefined) {
      this.delays.push(timeoutMs);
      // While typing, a key arrives only when the script says so with "@" + key.
      if (this.script[0]?.startsWith("@")) return (this.script.shift() as string).slice(1);
      return undefined;
    }
    const key = this.script.shift();
    if (key === undefined) throw new Error("the demo waited for a key, but the test pressed none");
    return key.startsWith("@") ? key.slice(1) : key;
  }

  release(): void {
    this.taken = false;
    this.releases++;
  }

  get left(): number {
    return this.script.length;
  }
}

export class Captured {
  text = "";
  write(s: string): void {
    this.text += s;
  }
  get plain(): string {
    return stripVTControlCharacters(this.text);
  }
}

export interface LiveHarness {
  readonly code: number;
  readonly shell: FakeShell;
  readonly keys: FakeKeys | undefined;
  readonly stdout: Captured;
  readonly stderr: Captured;
}

/** The channel between the demos of a run, in memory. */
export class MemoryChannel implements RunChannel {
  quitPressed = false;
  shownMarked = false;
  cleared = false;
  quit(): void {
    this.quitPressed = true;
  }
  quitting(): boolean {
    return this.quitPressed;
  }
  shown(): void {
    this.shownMarked = true;
  }
  anyShown(): boolean {
    return this.shownMarked;
  }
  clear(): void {
    this.cleared = true;
    this.quitPressed = false;
    this.shownMarked = false;
  }
}

/** Runs `main` among `files` with a fake shell, keys (presenter mode) or none (CI mode). */
export async function runLive(
  files: Record<string, string>,
  main: string,
  options: {
    keys?: string[];
    outcome?: (command: string) => { status?: number; timedOut?: boolean };
    settings?: Partial<RunRequest["settings"]>;
    vars?: Record<string, string>;
    args?: string[];
    /** The current Kubernetes context the fake guard sees. */
    context?: string;
    kubeContext?: string;
    /** Show the notice about the keys before the first visible step. */
    blurb?: boolean;
    /** The run's channel; a fresh one in memory (outermost demo) unless given. */
    channel?: MemoryChannel;
    outermost?: boolean;
  } = {},
): Promise<LiveHarness> {
  const shell = new FakeShell(options.outcome);
  for (const [k, v] of Object.entries(options.vars ?? {})) shell.vars.set(k, v);
  const keys = options.keys ? new FakeKeys(options.keys) : undefined;
  const stdout = new Captured();
  const stderr = new Captured();
  const deps: RunDeps = {
    host: memoryHost(files),
    stdout,
    stderr,
    env: {},
    startShell: (start) => {
      shell.started = start;
      return shell;
    },
    keys,
    random: () => 0.5,
    onInterrupt: () => () => {},
    now: () => 0,
    guardContext: async (expected) =>
      expected === options.context
        ? { ok: true }
        : { ok: false, message: `the current context is ${options.context}, not ${expected}` },
    channel: options.channel ?? new MemoryChannel(),
    outermost: options.outermost ?? true,
  };
  const code = await runDemo(
    {
      file: main,
      args: options.args ?? [],
      load: { builtins: true, init: false, home: undefined },
      settings: {
        ci: keys === undefined,
        quiet: false,
        keepGoing: false,
        typeout: true,
        timeoutMs: undefined,
        colorLevel: 0,
        width: 80,
        quietFailure: false,
        interactive: keys !== undefined,
        screen: keys !== undefined,
        ...options.settings,
      },
      typing: { minMs: 10, maxMs: 100 },
      blurb: options.blurb ?? false,
      summary: true,
      kubeContext: options.kubeContext,
    },
    deps,
  );
  return { code, shell, keys, stdout, stderr };
}
