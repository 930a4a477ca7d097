import * as path from "node:path";
import {
  describeChain,
  MAX_NESTED_DEMOS,
  MAX_NESTED_DEPTH,
  MAX_PLAN_STEPS,
} from "../reader/limits.js";
import { type LoadOptions, loadScript } from "../reader/load.js";
import type { ReadHost } from "../reader/read.js";
import type { CommandStep, Diagnostic, ImmediateStep, Loc, Script, Step } from "../script/types.js";
import { fillBraced, type KnownEnv, staticWords } from "../util/expand.js";
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
      /** What was known of the variables just before the command (null: set, value unknown). */
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

const ASSIGNMENT_START = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)(\+?)=/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Only commands with an assignment, `cd` or `unset` in them can change what is known. */
const MAY_CHANGE_STATE = /=|\bcd\b|\bunset\b/;
const NESTED = /^\s*(?:\$SHELL|\$\{SHELL\})(?:\s+([\s\S]*))?$/;

interface Context {
  readonly host: ReadHost;
  readonly input: PlanInput;
  readonly records: PlanRecord[];
  readonly warnings: Diagnostic[];
  /** Absolute paths of the demos being planned, outermost first. */
  readonly chain: string[];
  /** How many nested demos have been planned so far. */
  nested: number;
}

/** What a dry run knows of the session: variables and the working directory. */
class DryState {
  cwd: string | null;

  constructor(
    readonly env: KnownEnv,
    cwd: string,
  ) {
    this.cwd = cwd;
  }

  /** Learns what it can from a command that would have run, without running it. */
  learn(text: string): void {
    if (!MAY_CHANGE_STATE.test(text)) return;
    const words = staticWords(text, this.env);
    if (words === undefined) {
      this.forgetAssigned(text);
      // A cd that cannot be read (cd "$(...)", cd sub && ...) leaves the directory unknown.
      if (/(^|[\s;&|(])cd(\s|$)/m.test(text)) this.cwd = null;
      return;
    }
    const [first, ...rest] = words;
    if (first === undefined) return;
    if (first === "cd") {
      const target = rest[0];
      if (rest.length > 1 || this.cwd === null) this.cwd = null;
      else if (target === undefined) this.cwd = this.env.get("HOME") ?? null;
      else this.cwd = target === "-" ? null : path.resolve(this.cwd, target);
      return;
    }
    if (first === "unset") {
      for (const name of rest) this.env.delete(name);
      return;
    }
    const assignments = first === "export" ? rest : words;
    for (const word of assignments) {
      const eq = word.indexOf("=");
      const name = eq > 0 ? word.slice(0, eq) : "";
      if (!NAME.test(name)) {
        if (first !== "export") this.forgetAssigned(text);
        return;
      }
    }
    for (const word of assignments) {
      const eq = word.indexOf("=");
      this.env.set(word.slice(0, eq), word.slice(eq + 1));
    }
  }

  /** Marks a variable assigned in a way that cannot be predicted as unknown. */
  private forgetAssigned(text: string): void {
    for (const line of text.split("\n")) {
      const match = ASSIGNMENT_START.exec(line);
      if (match?.[1]) this.env.set(match[1], null);
    }
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
      env: new Map(this.state.env),
      cwd: this.state.cwd,
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
    await this.nested(p);
    this.state.learn(p.text);
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

  /** A `$SHELL other.md` command: plan the nested demo inline when its path can be known. */
  private async nested(p: Presentation): Promise<void> {
    const match = NESTED.exec(p.text);
    if (!match || this.state.cwd === null) return;
    const words = staticWords(match[1] ?? "", this.state.env);
    const target = words?.[0];
    if (words === undefined || target === undefined) return;
    const absolute = path.resolve(this.state.cwd, target);
    const label = path.relative(this.ctx.host.cwd, absolute) || target;
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
    const args = words.slice(1);
    this.record({ kind: "nested", ...this.at(p.step.loc), target: label, args });
    const env: KnownEnv = new Map(this.state.env);
    for (const key of [...env.keys()]) if (/^[0-9]+$/.test(key)) env.delete(key);
    await planFile(
      this.ctx,
      label,
      absolute,
      args,
      new DryState(env, this.state.cwd),
      this.depth + 1,
    );
  }
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
    state.cwd === ctx.host.cwd || state.cwd === null
      ? ctx.host
      : { cwd: state.cwd, readFile: (p) => ctx.host.readFile(p) };
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
  const ctx: Context = { host, input, records: [], warnings: [], chain: [], nested: 0 };
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
