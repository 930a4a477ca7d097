/** How one command ended, modelled on execa's result: failures are values, not exceptions. */
export interface ShellRun {
  /** The command's exit status (128 + n when a signal ended it). */
  readonly status: number;
  /** Is `set -e` on after the command? */
  readonly errexit: boolean;
  /** Was the command killed because it ran past its time limit? */
  readonly timedOut: boolean;
  readonly durationMs: number;
  /** The command's output (its end), when the session keeps it for reports. */
  readonly output?: string;
  /** Set when the session itself ended during the command: `exit N`, or bash was killed. */
  readonly ended?: { readonly code: number | null; readonly signal: string | null };
}

export interface RunOptions {
  /** The step's file (absolute) and line: bash's own messages name them. */
  readonly file?: string;
  readonly line?: number;
  /** Kill the command's process tree after this long. */
  readonly timeoutMs?: number;
}

/** Whether the session started: the bash found, or why it cannot be used. */
export type ShellReady =
  | { readonly ok: true; readonly version: string; readonly path: string }
  | { readonly ok: false; readonly message: string };

/** One long-lived shell session: every command of a demo goes to it, in order. */
export interface Shell {
  /** Resolves once the shell has started and reported its version (before any command runs). */
  ready(): Promise<ShellReady>;
  run(command: string, options?: RunOptions): Promise<ShellRun>;
  /** The current values of variables (`undefined` when unset); digits name $1, $2, ... */
  values(names: readonly string[]): Promise<ReadonlyMap<string, string | undefined>>;
  /**
   * A script that recreates the session's state in a new session: variables the demo
   * set (not the session's own or bash's read-only ones), functions, aliases, options
   * and the working directory. Undefined once the session has ended.
   */
  state(): Promise<string | undefined>;
  /** Interrupts the running command (SIGINT to its processes); the session goes on. */
  interrupt(): void;
  /** Ends the session (and anything still running in it). */
  close(): Promise<void>;
}
