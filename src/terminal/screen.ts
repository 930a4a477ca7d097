import type { Output } from "../util/output.js";

/** Told about everything the audience sees, as a terminal receives it. */
export type ScreenListener = (data: string) => void;
/** Told when the size of the screen changes. */
export type ResizeListener = (columns: number, rows: number) => void;
/**
 * Told when the shell's terminal switches to the alternate screen (a full-screen program
 * starts) or back: just before the switch to it is written, and just after the switch back,
 * so that what a listener writes meanwhile lands on the ordinary screen.
 */
export type AlternateListener = (alternate: boolean) => void;

/** A DEC private mode set or reset; modes 47, 1047 and 1049 are the alternate screen. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape is what is looked for
const PRIVATE_MODE = /\u001b\[\?([0-9;]*)([hl])/g;
/** The unfinished start of one, at the end of a piece of output. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape is what is looked for
const PARTIAL_MODE = /\u001b(?:\[(?:\?[0-9;]*)?)?$/;
const ALTERNATE_MODES = new Set(["47", "1047", "1049"]);

/**
 * What the audience sees, in one place: the runner's own writes (commentary,
 * typing, notices) and the output of the shell's terminal. Listeners (the
 * recorder, a status line) see the same stream, in order, with the line ends a
 * terminal shows (`\r\n`).
 */
export class Screen {
  private readonly listeners = new Set<ScreenListener>();
  private readonly resizeListeners = new Set<ResizeListener>();
  private readonly alternateListeners = new Set<AlternateListener>();
  private alternate_ = false;
  /** The start of a mode sequence the last output ended with. */
  private modeCarry = "";
  /** The runner's standard output, as the run writes to it. */
  readonly out: Output;
  /** The runner's standard error, as the run writes to it. */
  readonly err: Output;

  /**
   * `terminal`: is standard output a terminal? When it is not (a CI log), the
   * shell terminal's `\r\n` line ends are written as `\n`.
   */
  constructor(
    private readonly stdout: Output,
    stderr: Output,
    private columns_: number,
    private rows_: number,
    private readonly terminal: boolean,
  ) {
    this.out = { write: (text) => this.runnerWrite(this.stdout, text) };
    this.err = { write: (text) => this.runnerWrite(stderr, text) };
  }

  get columns(): number {
    return this.columns_;
  }

  get rows(): number {
    return this.rows_;
  }

  /** Listens to everything shown; returns how to stop. */
  onOutput(listener: ScreenListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onResize(listener: ResizeListener): () => void {
    this.resizeListeners.add(listener);
    return () => this.resizeListeners.delete(listener);
  }

  /** Is a full-screen program (the alternate screen) showing? */
  get alternate(): boolean {
    return this.alternate_;
  }

  onAlternate(listener: AlternateListener): () => void {
    this.alternateListeners.add(listener);
    return () => this.alternateListeners.delete(listener);
  }

  /** The window changed size. */
  resized(columns: number, rows: number): void {
    if (columns === this.columns_ && rows === this.rows_) return;
    this.columns_ = columns;
    this.rows_ = rows;
    for (const listener of this.resizeListeners) listener(columns, rows);
  }

  /** Output of the shell's terminal (already with a terminal's line ends). */
  terminalOutput(data: string): void {
    const text = this.modeCarry + data;
    // A sequence begun in the last piece was written already: it is acted on once complete.
    const carried = this.modeCarry.length;
    this.modeCarry = PARTIAL_MODE.exec(text)?.[0] ?? "";
    let written = 0;
    for (const match of text.matchAll(PRIVATE_MODE)) {
      const modes = (match[1] ?? "").split(";");
      const on = match[2] === "h";
      if (on === this.alternate_ || !modes.some((m) => ALTERNATE_MODES.has(m))) continue;
      const start = match.index - carried;
      const end = start + match[0].length;
      const at = on && start >= 0 ? start : end;
      this.terminalWrite(data.slice(written, at));
      written = at;
      this.alternate_ = on;
      for (const listener of this.alternateListeners) listener(on);
    }
    this.terminalWrite(data.slice(written));
    this.emit(data);
  }

  private terminalWrite(data: string): void {
    if (data === "") return;
    this.stdout.write(this.terminal ? data : data.replaceAll("\r\n", "\n"));
  }

  private runnerWrite(target: Output, text: string): void {
    target.write(text);
    this.emit(text.replace(/(?<!\r)\n/g, "\r\n"));
  }

  private emit(data: string): void {
    for (const listener of this.listeners) listener(data);
  }
}
