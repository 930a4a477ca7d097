import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";

/** The first line of an asciicast v2 file. */
export interface CastHeader {
  readonly version: 2;
  readonly width: number;
  readonly height: number;
  readonly timestamp?: number;
  readonly idle_time_limit?: number;
  readonly title?: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** One event: output (`o`), input (`i`), a marker (`m`) or a resize (`r`, "COLSxROWS"). */
export type CastEvent = readonly [time: number, code: string, data: string];

export interface Cast {
  readonly header: CastHeader;
  readonly events: readonly CastEvent[];
}

export type CastRead = { readonly ok: true; readonly cast: Cast } | { ok: false; reason: string };

/** Reads asciicast v2 text; a last line cut short (a recording that crashed) is ignored. */
export function parseCast(text: string): CastRead {
  const lines = text.split("\n");
  let header: CastHeader;
  try {
    header = JSON.parse(lines[0] ?? "") as CastHeader;
  } catch {
    return { ok: false, reason: "the first line is not an asciicast header" };
  }
  if (header === null || typeof header !== "object" || header.version !== 2) {
    return { ok: false, reason: "it is not an asciicast v2 recording (version 2)" };
  }
  const events: CastEvent[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === "") continue;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      if (i === lines.length - 1 || (i === lines.length - 2 && lines[i + 1] === "")) break;
      return { ok: false, reason: `line ${i + 1} is not a JSON event` };
    }
    if (
      !Array.isArray(event) ||
      typeof event[0] !== "number" ||
      typeof event[1] !== "string" ||
      typeof event[2] !== "string"
    ) {
      return { ok: false, reason: `line ${i + 1} is not an event [time, code, data]` };
    }
    events.push([event[0], event[1], event[2]]);
  }
  return { ok: true, cast: { header, events } };
}

/**
 * Appends JSON lines to `FILE.partial` as they come (a crash leaves every line
 * written so far), and only on `finish()` renames it over `FILE`: an older file
 * is replaced whole or not at all.
 */
export class LineFile {
  private fd: number | undefined;
  readonly partial: string;

  constructor(readonly target: string) {
    this.partial = `${target}.partial`;
    this.fd = openSync(this.partial, "w", 0o644);
  }

  line(value: unknown): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${JSON.stringify(value)}\n`);
  }

  finish(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    renameSync(this.partial, this.target);
  }

  /** Forgets what was written, leaving `FILE` as it was. */
  discard(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.partial, { force: true });
  }
}

/** An asciicast v2 recording, written as the run goes. */
export class CastWriter {
  private readonly file: LineFile;
  /** Microseconds: the time of the last event, and the bound the next must pass. */
  private last = 0;
  private above = -1;

  constructor(
    target: string,
    header: CastHeader,
    private readonly now: () => number,
    private readonly started: number,
  ) {
    this.file = new LineFile(target);
    this.file.line(header);
  }

  private micros(): number {
    return Math.max(0, Math.round((this.now() - this.started) * 1000));
  }

  /** Seconds since the recording started, for the next event: never before the last. */
  time(): number {
    this.last = Math.max(this.micros(), this.last, this.above + 1);
    return this.last / 1_000_000;
  }

  /**
   * A time strictly between every event written so far and every event to come,
   * so that a span between two boundaries holds exactly the events written in it.
   */
  boundary(): number {
    this.last = Math.max(this.micros(), this.last + 1, this.above + 1);
    this.above = this.last;
    return this.last / 1_000_000;
  }

  output(data: string): void {
    if (data !== "") this.file.line([this.time(), "o", data]);
  }

  marker(label: string): void {
    this.file.line([this.time(), "m", label]);
  }

  resize(columns: number, rows: number): void {
    this.file.line([this.time(), "r", `${columns}x${rows}`]);
  }

  finish(): void {
    this.file.finish();
  }

  discard(): void {
    this.file.discard();
  }
}
