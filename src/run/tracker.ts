import type { Step } from "../script/types.js";
import type { ShellRun } from "../session/shell.js";
import type { Presentation } from "../walk/walker.js";
import { type CommandRecord, headingsIn, type NestedRun, tail } from "./journal.js";
import type { Timings } from "./timings.js";

/** A shown command of the dry run's plan: what `step N/M` counts. */
export interface PlannedStep {
  readonly file: string;
  readonly line: number;
  /** 0 for this demo's own steps; deeper for nested demos' steps. */
  readonly depth: number;
}

/** Where a nested demo sits in the run of the demo that started it. */
export interface Position {
  /** The step number of the command that started the nested demo (0 before the first). */
  readonly base: number;
  readonly total: number;
  /** The outermost demo's start (epoch milliseconds). */
  readonly startedAt: number;
  /** The outermost demo, as its presenter named it. */
  readonly demo: string;
  readonly rehearsedMs?: number;
  /** The outer demo's section, until the nested demo reaches a heading of its own. */
  readonly section?: string;
}

/** A section as the run went through it. */
export interface SectionTime {
  readonly title: string;
  readonly startMs: number;
}

/** The files a run shares with the nested demos it starts. */
export interface Channel {
  /** Where the nested demo learns its place before it starts. */
  writePosition(position: Position): void;
  /** The results handed back by nested demos since the last call. */
  takeNested(): NestedRun[];
}

export interface TrackerOptions {
  readonly now: () => number;
  /** When the run started (epoch milliseconds); earlier than now when resuming. */
  readonly startedAt: number;
  readonly demo: string;
  readonly plan: readonly PlannedStep[] | undefined;
  /** Set in a nested demo: where it sits in the outer run. */
  readonly outer: Position | undefined;
  readonly rehearsal: Timings | undefined;
  readonly channel: Channel | undefined;
}

/**
 * Follows a live run: the current section, the shown step number, and every command
 * with its duration and result. Reports, timings, the status line and the resume
 * state are all made from what it keeps.
 */
export class Tracker {
  section = "";
  readonly records: CommandRecord[] = [];
  readonly sections: SectionTime[] = [];
  private shownIndex: number | undefined;
  private commandStart = 0;
  private readonly listeners: (() => void)[] = [];

  constructor(readonly options: TrackerOptions) {
    this.section = options.outer?.section ?? "";
  }

  /** Called whenever what the status line shows may have changed. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  /** Milliseconds since the run (the outermost one, for a nested demo) started. */
  elapsed(): number {
    return this.options.now() - (this.options.outer?.startedAt ?? this.options.startedAt);
  }

  get demo(): string {
    return this.options.outer?.demo ?? this.options.demo;
  }

  /** The shown step number (1-based, nested demos included), or 0 before the first. */
  get step(): number {
    const base = this.options.outer?.base ?? 0;
    if (this.shownIndex === undefined) return base;
    return base + this.shownIndex + 1;
  }

  get total(): number | undefined {
    return this.options.outer?.total ?? this.options.plan?.length;
  }

  /** How far into the rehearsal this point was, when a rehearsal was timed. */
  rehearsedAt(): number | undefined {
    const r = this.options.rehearsal;
    if (!r) return this.options.outer?.rehearsedMs;
    const at = this.options.plan?.[this.shownIndex ?? -1];
    if (!at) return this.options.outer?.rehearsedMs;
    return r.steps.find((s) => s.file === at.file && s.line === at.line)?.startMs;
  }

  reached(step: Step): void {
    if (step.kind !== "commentary" || step.format !== "markdown") return;
    const headings = headingsIn(step.text);
    const last = headings[headings.length - 1];
    if (!last) return;
    this.enter(last.title);
  }

  /** Starts a section (also when resuming or starting part-way). */
  enter(title: string): void {
    this.section = title;
    this.sections.push({ title, startMs: this.elapsed() });
    this.changed();
  }

  /** A command is about to be shown: which step of the plan is it? */
  presented(p: Presentation): void {
    if (p.display === "hidden") return;
    const found = this.find(p.step.loc.file, p.step.loc.line);
    if (found !== undefined) this.shownIndex = found;
    this.changed();
  }

  /** The plan's index of the shown step at file:line nearest after the current one. */
  find(file: string, line: number): number | undefined {
    const plan = this.options.plan ?? [];
    // Starting at the first shown step leaves the index at -1, just before it.
    const from = Math.max(0, this.shownIndex ?? 0);
    const matches = (s: PlannedStep) => s.depth === 0 && s.file === file && s.line === line;
    for (let i = from; i < plan.length; i++) if (matches(plan[i] as PlannedStep)) return i;
    for (let i = from - 1; i >= 0; i--) if (matches(plan[i] as PlannedStep)) return i;
    return undefined;
  }

  /** Sets the shown step directly (resuming, or starting part-way). */
  setShown(index: number | undefined): void {
    this.shownIndex = index;
  }

  started(): void {
    this.commandStart = this.elapsed();
    this.options.channel?.writePosition({
      base: this.step,
      total: this.total ?? 0,
      startedAt: this.options.outer?.startedAt ?? this.options.startedAt,
      demo: this.demo,
      section: this.section,
      ...this.rehearsedField(),
    });
  }

  private rehearsedField(): { rehearsedMs?: number } {
    const at = this.rehearsedAt();
    return at === undefined ? {} : { rehearsedMs: at };
  }

  finished(p: Presentation, result: ShellRun, failure: string | undefined): void {
    const nested = this.options.channel?.takeNested() ?? [];
    const shown = p.display === "hidden" ? undefined : this.step;
    this.records.push({
      file: p.step.loc.file,
      line: p.step.loc.line,
      command: p.text,
      section: this.section,
      startMs: this.commandStart,
      durationMs: result.durationMs,
      status: result.status,
      outcome: failure === undefined ? "passed" : "failed",
      ...(failure === undefined ? {} : { message: failure }),
      ...(result.output === undefined ? {} : { output: tail(result.output) }),
      ...(shown === undefined || shown === 0 ? {} : { shown }),
      ...(nested.length > 0 ? { nested } : {}),
    });
    this.changed();
  }

  /** What this run hands to the demo that started it, or to a report. */
  result(): NestedRun {
    const durationMs = this.options.now() - this.options.startedAt;
    return { file: this.options.demo, durationMs, commands: this.records };
  }
}
