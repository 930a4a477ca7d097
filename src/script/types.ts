/** Where a step came from: a file as the user named it, and a 1-based line. */
export interface Loc {
  readonly file: string;
  readonly line: number;
}

/** The two syntaxes a demo file can be written in. */
export type SourceFormat = "markdown" | "shell";

export type Mode = "SHOW" | "HIDE" | "SKIP";

/**
 * Directives that change the next executed command: demosh's presentation
 * modifiers, plus `fails` (its failure is part of the story) and `timeout`.
 */
export type Modifier =
  | "immed"
  | "noshow"
  | "notypeout"
  | "nowaitbefore"
  | "waitafter"
  | "fails"
  | "timeout";

/** Prose shown to the audience while showing. `hidden` marks `##` and `#!` lines. */
export interface CommentaryStep {
  readonly kind: "commentary";
  readonly loc: Loc;
  readonly text: string;
  readonly format: SourceFormat;
  readonly hidden: boolean;
}

/** A blank line in shell syntax; a run of them shows as one. */
export interface BlankStep {
  readonly kind: "blank";
  readonly loc: Loc;
}

/** A shell command, possibly spanning several lines (`endLine` is its last). */
export interface CommandStep {
  readonly kind: "command";
  readonly loc: Loc;
  readonly endLine: number;
  readonly text: string;
  /** The macro this command runs instead of the shell, when one of this name is defined. */
  readonly calls: string | undefined;
}

/** `#$ text`: typed out as if it were a command, never run. */
export interface TypedStep {
  readonly kind: "typed";
  readonly loc: Loc;
  readonly text: string;
}

export interface ModeStep {
  readonly kind: "mode";
  readonly loc: Loc;
  readonly mode: Mode;
}

export interface ModifierStep {
  readonly kind: "modifier";
  readonly loc: Loc;
  readonly modifier: Modifier;
  /** For `timeout`: the limit in milliseconds. */
  readonly timeoutMs?: number;
}

/** An explicit `@wait`. */
export interface WaitStep {
  readonly kind: "wait";
  readonly loc: Loc;
}

/** `@print TEXT`: `args` is the text after the directive name, as written. */
export interface PrintStep {
  readonly kind: "print";
  readonly loc: Loc;
  readonly args: string;
  /** What is printed (before `${NAME}` is filled): the words of `args`, quotes removed. */
  readonly text: string;
}

/** `#@anything else`: run `text` at once, unseen and without waits. */
export interface ImmediateStep {
  readonly kind: "immediate";
  readonly loc: Loc;
  readonly endLine: number;
  readonly text: string;
  /** The macro this command runs instead of the shell, when one of this name is defined (`@NAME`). */
  readonly calls: string | undefined;
}

/** `@hook NAME SUFFIX`: a shell function running `$DEMO_HOOK_SUFFIX`. */
export interface HookStep {
  readonly kind: "hook";
  readonly loc: Loc;
  readonly name: string;
  readonly suffix: string;
}

/** `@ifhook NAME` ... `@endif`. */
export interface IfHookStep {
  readonly kind: "ifhook";
  readonly loc: Loc;
  readonly endLine: number;
  readonly name: string;
  readonly body: readonly Step[];
}

/** `@macro NAME` ... `@end`. */
export interface MacroStep {
  readonly kind: "macro";
  readonly loc: Loc;
  readonly endLine: number;
  readonly name: string;
  readonly body: readonly Step[];
}

/** `@kube-context NAME`: the demo must run against this Kubernetes context. */
export interface KubeContextStep {
  readonly kind: "kube-context";
  readonly loc: Loc;
  readonly name: string;
}

/** Where an `@import` brought in another file; the imported steps follow it. */
export interface ImportStep {
  readonly kind: "import";
  readonly loc: Loc;
  readonly path: string;
  readonly format: SourceFormat;
}

export type Step =
  | CommentaryStep
  | BlankStep
  | CommandStep
  | TypedStep
  | ModeStep
  | ModifierStep
  | WaitStep
  | PrintStep
  | ImmediateStep
  | HookStep
  | IfHookStep
  | MacroStep
  | ImportStep
  | KubeContextStep;

export type Severity = "error" | "warning";

/** A problem found in a script, always located, with a one-line hint. */
export interface Diagnostic {
  readonly severity: Severity;
  readonly loc: Loc;
  readonly message: string;
  readonly hint: string;
}

/** A demo script, read and ready to walk. */
export interface Script {
  /** The file the user named (as given). */
  readonly file: string;
  readonly steps: readonly Step[];
  /** Every macro by name; a later definition replaces an earlier one, as at read time. */
  readonly macros: ReadonlyMap<string, MacroStep>;
  /** Every hook definition, in reading order. */
  readonly hooks: readonly HookStep[];
  readonly warnings: readonly Diagnostic[];
  /** Every file that was read, in order (init file, the script, imports). */
  readonly files: readonly string[];
  /** The first `@kube-context` directive, if the script has one. */
  readonly kubeContext: KubeContextStep | undefined;
}
