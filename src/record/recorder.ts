import type { RunEvent } from "../run/events.js";
import type { Screen } from "../terminal/screen.js";
import { CastWriter, LineFile } from "./asciicast.js";
import { headingsOf } from "./headings.js";
import { type RecordedStep, STEPS_HEADER, stepsFileOf } from "./steps.js";

/** A player compresses pauses longer than this (seconds): a presenter's thinking time. */
export const IDLE_TIME_LIMIT = 2;

export interface RecordingStart {
  /** Where the recording goes (`talk.cast`; its steps go to `talk.cast.steps`). */
  readonly target: string;
  readonly title: string;
  readonly term: string;
  readonly now: () => number;
}

/**
 * Records what the audience sees, as asciicast v2, and where each command's
 * output is in it: every heading of the commentary becomes a marker (a chapter),
 * every command a line of the step list.
 */
export class Recorder {
  private readonly cast: CastWriter;
  private readonly steps: LineFile;
  private readonly unsubscribe: (() => void)[];
  private started: number | undefined;
  private shown: string | undefined;
  private finished = false;
  /** How many commands have been recorded. */
  commands = 0;

  constructor(screen: Screen, start: RecordingStart) {
    const now = start.now();
    this.cast = new CastWriter(
      start.target,
      {
        version: 2,
        width: screen.columns,
        height: screen.rows,
        timestamp: Math.floor(now / 1000),
        idle_time_limit: IDLE_TIME_LIMIT,
        title: start.title,
        env: { TERM: start.term },
      },
      start.now,
      now,
    );
    this.steps = new LineFile(stepsFileOf(start.target));
    this.steps.line(STEPS_HEADER);
    this.unsubscribe = [
      screen.onOutput((data) => this.cast.output(data)),
      screen.onResize((columns, rows) => this.cast.resize(columns, rows)),
    ];
  }

  readonly listen = (event: RunEvent): void => {
    if (event.kind === "commentary") {
      if (event.step.format !== "markdown") return;
      for (const heading of headingsOf(event.text)) this.cast.marker(heading);
    } else if (event.kind === "command-start") {
      this.started = this.cast.boundary();
      this.shown = event.shown;
    } else {
      const p = event.p;
      const step: RecordedStep = {
        file: p.step.loc.file,
        line: p.step.loc.line,
        command: p.text,
        ...(this.shown === undefined ? {} : { shown: this.shown }),
        start: this.started ?? this.cast.boundary(),
        end: this.cast.boundary(),
        status: event.result.status,
        errexit: event.result.errexit,
        timedOut: event.result.timedOut,
      };
      this.steps.line(step);
      this.commands++;
      this.started = undefined;
      this.shown = undefined;
    }
  };

  /** Puts the finished recording in place (over any older one). */
  finish(): void {
    if (this.end()) return;
    this.steps.finish();
    this.cast.finish();
  }

  /** Throws the recording away, leaving any older one in place. */
  discard(): void {
    if (this.end()) return;
    this.steps.discard();
    this.cast.discard();
  }

  private end(): boolean {
    const already = this.finished;
    this.finished = true;
    for (const stop of this.unsubscribe) stop();
    return already;
  }
}
