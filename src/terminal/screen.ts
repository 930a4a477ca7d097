import type { Output } from "../cli/io.js";

/** Told about everything the audience sees, as a terminal receives it. */
export type ScreenListener = (data: string) => void;
/** Told when the size of the screen changes. */
export type ResizeListener = (columns: number, rows: number) => void;

/**
 * What the audience sees, in one place: the runner's own writes (commentary,
 * typing, notices) and the output of the shell's terminal. Listeners (the
 * recorder, a status line) see the same stream, in order, with the line ends a
 * terminal shows (`\r\n`).
 */
export class Screen {
  private readonly listeners = new Set<ScreenListener>();
  private readonly resizeListeners = new Set<ResizeListener>();
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

  /** The window changed size. */
  resized(columns: number, rows: number): void {
    if (columns === this.columns_ && rows === this.rows_) return;
    this.columns_ = columns;
    this.rows_ = rows;
    for (const listener of this.resizeListeners) listener(columns, rows);
  }

  /** Output of the shell's terminal (already with a terminal's line ends). */
  terminalOutput(data: string): void {
    this.stdout.write(this.terminal ? data : data.replaceAll("\r\n", "\n"));
    this.emit(data);
  }

  private runnerWrite(target: Output, text: string): void {
    target.write(text);
    this.emit(text.replace(/(?<!\r)\n/g, "\r\n"));
  }

  private emit(data: string): void {
    for (const listener of this.listeners) listener(data);
  }
}
