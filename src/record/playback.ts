import { readFileSync } from "node:fs";
import type { StandIn } from "../run/events.js";
import type { ShellRun } from "../session/shell.js";
import type { Presentation } from "../walk/walker.js";
import { type Cast, parseCast } from "./asciicast.js";
import { IDLE_TIME_LIMIT } from "./recorder.js";
import { parseSteps, type RecordedStep, StepIndex, stepsFileOf } from "./steps.js";

/** A recording made with `--record`: the asciicast and its list of steps. */
export interface Recording {
  readonly path: string;
  readonly cast: Cast;
  readonly index: StepIndex;
}

export type RecordingRead =
  | { readonly ok: true; readonly recording: Recording }
  | { readonly ok: false; readonly reason: string };

function readText(file: string): { text: string } | { reason: string } {
  try {
    return { text: readFileSync(file, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { reason: code === "ENOENT" ? "no such file" : (error as Error).message };
  }
}

/** Reads `talk.cast` and `talk.cast.steps`; `shown` names them in messages. */
export function readRecording(file: string, shown: string): RecordingRead {
  const cast = readText(file);
  if ("reason" in cast) return { ok: false, reason: `cannot read ${shown}: ${cast.reason}` };
  const parsed = parseCast(cast.text);
  if (!parsed.ok) return { ok: false, reason: `${shown}: ${parsed.reason}` };
  const stepsShown = stepsFileOf(shown);
  const steps = readText(stepsFileOf(file));
  if ("reason" in steps) {
    return {
      ok: false,
      reason: `cannot read ${stepsShown}, the list of steps recorded with ${shown}: ${steps.reason} (record the demo with --record ${shown})`,
    };
  }
  const list = parseSteps(steps.text);
  if (!list.ok) return { ok: false, reason: `${stepsShown}: ${list.reason}` };
  return {
    ok: true,
    recording: { path: file, cast: parsed.cast, index: new StepIndex(list.steps) },
  };
}

/** The output events of a recorded step (strictly between its bounds), with their times. */
export function outputOf(cast: Cast, step: RecordedStep): [number, string][] {
  const out: [number, string][] = [];
  for (const [time, code, data] of cast.events) {
    if (code === "o" && time > step.start && time < step.end) out.push([time, data]);
  }
  return out;
}

export interface PlaybackIo {
  /** Writes recorded output to the screen. */
  write(data: string): void;
  sleep(ms: number): Promise<void>;
  now(): number;
  /**
   * Told when a step starts and stops playing; while it plays, `stop` cuts it short
   * (the presenter pressed Ctrl-C, as they would to interrupt a live command).
   */
  playing?(on: boolean, stop: () => void): void;
}

/** A playback that can be cut short. */
export class PlaybackStop {
  private stopped_ = false;
  private wake: (() => void) | undefined;

  get stopped(): boolean {
    return this.stopped_;
  }

  stop(): void {
    this.stopped_ = true;
    this.wake?.();
  }

  /** Waits `ms`, or less when stopped meanwhile. */
  async sleep(io: PlaybackIo, ms: number): Promise<void> {
    if (this.stopped_) return;
    await Promise.race([io.sleep(ms), new Promise<void>((resolve) => (this.wake = resolve))]);
    this.wake = undefined;
  }
}

/**
 * Writes a step's recorded output at its recorded pace, each pause cut to the
 * recording's idle limit, and returns how long it took.
 */
export async function playStep(
  cast: Cast,
  step: RecordedStep,
  io: PlaybackIo,
  stop: PlaybackStop = new PlaybackStop(),
): Promise<number> {
  const cap = (cast.header.idle_time_limit ?? IDLE_TIME_LIMIT) * 1000;
  const started = io.now();
  let at = step.start;
  for (const [time, data] of outputOf(cast, step)) {
    const pause = Math.min((time - at) * 1000, cap);
    if (pause >= 1) await stop.sleep(io, pause);
    if (stop.stopped) break;
    at = time;
    io.write(data);
  }
  return io.now() - started;
}

function keyOf(p: Presentation) {
  return { file: p.step.loc.file, line: p.step.loc.line, command: p.text };
}

/** A recording standing in for the shell, for `--replay` and `--fallback`. */
export class RecordedStandIn implements StandIn {
  constructor(
    readonly mode: "replay" | "fallback",
    private readonly recording: Recording,
    private readonly io: PlaybackIo,
  ) {}

  has(p: Presentation): boolean {
    return this.recording.index.find(keyOf(p)).kind === "recorded";
  }

  shown(p: Presentation): string | undefined {
    const found = this.recording.index.find(keyOf(p));
    return found.kind === "recorded" ? found.step.shown : undefined;
  }

  async play(p: Presentation): Promise<ShellRun | undefined> {
    const found = this.recording.index.take(keyOf(p));
    if (found.kind !== "recorded") return undefined;
    const stop = new PlaybackStop();
    const cut = (): void => stop.stop();
    this.io.playing?.(true, cut);
    let durationMs: number;
    try {
      durationMs = await playStep(this.recording.cast, found.step, this.io, stop);
    } finally {
      this.io.playing?.(false, cut);
    }
    if (stop.stopped) {
      // As bash shows a command interrupted on its terminal.
      this.io.write("^C\r\n");
      return { status: 130, errexit: false, timedOut: false, durationMs };
    }
    return {
      status: found.step.status,
      errexit: found.step.errexit,
      timedOut: found.step.timedOut,
      durationMs,
    };
  }
}
