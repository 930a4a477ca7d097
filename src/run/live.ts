import { githubAnnotation } from "../check/report.js";
import type { Presenter } from "../present/presenter.js";
import type {
  BlankStep,
  CommentaryStep,
  IfHookStep,
  PrintStep,
  Step,
  TypedStep,
} from "../script/types.js";
import type { Shell, ShellRun } from "../session/shell.js";
import { formatDuration } from "../util/duration.js";
import type { Output } from "../util/output.js";
import type { Driver, KeyAction, Notice, Presentation, RunResult } from "../walk/walker.js";
import type { RunListener, StandIn } from "./events.js";

/** What a live run may have besides a shell: listeners, and a recording to stand in. */
export interface LiveExtras {
  readonly listen?: RunListener;
  readonly standIn?: StandIn;
}

/** How a live run behaves: on stage (a presenter at the keys) or in CI. */
export interface LiveSettings {
  /** No typing and no waits; every command is printed with its file:line; failures stop the run. */
  readonly ci: boolean;
  /** In CI: no commentary. */
  readonly quiet: boolean;
  /** In CI: record failures and go on instead of stopping at the first. */
  readonly keepGoing: boolean;
  /** Type commands out (false: show them at once). */
  readonly typeout: boolean;
  /** Kill any command running longer than this (a `@timeout` directive overrides it). */
  readonly timeoutMs: number | undefined;
  /** Colour level for everything written (0: none). */
  readonly colorLevel: 0 | 1 | 2 | 3;
  readonly width: number;
  /** DEMOSH_QUIET_FAILURE was set when the run started. */
  readonly quietFailure: boolean;
  /** Are the commands' stdin a terminal (so keys typed during a command can be dropped)? */
  readonly interactive: boolean;
  /** In CI mode under GitHub Actions: print each failure as an annotation too. */
  readonly githubActions?: boolean;
  /** Is standard output a terminal? Where it is not, in CI, screen codes are not written. */
  readonly screen: boolean;
}

/** What else follows the run's steps: reports, timings, the status line, the resume state. */
export interface RunHooks {
  reached(step: Step): void;
  presented(p: Presentation): void;
  started(p: Presentation): void;
  /** `failure` is the message the terminal showed, when the command failed. */
  finished(p: Presentation, result: ShellRun, failure: string | undefined): void | Promise<void>;
  /** The presenter skipped this step (`+`): it counts as done. */
  skipped?(step: Step): void;
}

/** A step that failed, as reported at the end of a run. */
export interface Failure {
  readonly step: Step;
  readonly command: string;
  readonly status: number;
  readonly message: string;
}

type Renderer = typeof import("../present/render.js");

/**
 * The renderer pulls in marked, chalk and wrap-ansi (tens of milliseconds to
 * load); an unattended run without colour or commentary never needs it, so it
 * is loaded on first use.
 */
let renderer: Promise<Renderer> | undefined;
function render(): Promise<Renderer> {
  renderer ??= import("../present/render.js");
  return renderer;
}

const BRACED = /\$\{([A-Za-z_][A-Za-z0-9_]*|[0-9]+)\}/g;
const TRUTHY = /^(yes|true|t|y|1)$/i;

/** A CI log shows short commands whole and long ones (function bodies...) by their first lines. */
const LOGGED_LINES = 6;

function logged(text: string): string {
  const lines = text.split("\n");
  if (lines.length <= LOGGED_LINES) return text;
  const shown = lines.slice(0, LOGGED_LINES - 1).join("\n");
  return `${shown}\n  ... (${lines.length - LOGGED_LINES + 1} more lines)`;
}

function firstLine(text: string): string {
  const [first = "", ...rest] = text.split("\n");
  return rest.length > 0 ? `${first} ...` : first;
}

/**
 * `clear` as the builtin macros and `@clear` run it: in a CI log it would only
 * write screen codes.
 */
const CLEAR = /^clear(?:\s+2>\s*\/dev\/null)?(?:\s*\|\|\s*:)?\s*$/;

/** Runs a walk for real: a bash session, a terminal presenter, or CI's plain log. */
export class LiveDriver implements Driver {
  readonly failures: Failure[] = [];
  /** Set when the run was interrupted (Ctrl-C in CI, SIGINT): stop after the current command. */
  interrupted = false;
  /** Set when the session ended under the runner for a reason other than `exit`. */
  died: string | undefined;
  /** Did the audience see anything of this demo (commentary, a command, a print)? */
  shownAnything = false;
  /** `Q` was pressed (at the opening notice, or in a nested demo): nothing more is shown or run. */
  quitting = false;
  private blankShown = true;
  private commandsRun = 0;
  /** The presenter chose the recorded output for the command about to run. */
  private playRecorded = false;
  private shown: string | undefined;

  constructor(
    private readonly shell: Shell,
    private readonly out: Output,
    private readonly err: Output,
    private readonly presenter: Presenter | undefined,
    private readonly settings: LiveSettings,
    private readonly channel?: { quitting(): boolean },
    /** Shown before the first thing the audience sees (the notice about the keys); its key. */
    private opening?: () => Promise<KeyAction>,
    private readonly extras: LiveExtras = {},
    private readonly hooks?: RunHooks,
    /** A step's file as an absolute path, for bash's own messages. */
    private readonly absolute: (file: string) => string = (f) => f,
  ) {}

  reached(step: Step): void {
    this.hooks?.reached(step);
  }

  /**
   * Called before anything is shown or waited for: the opening notice comes
   * first (once), and after `Q` nothing more is shown. False: show nothing.
   */
  private async showing(shows = true): Promise<boolean> {
    if (this.quitting) return false;
    const opening = this.opening;
    if (opening) {
      this.opening = undefined;
      if ((await opening()) === "quit") this.quitting = true;
    }
    if (!this.quitting && shows) this.shownAnything = true;
    return !this.quitting;
  }

  get commandCount(): number {
    return this.commandsRun;
  }

  private get style() {
    return { width: this.settings.width, level: this.settings.colorLevel };
  }

  /** Fills `${NAME}` with the session's current values; unset names stay as written. */
  private async fill(text: string): Promise<string> {
    const names = [...new Set(Array.from(text.matchAll(BRACED), (m) => m[1] as string))];
    if (names.length === 0) return text;
    const values = await this.shell.values(names);
    return text.replace(BRACED, (whole, name: string) => values.get(name) ?? whole);
  }

  private where(step: Step): string {
    return `${step.loc.file}:${step.loc.line}`;
  }

  private show(text: string): void {
    this.out.write(`${text}\n`);
    this.blankShown = false;
  }

  async commentary(step: CommentaryStep, text: string): Promise<void> {
    if (this.settings.ci && this.settings.quiet) return;
    if (!(await this.showing())) return;
    const filled = await this.fill(text);
    this.extras.listen?.({ kind: "commentary", step, text: filled });
    const r = await render();
    this.show(
      step.format === "markdown"
        ? r.renderMarkdown(filled, this.style)
        : r.renderShellComment(filled, this.style),
    );
  }

  blank(_step: BlankStep | CommentaryStep): void {
    if (this.settings.ci && this.settings.quiet) return;
    if (this.blankShown || this.quitting || this.opening) return;
    this.out.write("\n");
    this.blankShown = true;
  }

  async typed(step: TypedStep, text: string): Promise<KeyAction | undefined> {
    if (!(await this.showing())) return "quit";
    if (this.settings.ci || !this.presenter) {
      if (!this.settings.quiet) this.show(`${this.where(step)} ${await this.prompt()}${text}`);
      return undefined;
    }
    const meaning = await this.presenter.typeOut(await this.prompt(), text, "\n");
    this.blankShown = false;
    return meaning === "quit" ? "quit" : undefined;
  }

  async present(p: Presentation): Promise<KeyAction> {
    this.shown = undefined;
    this.hooks?.presented(p);
    if (this.quitting) return "quit";
    if (this.settings.ci || !this.presenter || p.display === "hidden") return "run";
    if (!(await this.showing())) return "quit";
    const standIn = this.extras.standIn;
    const recorded = standIn?.mode === "replay" ? standIn.shown(p) : undefined;
    const shown = recorded ?? (await this.fill(p.text.replaceAll("\n#", "\n")));
    this.shown = shown;
    const typed = p.display === "typed" && this.settings.typeout;
    this.blankShown = false;
    const choice = await this.presenter.present(await this.prompt(), shown, typed, p.waitBefore);
    if (choice !== "recorded") return choice;
    this.playRecorded = true;
    return "run";
  }

  async run(p: Presentation): Promise<RunResult> {
    this.presenter?.release();
    if (this.settings.ci) {
      this.shown = p.text;
      this.show(`${this.where(p.step)} ${await this.prompt()}${logged(p.text)}`);
    }
    if (this.settings.ci && !this.settings.screen && CLEAR.test(p.text.trim())) {
      return { status: 0, stop: false, exited: false };
    }
    const timeoutMs = p.timeoutMs ?? this.settings.timeoutMs;
    this.hooks?.started(p);
    const failures = this.failures.length;
    this.extras.listen?.({ kind: "command-start", p, shown: this.shown });
    const result = await this.execute(p, timeoutMs);
    this.extras.listen?.({ kind: "command-end", p, result });
    // Keys typed at a shown command must not act on the next step; hidden ones cost nothing.
    if (!this.settings.ci && this.settings.interactive && p.display !== "hidden") {
      this.presenter?.dropTyped();
    }
    // Ctrl-C leaves the cursor after the terminal's ^C: the next prompt starts a line of its own.
    if (this.presenter && !this.settings.ci && result.status === 130 && !result.ended) {
      this.out.write("\n");
    }
    this.commandsRun++;
    this.blankShown = false;
    // A nested demo (`$SHELL other.md`) whose presenter pressed Q ends this one too.
    if (this.channel?.quitting()) this.quitting = true;
    if (result.ended) {
      const ended = this.sessionEnded(p, result);
      await this.hooks?.finished(p, result, this.failures[failures]?.message ?? this.died);
      return ended;
    }
    const failed = result.timedOut || (p.expectFailure ? result.status === 0 : result.status !== 0);
    if (failed) this.failed(p, result, timeoutMs);
    await this.hooks?.finished(p, result, this.failures[failures]?.message);
    if (this.interrupted) return { status: 130, stop: true, exited: false };
    const errexitStop =
      result.errexit && (result.status !== 0 || result.timedOut) && !p.expectFailure;
    const ciStop = this.settings.ci && failed && !this.settings.keepGoing;
    return { status: result.status, stop: errexitStop || ciStop, exited: false };
  }

  /** Runs the command, or plays its recorded output where the recording stands in. */
  private async execute(p: Presentation, timeoutMs: number | undefined): Promise<ShellRun> {
    const standIn = this.extras.standIn;
    const chosen = this.playRecorded;
    this.playRecorded = false;
    if (standIn && (standIn.mode === "replay" || chosen)) {
      const played = await standIn.play(p);
      if (played) return played;
      if (p.display !== "hidden") await this.say("...skipping: not in the recording");
      return { status: 0, errexit: false, timedOut: false, durationMs: 0 };
    }
    const result = await this.shell.run(p.text, {
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      file: this.absolute(p.step.loc.file),
      line: p.step.loc.line,
    });
    const unexpected =
      result.timedOut || (p.expectFailure ? result.status === 0 : result.status !== 0);
    if (standIn?.mode !== "fallback" || p.display === "hidden" || result.ended || !unexpected) {
      return result;
    }
    const what = result.timedOut
      ? `timed out after ${formatDuration(timeoutMs ?? 0)}`
      : p.expectFailure
        ? "succeeded (expected to fail)"
        : `failed with status ${result.status}`;
    const played = await this.playInstead(p, what);
    return played ? { ...played, errexit: result.errexit } : result;
  }

  private async playInstead(p: Presentation, what: string): Promise<ShellRun | undefined> {
    const standIn = this.extras.standIn as StandIn;
    if (!standIn.has(p)) {
      await this.say(`...${what}; it is not in the recording`);
      return undefined;
    }
    await this.say(`...${what}; playing the recording:`);
    return standIn.play(p);
  }

  private async say(text: string): Promise<void> {
    this.show((await render()).renderNotice(text, this.style));
  }

  private sessionEnded(p: Presentation, result: ShellRun): RunResult {
    const ended = result.ended;
    if (result.timedOut) {
      this.failed(p, result, p.timeoutMs ?? this.settings.timeoutMs);
      this.died = `the command at ${this.where(p.step)} could not be stopped without ending the shell session (a loop of shell builtins?), so the session was ended`;
      this.err.write(`demoshts: ${this.died}\n`);
      return { status: 1, stop: false, exited: true };
    }
    if (this.interrupted) return { status: 130, stop: true, exited: false };
    if (ended?.signal || ended?.code === null || ended?.code === undefined) {
      this.died = `the shell session ended unexpectedly${ended?.signal ? ` (${ended.signal})` : ""}: the last step run was ${this.where(p.step)}: ${firstLine(p.text)}`;
      this.err.write(`demoshts: ${this.died}\n`);
      return { status: 1, stop: false, exited: true };
    }
    return { status: ended.code, stop: false, exited: true };
  }

  private failed(p: Presentation, result: ShellRun, timeoutMs: number | undefined): void {
    const command = firstLine(p.text);
    let message: string;
    if (result.timedOut) {
      message = `timed out after ${formatDuration(timeoutMs ?? 0)} and was killed: ${command}`;
    } else if (p.expectFailure) {
      message = `was expected to fail (@fails) but succeeded: ${command}`;
    } else {
      message = `failed with status ${result.status}: ${command}`;
    }
    this.failures.push({ step: p.step, command: p.text, status: result.status, message });
    if (this.settings.ci || result.timedOut) {
      this.err.write(`demoshts: ${this.where(p.step)}: ${message}\n`);
    }
    if (this.settings.ci && this.settings.githubActions) {
      const { file, line } = p.step.loc;
      this.out.write(
        `${githubAnnotation({ severity: "error", file, line, message, rule: "run" })}\n`,
      );
    }
  }

  async macroStart(p: Presentation): Promise<void> {
    if (this.settings.ci) this.show(`${this.where(p.step)} ${await this.prompt()}${p.text}`);
  }

  macroEnd(): void {}

  async wait(): Promise<KeyAction> {
    if (this.quitting) return "quit";
    if (this.settings.ci || !this.presenter) return "run";
    if (!(await this.showing(false))) return "quit";
    return this.presenter.waitKey();
  }

  async print(_step: PrintStep, text: string): Promise<void> {
    if (!(await this.showing())) return;
    const filled = await this.fill(text);
    this.show((await render()).renderPrint(filled, this.style));
  }

  async ifhook(_step: IfHookStep, suffixes: readonly string[]): Promise<boolean> {
    const values = await this.shell.values(suffixes.map((s) => `DEMO_HOOK_${s}`));
    return [...values.values()].some((v) => v !== undefined && v !== "");
  }

  async notice(kind: Notice, step: Step): Promise<void> {
    if (kind === "skipping") this.hooks?.skipped?.(step);
    if (this.quitting) return;
    const { renderNotice } = await render();
    if (kind === "skipping") this.show(renderNotice("...skipping", this.style));
    else if (kind === "nothing-earlier") {
      this.show(renderNotice("...nothing earlier to repeat!", this.style));
    } else if (!this.interrupted && !(await this.quietFailure())) {
      this.show(renderNotice("...exiting due to failure.", this.style));
    }
  }

  /** The `$ ` before a command; plain text needs no renderer. */
  private async prompt(): Promise<string> {
    if (this.settings.colorLevel === 0) return "$ ";
    return (await render()).renderPrompt(this.style);
  }

  private async quietFailure(): Promise<boolean> {
    if (this.settings.quietFailure) return true;
    const value = (await this.shell.values(["DEMOSH_QUIET_FAILURE"])).get("DEMOSH_QUIET_FAILURE");
    return value !== undefined && TRUTHY.test(value);
  }
}
