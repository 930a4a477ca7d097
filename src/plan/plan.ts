import * as path from "node:path";
import {
  describeChain,
  MAX_NESTED_DEMOS,
  MAX_NESTED_DEPTH,
  MAX_PLAN_STEPS,
} from "../reader/limits.js";
import { type LoadOptions, loadScript } from "../reader/load.js";
import type { ReadHost } from "../reader/read.js";
import {
  assignedNames,
  mentionsCd,
  nestedDemoArguments,
  plainAssignments,
  plainWords,
} from "../reader/words.js";
import { demoWords } from "../script/options.js";
import type { CommandStep, Diagnostic, ImmediateStep, Loc, Script, Step } from "../script/types.js";
import { unwrap } from "../shell/commands.js";
import { expandWord, isVariable, type KnownEnv, knownValue } from "../shell/expand.js";
import { learnCommand, type ShellState } from "../shell/state.js";
import { loadShellSyntax, type ShellSyntax, type Word } from "../shell/syntax.js";
import {
  type Display,
  type Driver,
  type Presentation,
  type RunResult,
  Walker,
  type WalkOutcome,
} from "../walk/walker.js";

interface Located {
  readonly file: string;
  readonly line: number;
  readonly depth: number;
}

/** One step of a dry run, in run order. These are the `--json` objects. */
export type PlanRecord =
  | (Located & { readonly kind: "commentary"; readonly text: string })
  | (Located & {
      readonly kind: "command";
      /** The command exactly as the shell would receive it. */
      readonly text: string;
      /** What the audience would see after `$ ` (`${NAME}` filled where known). */
      readonly shown: string;
      readonly display: Display;
      readonly waitBefore: boolean;
      readonly waitAfter: boolean;
      readonly runs: boolean;
      readonly endLine: number;
      /** Marked `@fails`: its failure is part of the story. */
      readonly expectFailure: boolean;
      /** Set by `@timeout`: the command's time limit in milliseconds. */
      readonly timeoutMs?: number;
    })
  | (Located & {
      readonly kind: "macro";
      readonly name: string;
      readonly text: string;
      readonly display: Display;
      readonly waitBefore: boolean;
    })
  | (Located & { readonly kind: "macro-end"; readonly name: string; readonly waitAfter: boolean })
  | (Located & { readonly kind: "wait" })
  | (Located & { readonly kind: "print"; readonly text: string })
  | (Located & { readonly kind: "ifhook"; readonly name: string; readonly live: boolean })
  | (Located & {
      readonly kind: "nested";
      readonly target: string;
      readonly args: readonly string[];
    });

/** What a dry run saw, for tools built on it (`demoshts check`): nothing here is executed. */
export type PlanObservation =
  | {
      readonly kind: "script";
      /** The script as read, with its file's path relative to the starting directory. */
      readonly script: Script;
      readonly absolute: string;
      readonly depth: number;
    }
  | {
      readonly kind: "command";
      readonly step: CommandStep | ImmediateStep;
      readonly text: string;
      /**
       * What is known of the variables just before the command (null: set, value
       * unknown). Live: read it during the call, copy what must be kept.
       */
      readonly env: ReadonlyMap<string, string | null>;
      /** The directory it would run in, or null when a `cd` made it unknowable. */
      readonly cwd: string | null;
      readonly depth: number;
    }
  | {
      readonly kind: "nested";
      readonly step: CommandStep | ImmediateStep;
      readonly target: string;
      readonly absolute: string;
      /** Why the nested demo cannot be read, when it cannot. */
      readonly problem: string | undefined;
      /** A word after the demo's path that demoshts refuses there (it would exit 2). */
      readonly refused?: string;
    };

export interface PlanInput {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly load: LoadOptions;
  /** The command that runs this tool, as `$SHELL` will hold it. */
  readonly shellCommand: string;
  /** Told about every script read and every command that would run. */
  readonly observe?: (observation: PlanObservation) => void;
  /**
   * Read the commands with the bash parser (the default; it is loaded when a
   * command first needs it) to learn what they change and which nested demos
   * they run. `false` never loads it (a live run counting its steps): only
   * commands of plain words are read (`cd DIR`, `NAME=value`, and `$SHELL`
   * with `${NAME}` filled as the audience sees it); a variable another command
   * may assign, and the directory after its `cd`, become unknown.
   */
  readonly parse?: boolean;
  /** The parser to read them with, when the caller has one (`check` keeps what it parsed). */
  readonly syntax?: ShellSyntax;
}

export type PlanResult =
  | {
      readonly ok: true;
      readonly records: readonly PlanRecord[];
      readonly warnings: readonly Diagnostic[];
    }
  | { readonly ok: false; readonly error: Diagnostic; readonly warnings: readonly Diagnostic[] };

class PlanError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

/**
 * Only a command with one of these in it can change what is known (an
 * assignment, `${NAME:=value}`, `cd`, `unset`, `read`, `for`...) or run a
 * nested demo: no other is parsed (`--timeout=60s` is no assignment), and a
 * demo with none never loads the parser.
 */
const MAY_CHANGE_STATE =
  /(?:^|[\s;&|(`{])[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=|\$\{[^}]*=|\b(?:cd|unset|read|mapfile|readarray|for|select|pushd|popd)\b|SHELL/;

/** Fills `${NAME}` (the braced form only, as demosh shows it) with known values. */
export function fillBraced(text: string, env: KnownEnv): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*|[0-9]+)\}/g, (whole, name: string) => {
    const value = env.get(name);
    return typeof value === "string" ? value : whole;
  });
}

interface Context {
  readonly host: ReadHost;
  readonly input: PlanInput;
  readonly records: PlanRecord[];
  readonly warnings: Diagnostic[];
  /** Absolute paths of the demos being planned, outermost first. */
  readonly chain: string[];
  /** How many nested demos have been planned so far. */
  nested: number;
  /** The bash parser, once a command has needed it. */
  syntax: Promise<ShellSyntax> | undefined;
}

/** What a dry run knows of the session: variables and the working directory. */
class DryState implements ShellState {
  constructor(
    readonly env: KnownEnv,
    public dir: string | null,
  ) {}

  get(name: string): string | null | undefined {
    return this.env.get(name);
  }

  has(name: string): boolean {
    return this.env.has(name);
  }

  set(name: string, value: string | null | undefined): void {
    if (value === undefined) this.env.delete(name);
    else this.env.set(name, value);
  }

  /**
   * Without the parser: a command of plain words that is `cd DIR`, `NAME=value`
   * or `export NAME=value` is followed; whatever another command may assign,
   * and the directory after its `cd`, become unknown.
   */
  learnPlain(text: string): void {
    if (!MAY_CHANGE_STATE.test(text)) return;
    const words = plainWords(text);
    const [first, target] = words ?? [];
    if (words?.length === 2 && first === "cd" && target !== undefined && target !== "-") {
      this.dir = this.dir === null ? null : path.resolve(this.dir, target);
      return;
    }
    const assignments = plainAssignments(text);
    if (assignments) {
      for (const [name, value] of assignments) this.env.set(name, value);
      return;
    }
    for (const name of assignedNames(text)) this.env.set(name, null);
    if (mentionsCd(text)) this.dir = null;
  }
}

/** What a command that may not run changes: whatever it would change becomes unknown. */
class Uncertain implements ShellState {
  constructor(private readonly state: ShellState) {}

  get(name: string): string | null | undefined {
    return this.state.get(name);
  }

  has(name: string): boolean {
    return this.state.has(name);
  }

  set(name: string, value: string | null | undefined): void {
    if (value !== this.state.get(name)) this.state.set(name, null);
  }

  get dir(): string | null {
    return this.state.dir;
  }

  set dir(dir: string | null) {
    if (dir !== this.state.dir) this.state.dir = null;
  }
}

class DryDriver implements Driver {
  private readonly macroStack: Located[] = [];

  constructor(
    private readonly ctx: Context,
    private readonly state: DryState,
    private readonly depth: number,
  ) {}

  /** Adds a step to the plan; a plan past MAX_PLAN_STEPS (nested demos and macros multiply) stops. */
  private record(r: PlanRecord): void {
    if (this.ctx.records.length >= MAX_PLAN_STEPS) {
      throw new PlanError({
        severity: "error",
        loc: { file: r.file, line: r.line },
        message: `the plan is longer than ${MAX_PLAN_STEPS.toLocaleString("en")} steps here; the dry run stops`,
        hint: "a demo that runs nested demos (or macros) many times over multiplies its steps; split it",
      });
    }
    this.ctx.records.push(r);
  }

  private at(loc: Loc): Located {
    return { file: loc.file, line: loc.line, depth: this.depth };
  }

  commentary(step: Step, text: string): void {
    this.record({
      kind: "commentary",
      ...this.at(step.loc),
      text: fillBraced(text, this.state.env),
    });
  }

  blank(): void {}

  typed(step: Step & { text: string }, text: string): undefined {
    const shown = fillBraced(text, this.state.env);
    this.record({
      kind: "command",
      ...this.at(step.loc),
      text,
      shown,
      display: "typed",
      waitBefore: false,
      waitAfter: false,
      runs: false,
      endLine: step.loc.line,
      expectFailure: false,
    });
    return undefined;
  }

  present(p: Presentation): "run" {
    if (p.macro) {
      this.macroStack.push(this.at(p.step.loc));
      this.record({
        kind: "macro",
        ...this.at(p.step.loc),
        name: p.macro.name,
        text: p.text,
        display: p.display,
        waitBefore: p.waitBefore,
      });
    }
    return "run";
  }

  async run(p: Presentation): Promise<RunResult> {
    this.ctx.input.observe?.({
      kind: "command",
      step: p.step,
      text: p.text,
      env: this.state.env,
      cwd: this.state.dir,
      depth: this.depth,
    });
    this.record({
      kind: "command",
      ...this.at(p.step.loc),
      text: p.text,
      shown: fillBraced(p.text.replaceAll("\n#", "\n"), this.state.env),
      display: p.display,
      waitBefore: p.waitBefore,
      waitAfter: p.waitAfter,
      runs: true,
      endLine: p.step.endLine,
      expectFailure: p.expectFailure,
      ...(p.timeoutMs === undefined ? {} : { timeoutMs: p.timeoutMs }),
    });
    await this.follow(p);
    return { status: 0, stop: false, exited: false };
  }

  macroStart(): void {}

  macroEnd(p: Presentation): void {
    const at = this.macroStack.pop() ?? this.at(p.step.loc);
    this.record({
      kind: "macro-end",
      ...at,
      name: p.macro?.name ?? "",
      waitAfter: p.waitAfter,
    });
  }

  wait(step: Step): "run" {
    if (step.kind === "wait") this.record({ kind: "wait", ...this.at(step.loc) });
    return "run";
  }

  print(step: Step, text: string): void {
    this.record({
      kind: "print",
      ...this.at(step.loc),
      text: fillBraced(text, this.state.env),
    });
  }

  ifhook(step: Step & { name: string }, suffixes: readonly string[]): boolean {
    const live = suffixes.some((s) => {
      const value = this.state.env.get(`DEMO_HOOK_${s}`);
      return typeof value === "string" && value !== "";
    });
    this.record({ kind: "ifhook", ...this.at(step.loc), name: step.name, live });
    return live;
  }

  notice(): void {}

  /**
   * Learns what the command changes and plans the nested demos it runs
   * (`$SHELL other.md ARGS`), in the order the shell would meet them.
   */
  private async follow(p: Presentation): Promise<void> {
    if (!MAY_CHANGE_STATE.test(p.text)) return;
    if (this.ctx.input.parse === false) {
      const words = literalNested(p.text, this.state.env);
      if (words) await this.nested(p, words);
      this.state.learnPlain(p.text);
      return;
    }
    this.ctx.syntax ??= this.ctx.input.syntax
      ? Promise.resolve(this.ctx.input.syntax)
      : loadShellSyntax();
    const scan = (await this.ctx.syntax).scan(p.text);
    for (const command of scan.commands) {
      const options = { inFunction: command.inFunction };
      const known = (w: Word) => knownValue(w, this.state, options);
      const { index, wrappers } = unwrap(command.words, known);
      const name = command.words[index];
      if (name && wrappers.length === 0 && isVariable(name, "SHELL")) {
        // A nested demo that may not run is not planned; it changes nothing here either way.
        if (command.reach === "maybe") continue;
        const args = expandAll(command.words.slice(index + 1), this.state);
        if (args) await this.nested(p, args);
        continue;
      }
      if (command.reach === "subshell") continue;
      learnCommand(
        command,
        command.reach === "maybe" ? new Uncertain(this.state) : this.state,
        options,
      );
    }
  }

  /** Plans a nested demo inline when its path can be known (`words`: the path, then its arguments). */
  private async nested(p: Presentation, words: readonly string[]): Promise<void> {
    const target = words[0];
    if (this.state.dir === null || target === undefined) return;
    const absolute = path.resolve(this.state.dir, target);
    const label = path.relative(this.ctx.host.cwd, absolute) || target;
    const given = demoWords(words.slice(1));
    if ("refused" in given) {
      // The live run refuses such a word (exit 2): plan what it does, not the demo.
      this.ctx.input.observe?.({
        kind: "nested",
        step: p.step,
        target: label,
        absolute,
        problem: undefined,
        refused: given.refused,
      });
      this.ctx.warnings.push({
        severity: "warning",
        loc: p.step.loc,
        message: `${given.refused} comes after ${target}: demoshts would refuse it (exit 2) and not run ${label}`,
        hint: `put it before ${target} to use it as an option, or -- after ${target} to pass it to the demo as $${given.index + 1}`,
      });
      return;
    }
    const found = this.ctx.host.readFile(absolute);
    this.ctx.input.observe?.({
      kind: "nested",
      step: p.step,
      target: label,
      absolute,
      problem: found.ok ? undefined : found.reason,
    });
    if (!found.ok) {
      this.ctx.warnings.push({
        severity: "warning",
        loc: p.step.loc,
        message: `nested demo ${label} cannot be read: ${found.reason}`,
        hint: "nested demo paths are relative to the directory the demo runs in",
      });
      return;
    }
    if (this.ctx.chain.length > MAX_NESTED_DEPTH) {
      const chain = describeChain(
        this.ctx.chain.map((p) => path.relative(this.ctx.host.cwd, p) || p).concat(label),
      );
      throw new PlanError({
        severity: "error",
        loc: p.step.loc,
        message: `nested demo ${label} is more than ${MAX_NESTED_DEPTH} demos deep (${chain})`,
        hint: "$SHELL demos may nest at most that deep",
      });
    }
    if (this.ctx.chain.includes(absolute)) {
      this.ctx.warnings.push({
        severity: "warning",
        loc: p.step.loc,
        message: `${label} is already running further up; its plan is not shown again`,
        hint: "a demo that runs itself never ends",
      });
      return;
    }
    if (++this.ctx.nested > MAX_NESTED_DEMOS) {
      throw new PlanError({
        severity: "error",
        loc: p.step.loc,
        message: `nested demo ${label} makes the dry run plan more than ${MAX_NESTED_DEMOS.toLocaleString("en")} nested demos (a demo run again and again counts each time)`,
        hint: "demos that each run others several times multiply; run each nested demo once",
      });
    }
    const { args } = given;
    this.record({ kind: "nested", ...this.at(p.step.loc), target: label, args });
    const env: KnownEnv = new Map(this.state.env);
    for (const key of [...env.keys()]) if (/^[0-9]+$/.test(key)) env.delete(key);
    await planFile(
      this.ctx,
      label,
      absolute,
      args,
      new DryState(env, this.state.dir),
      this.depth + 1,
    );
  }
}

/** The values of words, or undefined when one cannot be known. */
function expandAll(words: readonly Word[], state: ShellState): string[] | undefined {
  const values: string[] = [];
  for (const word of words) {
    const expanded = expandWord(word, state);
    if (!expanded.ok) return undefined;
    values.push(...expanded.values);
  }
  return values;
}

/** Without the parser: the words of `$SHELL WORDS` when they are plain once `${NAME}` is filled. */
function literalNested(text: string, env: KnownEnv): string[] | undefined {
  const rest = nestedDemoArguments(text);
  return rest === undefined ? undefined : plainWords(fillBraced(rest, env));
}

async function planFile(
  ctx: Context,
  label: string,
  absolute: string,
  args: readonly string[],
  state: DryState,
  depth: number,
): Promise<WalkOutcome> {
  const host: ReadHost =
    state.dir === ctx.host.cwd || state.dir === null
      ? ctx.host
      : { cwd: state.dir, readFile: (p) => ctx.host.readFile(p) };
  const loaded = loadScript(absolute, ctx.input.load, host, label);
  if (!loaded.ok) {
    for (const warning of loaded.warnings) ctx.warnings.push(warning);
    throw new PlanError(loaded.error);
  }
  for (const warning of loaded.script.warnings) ctx.warnings.push(warning);
  ctx.input.observe?.({ kind: "script", script: loaded.script, absolute, depth });
  state.env.set("0", absolute);
  args.forEach((arg, i) => {
    state.env.set(String(i + 1), arg);
  });
  ctx.chain.push(absolute);
  try {
    return await new Walker(loaded.script, new DryDriver(ctx, state, depth)).walk();
  } finally {
    ctx.chain.pop();
  }
}

/**
 * Walks a demo as a presenter run would, pressing RETURN at every wait and
 * assuming every command succeeds, and records what would happen. Nothing is
 * executed: commands are only read, and variables are learnt from literal
 * assignments.
 */
export async function planDemo(input: PlanInput, host: ReadHost): Promise<PlanResult> {
  const env: KnownEnv = new Map();
  for (const [key, value] of Object.entries(input.env)) {
    if (value !== undefined) env.set(key, value);
  }
  env.set("SHELL", input.shellCommand);
  const ctx: Context = {
    host,
    input,
    records: [],
    warnings: [],
    chain: [],
    nested: 0,
    syntax: undefined,
  };
  try {
    await planFile(
      ctx,
      input.file,
      path.resolve(host.cwd, input.file),
      input.args,
      new DryState(env, host.cwd),
      0,
    );
    return { ok: true, records: ctx.records, warnings: ctx.warnings };
  } catch (error) {
    if (error instanceof PlanError) {
      return { ok: false, error: error.diagnostic, warnings: ctx.warnings };
    }
    throw error;
  }
}
