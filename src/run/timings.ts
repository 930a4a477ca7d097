import type { PlanRecord } from "../plan/plan.js";
import { type CommandRecord, clock, headingsIn, type NestedRun } from "./journal.js";
import type { SectionTime } from "./tracker.js";

/** A rehearsal's timings, as `--timings FILE.json` writes and reads them. */
export interface Timings {
  readonly demo: string;
  /** When the run ended (ISO 8601). */
  readonly recorded: string;
  /** Did the run reach the end of the demo? */
  readonly complete: boolean;
  readonly totalMs: number;
  readonly sections: readonly { readonly title: string; readonly durationMs: number }[];
  readonly steps: readonly TimedStep[];
}

export interface TimedStep {
  readonly file: string;
  readonly line: number;
  readonly command: string;
  readonly section: string;
  /** Milliseconds from the start of the run to the start of the step. */
  readonly startMs: number;
  readonly durationMs: number;
  /** The shown-step number, when the audience saw the command. */
  readonly shown?: number;
}

function flatten(records: readonly CommandRecord[], into: TimedStep[]): TimedStep[] {
  for (const r of records) {
    into.push({
      file: r.file,
      line: r.line,
      command: r.command,
      section: r.section,
      startMs: r.startMs,
      durationMs: r.durationMs,
      ...(r.shown === undefined ? {} : { shown: r.shown }),
    });
    for (const nested of r.nested ?? []) flatten(nested.commands, into);
  }
  return into;
}

/** The timings of a run: each section from its heading to the next, and each command. */
export function timingsOf(
  run: NestedRun,
  sections: readonly SectionTime[],
  totalMs: number,
  complete: boolean,
  recorded: Date,
): Timings {
  const merged = new Map<string, number>();
  sections.forEach((s, i) => {
    const end = sections[i + 1]?.startMs ?? totalMs;
    merged.set(s.title, (merged.get(s.title) ?? 0) + Math.max(0, end - s.startMs));
  });
  return {
    demo: run.file,
    recorded: recorded.toISOString(),
    complete,
    totalMs,
    sections: [...merged].map(([title, durationMs]) => ({ title, durationMs })),
    steps: flatten(run.commands, []),
  };
}

/** Reads a timings file; a message saying what is wrong when it is not one. */
export function parseTimings(text: string): Timings | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return `it is not JSON (${(error as Error).message})`;
  }
  const t = data as Partial<Timings>;
  if (
    typeof t !== "object" ||
    t === null ||
    typeof t.totalMs !== "number" ||
    !Array.isArray(t.sections) ||
    !Array.isArray(t.steps) ||
    !t.sections.every((s) => typeof s?.title === "string" && typeof s.durationMs === "number") ||
    !t.steps.every(
      (s) =>
        typeof s?.file === "string" && typeof s.line === "number" && typeof s.startMs === "number",
    )
  ) {
    return "it is not a demoshts timings file (totalMs, sections and steps are expected)";
  }
  return t as Timings;
}

/** How far from the rehearsal: `+1:20 behind`, `-0:30 ahead`, or `on time`. */
export function behind(elapsedMs: number, rehearsedMs: number): string {
  const diff = elapsedMs - rehearsedMs;
  if (Math.abs(diff) < 1000) return "on time";
  return diff > 0 ? `+${clock(diff)} behind` : `-${clock(-diff)} ahead`;
}

/** The dry run's lines about a heading's section: its rehearsed duration. */
export function sectionNote(timings: Timings, title: string): string | undefined {
  const found = timings.sections.find((s) => s.title === title);
  return found === undefined ? undefined : `rehearsed ${clock(found.durationMs)}: ${title}`;
}

/** The dry run's last line with timings. */
export function totalNote(timings: Timings, file: string): string {
  const partial = timings.complete ? "" : " (that run stopped before the end)";
  return `Rehearsed: ${clock(timings.totalMs)} in all, ${timings.sections.length} section${timings.sections.length === 1 ? "" : "s"} (${file}, ${timings.recorded})${partial}.`;
}

/**
 * What the dry run adds to its plan from a timings file: after each heading, the
 * section's rehearsed duration; at the end, the total. A message when the file is wrong.
 */
export function rehearsedPlan(
  records: readonly PlanRecord[],
  text: string | undefined,
): { note: (r: PlanRecord) => string[]; total: (file: string) => string } | string {
  if (text === undefined) return "no such file (a live run with --timings writes it)";
  const timings = parseTimings(text);
  if (typeof timings === "string") return timings;
  const known = new Set(
    records.flatMap((r) => (r.kind === "commentary" ? headingsIn(r.text).map((h) => h.title) : [])),
  );
  const unseen = timings.sections.filter((s) => !known.has(s.title)).length;
  return {
    note: (r) =>
      r.kind === "commentary"
        ? headingsIn(r.text).flatMap((h) => {
            const line = sectionNote(timings, h.title);
            return line === undefined ? [] : [`  (${line})`];
          })
        : [],
    total: (file) =>
      totalNote(timings, file) +
      (unseen > 0
        ? ` ${unseen} rehearsed section${unseen === 1 ? " is" : "s are"} no longer in the demo.`
        : ""),
  };
}
