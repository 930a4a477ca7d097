/** What a live run did, step by step: the material of reports, timings and the status line. */

/** One command that ran, as reports and timings see it. */
export interface CommandRecord {
  readonly file: string;
  readonly line: number;
  readonly command: string;
  /** The last heading before the command ("" before the first one). */
  readonly section: string;
  /** Milliseconds from the start of the run to the start of the command. */
  readonly startMs: number;
  readonly durationMs: number;
  readonly status: number;
  readonly outcome: "passed" | "failed";
  /** What the terminal showed for a failure (without the `demoshts: file:line: ` prefix). */
  readonly message?: string;
  /** The end of the command's output, when it could be captured without changing it. */
  readonly output?: string;
  /** The shown-step number (1-based, nested demos included) when the audience saw it. */
  readonly shown?: number;
  /** Demos run by this command (`$SHELL other.md`), each with its own records. */
  readonly nested?: readonly NestedRun[];
}

/** A nested demo's results, as it hands them to the demo that ran it. */
export interface NestedRun {
  readonly file: string;
  readonly durationMs: number;
  readonly commands: readonly CommandRecord[];
}

const HEADING = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(```|~~~)/;

/** The Markdown headings in a commentary text, with their line offsets, outside code fences. */
export function headingsIn(text: string): { readonly title: string; readonly offset: number }[] {
  const found: { title: string; offset: number }[] = [];
  let fence: string | undefined;
  text.split("\n").forEach((line, offset) => {
    const f = FENCE.exec(line);
    if (f) {
      if (fence === undefined) fence = f[1];
      else if (f[1] === fence) fence = undefined;
      return;
    }
    if (fence !== undefined) return;
    const h = HEADING.exec(line);
    if (h?.[2]) found.push({ title: h[2].trim(), offset });
  });
  return found;
}

/** `m:ss` (or `h:mm:ss`), as a clock on stage shows time. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** The last `lines` lines of a command's output. */
export function tail(text: string, lines = 20): string {
  const all = text.replace(/\n$/, "").split("\n");
  return all.slice(-lines).join("\n");
}
