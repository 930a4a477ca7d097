import type {
  BlankStep,
  CommandStep,
  CommentaryStep,
  IfHookStep,
  ImmediateStep,
  MacroStep,
  PrintStep,
  Script,
  Step,
  TypedStep,
  WaitStep,
} from "../script/types.js";

/** How a command is shown to the audience. */
export type Display = "typed" | "instant" | "hidden";

/** What the presenter asked for with a key (RETURN or SPACE then RETURN, `+`, `-`, `Q`). */
export type KeyAction = "run" | "skip" | "back" | "quit";

/** A command about to be shown (or not) and run. */
export interface Presentation {
  readonly step: CommandStep | ImmediateStep;
  /** The command as the shell will receive it. */
  readonly text: string;
  readonly display: Display;
  readonly waitBefore: boolean;
  readonly waitAfter: boolean;
  /** Set when the command calls a macro: its body runs instead of the shell. */
  readonly macro: MacroStep | undefined;
  /** True when the presenter went back to this command with `-`. */
  readonly again: boolean;
  /** Marked `@fails`: the command is expected to fail. */
  readonly expectFailure: boolean;
  /** Set by `@timeout`: the limit for this command, in milliseconds. */
  readonly timeoutMs: number | undefined;
}

export interface RunResult {
  readonly status: number;
  /** Should the demo stop here because of this command's failure (`set -e`, CI)? */
  readonly stop: boolean;
  /** Did the command end the session (`exit N`)? `status` is then N. */
  readonly exited: boolean;
}

export type WalkOutcome =
  | { readonly kind: "done" }
  | { readonly kind: "quit" }
  | { readonly kind: "failed"; readonly step: Step; readonly status: number }
  | { readonly kind: "exited"; readonly status: number };

export type Notice = "skipping" | "nothing-earlier" | "exiting-due-to-failure";

/**
 * Everything the walk needs from the outside: showing, keys, the shell.
 * The dry run answers without executing; a live run drives a terminal and bash.
 */
export interface Driver {
  commentary(step: CommentaryStep, text: string): void | Promise<void>;
  /** A blank line while showing; a run of them should show as one. */
  blank(step: BlankStep | CommentaryStep): void | Promise<void>;
  /** `#$ text`: typed out, never run; a key may only quit. */
  typed(step: TypedStep, text: string): KeyAction | undefined | Promise<KeyAction | undefined>;
  /** Show the command as `display` says and wait if asked; "run" when no key is needed. */
  present(p: Presentation): KeyAction | Promise<KeyAction>;
  run(p: Presentation): RunResult | Promise<RunResult>;
  macroStart(p: Presentation): void | Promise<void>;
  macroEnd(p: Presentation): void | Promise<void>;
  /** An explicit `@wait`, or the wait after a command (`@waitafter`). */
  wait(
    step: WaitStep | CommandStep | ImmediateStep,
    after: boolean,
  ): KeyAction | Promise<KeyAction>;
  print(step: PrintStep, text: string): void | Promise<void>;
  /** Is the hook named by this `@ifhook` live? */
  ifhook(step: IfHookStep, suffixes: readonly string[]): boolean | Promise<boolean>;
  notice(kind: Notice, step: Step): void | Promise<void>;
  /** Told about every step the walk reaches (not those before where it started). */
  reached?(step: Step): void;
}

interface Overrides {
  typeCommand?: boolean;
  typeout?: boolean;
  waitBefore?: boolean;
  waitAfter?: boolean;
  again?: boolean;
  expectFailure?: boolean;
  timeoutMs?: number;
}

/** The mode of one list of steps: the script itself, or one macro or ifhook body. */
interface Scope {
  showing: boolean;
  skipping: boolean;
  overrides: Overrides;
  /** Steps reached while hidden: `-` never goes back to them. */
  readonly hidden: Set<number>;
}

class Stop {
  constructor(readonly outcome: WalkOutcome) {}
}

/**
 * Where a walk starts when it does not start at the top (`--from`, `--resume`): a path of
 * indices through the script's steps and its `@ifhook` bodies.
 */
export interface WalkStart {
  readonly path: readonly number[];
  /** When the first step is commentary: show it from this line of the file on. */
  readonly line?: number;
  /** Run the hidden setup before the script's first `@SHOW` (`--from`; not `--resume`). */
  readonly setup: boolean;
}

interface Frame {
  readonly steps: readonly Step[];
  index: number;
}

function newScope(): Scope {
  return { showing: false, skipping: false, overrides: {}, hidden: new Set() };
}

/**
 * Walks a script as demosh runs it: modes, modifiers, macros, ifhooks and the
 * presenter's keys, asking `driver` to show, wait and run.
 */
export class Walker {
  private readonly scopes = new Map<readonly Step[], Scope>();
  private readonly frames: Frame[] = [];
  private shownAtStart = false;
  private sliceAt: number | undefined;

  constructor(
    private readonly script: Script,
    private readonly driver: Driver,
    private readonly start?: WalkStart,
  ) {}

  /**
   * Where the walk is: the path of indices to the step being handled, through the
   * script and `@ifhook` bodies. Inside a macro it is the command that called it.
   */
  position(): number[] {
    const path: number[] = [];
    let expected: readonly Step[] = this.script.steps;
    for (const frame of this.frames) {
      if (frame.steps !== expected) break;
      path.push(frame.index);
      const step = frame.steps[frame.index];
      if (step?.kind !== "ifhook") break;
      expected = step.body;
    }
    return path;
  }

  async walk(): Promise<WalkOutcome> {
    try {
      await this.runList(this.script.steps, this.start?.path);
      return { kind: "done" };
    } catch (error) {
      if (error instanceof Stop) return error.outcome;
      throw error;
    }
  }

  private scopeFor(steps: readonly Step[]): Scope {
    let scope = this.scopes.get(steps);
    if (!scope) {
      scope = newScope();
      this.scopes.set(steps, scope);
    }
    return scope;
  }

  private async runList(steps: readonly Step[], from?: readonly number[]): Promise<void> {
    const scope = this.scopeFor(steps);
    const frame: Frame = { steps, index: 0 };
    this.frames.push(frame);
    const target = from?.[0];
    let index = 0;
    try {
      while (index < steps.length) {
        const step = steps[index] as Step;
        const here = index;
        index++;
        frame.index = here;
        if (!scope.showing) scope.hidden.add(here);
        if (scope.skipping) {
          if (step.kind === "mode" && step.mode === "SHOW") scope.skipping = false;
          else continue;
        }
        if (target !== undefined && here < target) {
          await this.fastForward(steps, scope, step, here);
          continue;
        }
        if (here === target && from !== undefined) {
          if (from.length > 1 && step.kind === "ifhook") {
            await this.runList(step.body, from.slice(1));
            continue;
          }
          if (step.kind === "commentary") this.sliceAt = this.start?.line;
        }
        this.driver.reached?.(step);
        const jump = await this.step(steps, scope, step, here);
        if (jump !== undefined) index = jump;
      }
    } finally {
      this.frames.pop();
    }
  }

  /**
   * A step before where the walk starts: modes and modifiers take effect, so the start
   * is shown as it would have been; nothing is shown or run, except the hidden setup
   * before the script's first `@SHOW` when the start asks for it.
   */
  private async fastForward(
    steps: readonly Step[],
    scope: Scope,
    step: Step,
    index: number,
  ): Promise<void> {
    const setup = this.start?.setup && steps === this.script.steps && !this.shownAtStart;
    if (step.kind === "mode" && step.mode === "SHOW" && steps === this.script.steps) {
      this.shownAtStart = true;
    }
    if (setup || step.kind === "mode" || step.kind === "modifier") {
      await this.step(steps, scope, step, index);
    } else if (["command", "immediate", "print", "wait"].includes(step.kind)) {
      scope.overrides = {};
    }
  }

  /** Handles one step; returns the index to continue from when the presenter went back. */
  private async step(
    steps: readonly Step[],
    scope: Scope,
    step: Step,
    index: number,
  ): Promise<number | undefined> {
    switch (step.kind) {
      case "blank":
        if (scope.showing) await this.driver.blank(step);
        return undefined;
      case "commentary": {
        const from = this.sliceAt;
        this.sliceAt = undefined;
        if (step.hidden || !scope.showing) return undefined;
        const lines = step.text.trimEnd().split("\n");
        const text = (from === undefined ? lines : lines.slice(Math.max(0, from - step.loc.line)))
          .join("\n")
          .trimEnd();
        if (text.trim() === "") await this.driver.blank(step);
        else await this.driver.commentary(step, text);
        return undefined;
      }
      case "typed":
        if ((await this.driver.typed(step, step.text)) === "quit") {
          throw new Stop({ kind: "quit" });
        }
        return undefined;
      case "mode":
        if (step.mode === "SHOW") scope.showing = true;
        else if (step.mode === "HIDE") scope.showing = false;
        else scope.skipping = true;
        return undefined;
      case "modifier":
        if (step.modifier === "immed") {
          Object.assign(scope.overrides, {
            waitBefore: false,
            waitAfter: false,
            typeCommand: false,
          });
        } else if (step.modifier === "noshow") scope.overrides.typeCommand = false;
        else if (step.modifier === "notypeout") scope.overrides.typeout = false;
        else if (step.modifier === "nowaitbefore") scope.overrides.waitBefore = false;
        else if (step.modifier === "waitafter") scope.overrides.waitAfter = true;
        else if (step.modifier === "fails") scope.overrides.expectFailure = true;
        else scope.overrides.timeoutMs = step.timeoutMs;
        return undefined;
      case "macro":
      case "hook":
      case "import":
      case "kube-context":
        return undefined;
      case "ifhook": {
        const suffixes = this.script.hooks.filter((h) => h.name === step.name).map((h) => h.suffix);
        if (await this.driver.ifhook(step, suffixes)) await this.runList(step.body);
        return undefined;
      }
      case "wait":
        return this.explicitWait(steps, scope, step, index);
      case "print": {
        scope.overrides = {};
        await this.driver.print(step, step.text);
        return undefined;
      }
      case "immediate":
        Object.assign(scope.overrides, { waitBefore: false, waitAfter: false, typeCommand: false });
        return this.command(steps, scope, step, index);
      case "command":
        return this.command(steps, scope, step, index);
    }
  }

  private takeOverrides(scope: Scope): Required<Omit<Overrides, "timeoutMs">> & Overrides {
    const o = scope.overrides;
    scope.overrides = {};
    return {
      typeCommand: o.typeCommand ?? true,
      typeout: o.typeout ?? true,
      waitBefore: o.waitBefore ?? true,
      waitAfter: o.waitAfter ?? false,
      again: o.again ?? false,
      expectFailure: o.expectFailure ?? false,
      timeoutMs: o.timeoutMs,
    };
  }

  private async explicitWait(
    steps: readonly Step[],
    scope: Scope,
    step: WaitStep,
    index: number,
  ): Promise<number | undefined> {
    this.takeOverrides(scope);
    const action = await this.driver.wait(step, scope.showing);
    return this.afterAction(steps, scope, step, action, index + 1);
  }

  private async command(
    steps: readonly Step[],
    scope: Scope,
    step: CommandStep | ImmediateStep,
    index: number,
  ): Promise<number | undefined> {
    const o = this.takeOverrides(scope);
    const macro = step.calls === undefined ? undefined : this.script.macros.get(step.calls);
    let typeout = o.typeout;
    for (;;) {
      const showCommand = scope.showing && o.typeCommand;
      const p: Presentation = {
        step,
        text: step.text,
        display: showCommand ? (typeout ? "typed" : "instant") : "hidden",
        waitBefore: showCommand && o.waitBefore,
        waitAfter: scope.showing && o.waitAfter,
        macro,
        again: o.again,
        expectFailure: o.expectFailure,
        timeoutMs: o.timeoutMs,
      };
      const action = await this.driver.present(p);
      if (action === "back") {
        const previous = this.previousShown(steps, scope, index);
        if (previous === undefined) {
          await this.driver.notice("nothing-earlier", step);
          typeout = false;
          continue;
        }
        this.goBack(scope);
        return previous;
      }
      if (action === "quit") throw new Stop({ kind: "quit" });
      if (action === "skip") {
        await this.driver.notice("skipping", step);
        return undefined;
      }
      if (macro) {
        await this.driver.macroStart(p);
        await this.runList(macro.body);
        await this.driver.macroEnd(p);
      } else {
        const result = await this.driver.run(p);
        if (result.exited) throw new Stop({ kind: "exited", status: result.status });
        if (result.stop) {
          await this.driver.notice("exiting-due-to-failure", step);
          throw new Stop({ kind: "failed", step, status: result.status });
        }
      }
      if (!p.waitAfter) return undefined;
      const after = await this.driver.wait(step, true);
      return this.afterAction(steps, scope, step, after, index + 1);
    }
  }

  private goBack(scope: Scope): void {
    scope.overrides = { typeCommand: true, typeout: false, waitBefore: true, again: true };
  }

  /** What a key pressed after a step (or at an explicit wait) does. */
  private async afterAction(
    steps: readonly Step[],
    scope: Scope,
    step: Step,
    action: KeyAction,
    from: number,
  ): Promise<number | undefined> {
    if (action === "quit") throw new Stop({ kind: "quit" });
    if (action === "skip") await this.driver.notice("skipping", step);
    if (action !== "back") return undefined;
    const previous = this.previousShown(steps, scope, from);
    if (previous === undefined) {
      await this.driver.notice("nothing-earlier", step);
      return undefined;
    }
    this.goBack(scope);
    return previous;
  }

  /** The last command before index `before` that the audience saw. */
  private previousShown(steps: readonly Step[], scope: Scope, before: number): number | undefined {
    for (let i = before - 1; i >= 0; i--) {
      if (steps[i]?.kind === "command" && !scope.hidden.has(i)) return i;
    }
    return undefined;
  }
}
