import type { CommentaryStep } from "../script/types.js";
import type { ShellRun } from "../session/shell.js";
import type { Presentation } from "../walk/walker.js";

/** What a live run tells its listeners (a recorder, a report), in order. */
export type RunEvent =
  /** Commentary about to be shown, with `${NAME}` filled. */
  | { readonly kind: "commentary"; readonly step: CommentaryStep; readonly text: string }
  /** A command about to run; `shown` is what the audience saw after `$ ` (when shown). */
  | { readonly kind: "command-start"; readonly p: Presentation; readonly shown: string | undefined }
  /** The command has ended and all of its output has been shown. */
  | { readonly kind: "command-end"; readonly p: Presentation; readonly result: ShellRun };

export type RunListener = (event: RunEvent) => void;

/** A step as a recording knows it: where it is, what it ran. */
export interface StepKey {
  readonly file: string;
  readonly line: number;
  readonly command: string;
}

/**
 * A recording standing in for the shell: for every command (`replay`), or for a
 * command that fails or that the presenter chooses not to run (`fallback`).
 */
export interface StandIn {
  readonly mode: "replay" | "fallback";
  /** Does the recording have this step (same file, command, and line or moved)? */
  has(p: Presentation): boolean;
  /** What the recording showed after `$ ` for this step, if it has the step. */
  shown(p: Presentation): string | undefined;
  /** Plays the step's recorded output; its recorded result, or undefined when it has none. */
  play(p: Presentation): Promise<ShellRun | undefined>;
}
