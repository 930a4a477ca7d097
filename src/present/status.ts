import type { Output } from "../util/output.js";

/** What the status line says. */
export interface StatusInfo {
  readonly demo: string;
  readonly step: number;
  readonly total: number | undefined;
  readonly section: string;
  readonly elapsed: string;
  /** `+1:20 behind`, `-0:30 ahead` or `on time`, when a rehearsal was timed. */
  readonly pace: string | undefined;
}

function shorten(text: string, width: number): string {
  const chars = Array.from(text);
  if (chars.length <= width) return text;
  return width <= 1 ? chars.slice(0, width).join("") : `${chars.slice(0, width - 1).join("")}…`;
}

/** One line, at most `width` characters: the section is shortened first. */
export function formatStatus(info: StatusInfo, width: number): string {
  const step = `step ${info.step}/${info.total ?? "?"}`;
  const time = info.pace === undefined ? info.elapsed : `${info.elapsed} (${info.pace})`;
  const fixed = [info.demo, step, time];
  const sep = " │ ";
  const room = width - 2 - fixed.join(sep).length - (info.section ? sep.length : 0);
  const parts =
    info.section && room >= 4
      ? [info.demo, step, shorten(info.section, room), time]
      : [info.demo, step, time];
  return shorten(` ${parts.join(sep)} `, width).padEnd(width);
}

/** The terminal's size, read when needed (it changes when the window is resized). */
export interface Screen {
  rows(): number;
  columns(): number;
  /** Told which row the line holds (undefined: none), to clear it on an abrupt exit. */
  claim?(row: number | undefined): void;
}

const ESC = "\u001b";

/**
 * The status line at the bottom of the screen. The rows above it are the scroll
 * region (DECSTBM), so output scrolls above it and never over it; every change of
 * the region is bracketed by saving and restoring the cursor.
 */
export class StatusLine {
  private shown = false;
  private rows = 0;
  /** A full-screen program has the whole screen: the line is wanted, not drawn. */
  private away = false;

  constructor(
    private readonly out: Output,
    private readonly screen: Screen,
    private readonly text: (width: number) => string,
    /** In a nested demo, the outer demo owns the region and restores the terminal. */
    private readonly nested: boolean,
  ) {}

  get visible(): boolean {
    return this.shown;
  }

  /**
   * Sets the scroll region above the last row and draws the line. `cursorRow` is where
   * the cursor is, when known: on the last row (a command reset the region and wrote
   * there), the screen first scrolls up by one so nothing is lost under the line.
   */
  show(cursorRow?: number): void {
    if (this.away) {
      this.shown = true;
      return;
    }
    const rows = this.screen.rows();
    if (rows < 3) return;
    let codes = "";
    if (this.shown && rows !== this.rows) {
      // After a resize the old line may sit in the middle of the screen: clear it.
      codes += `${ESC}7${ESC}[r${ESC}[${Math.min(this.rows, rows)};1H${ESC}[2K${ESC}8`;
    }
    if (!this.shown || cursorRow === rows) codes += `\n${ESC}[A`;
    this.rows = rows;
    this.shown = true;
    codes += `${ESC}7${ESC}[1;${rows - 1}r${ESC}8`;
    if (!this.nested) this.screen.claim?.(rows);
    this.out.write(codes + this.line());
  }

  private line(): string {
    const width = this.screen.columns();
    return `${ESC}7${ESC}[${this.rows};1H${ESC}[2K${ESC}[7m${this.text(width)}${ESC}[0m${ESC}8`;
  }

  /** Redraws the text (the clock moved, a step began) where the line is. */
  draw(): void {
    if (!this.shown || this.away) return;
    if (this.screen.rows() !== this.rows) this.show();
    else this.out.write(this.line());
  }

  /** Clears the line and gives the whole screen back. */
  hide(): void {
    if (!this.shown) return;
    this.shown = false;
    if (this.nested || this.away) return;
    this.screen.claim?.(undefined);
    this.out.write(`${ESC}7${ESC}[${this.rows};1H${ESC}[2K${ESC}[r${ESC}8`);
  }

  /**
   * A full-screen program is taking the screen (written just before it switches to the
   * alternate screen): the line is cleared and the scroll region released, so the program
   * gets every row; nothing is drawn until `resume`.
   */
  suspend(): void {
    if (this.away) return;
    const shown = this.shown;
    this.hide();
    this.shown = shown;
    this.away = true;
  }

  /** The full-screen program gave the screen back: the line comes back if it was up. */
  resume(): void {
    if (!this.away) return;
    this.away = false;
    if (!this.shown) return;
    this.shown = false;
    this.show();
  }

  toggle(): void {
    if (this.shown) this.hide();
    else this.show();
  }
}
