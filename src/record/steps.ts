import type { StepKey } from "../run/events.js";

/** A command of a recorded run: where it is, what it ran, when, and how it ended. */
export interface RecordedStep extends StepKey {
  /** What the audience saw after `$ ` (`${NAME}` filled), when the command was shown. */
  readonly shown?: string;
  /** Seconds into the recording: the command's output lies between these. */
  readonly start: number;
  readonly end: number;
  readonly status: number;
  readonly errexit: boolean;
  readonly timedOut: boolean;
}

/** The steps of `talk.cast` are listed, one JSON line each, in `talk.cast.steps`. */
export function stepsFileOf(cast: string): string {
  return `${cast}.steps`;
}

export const STEPS_HEADER = { "demoshts-steps": 1 } as const;

export type StepsRead =
  | { readonly ok: true; readonly steps: readonly RecordedStep[] }
  | { readonly ok: false; readonly reason: string };

export function parseSteps(text: string): StepsRead {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  let header: unknown;
  try {
    header = JSON.parse(lines[0] ?? "");
  } catch {
    header = undefined;
  }
  if (!header || (header as Record<string, unknown>)["demoshts-steps"] !== 1) {
    return { ok: false, reason: "it is not a demoshts step list" };
  }
  const steps: RecordedStep[] = [];
  for (let i = 1; i < lines.length; i++) {
    let step: RecordedStep;
    try {
      step = JSON.parse(lines[i] as string) as RecordedStep;
    } catch {
      if (i === lines.length - 1) break; // cut short by a crash
      return { ok: false, reason: `line ${i + 1} is not JSON` };
    }
    if (
      typeof step?.file !== "string" ||
      typeof step.line !== "number" ||
      typeof step.command !== "string" ||
      typeof step.start !== "number" ||
      typeof step.end !== "number"
    ) {
      return { ok: false, reason: `line ${i + 1} is not a recorded step` };
    }
    steps.push({
      ...step,
      status: Number(step.status ?? 0),
      errexit: Boolean(step.errexit),
      timedOut: Boolean(step.timedOut),
    });
  }
  return { ok: true, steps };
}

/** What a recording has for a step of the demo. */
export type Lookup =
  /** Recorded (`moved`: at another line of the same file, same command). */
  | { readonly kind: "recorded"; readonly step: RecordedStep; readonly moved: boolean }
  /** Recorded at this line, but the command has changed since. */
  | { readonly kind: "stale"; readonly recorded: RecordedStep }
  | { readonly kind: "missing" };

function group<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

/**
 * Finds a demo's steps in a recording: by file, line and command text; a command
 * that only moved to another line is still found; one whose text changed is stale.
 * A step run several times (`-`, a macro called twice) gets its takes in order.
 */
export class StepIndex {
  private readonly exact: Map<string, RecordedStep[]>;
  private readonly byCommand: Map<string, RecordedStep[]>;
  private readonly byLine: Map<string, RecordedStep[]>;
  private readonly taken = new Map<RecordedStep[], number>();

  constructor(readonly steps: readonly RecordedStep[]) {
    this.exact = group(steps, (s) => `${s.file}\0${s.line}\0${s.command}`);
    this.byCommand = group(steps, (s) => `${s.file}\0${s.command}`);
    this.byLine = group(steps, (s) => `${s.file}\0${s.line}`);
  }

  /** What the recording has for `key`, without using it up. */
  find(key: StepKey): Lookup {
    return this.lookup(key, false);
  }

  /** The next recorded take of `key` (the last one again once all are used). */
  take(key: StepKey): Lookup {
    return this.lookup(key, true);
  }

  private lookup(key: StepKey, use: boolean): Lookup {
    const pick = (list: RecordedStep[]): RecordedStep => {
      const n = this.taken.get(list) ?? 0;
      if (use) this.taken.set(list, n + 1);
      return list[Math.min(n, list.length - 1)] as RecordedStep;
    };
    const exact = this.exact.get(`${key.file}\0${key.line}\0${key.command}`);
    if (exact) return { kind: "recorded", step: pick(exact), moved: false };
    const moved = this.byCommand.get(`${key.file}\0${key.command}`);
    if (moved) return { kind: "recorded", step: pick(moved), moved: true };
    const here = this.byLine.get(`${key.file}\0${key.line}`);
    if (here) return { kind: "stale", recorded: here[0] as RecordedStep };
    return { kind: "missing" };
  }
}
