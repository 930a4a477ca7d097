import { constants } from "node:os";
import { stripVTControlCharacters } from "node:util";
import type { IPty } from "@lydell/node-pty";
import { type KeyInput, TerminalKeys } from "../present/keys.js";
import { type BashOptions, BashSession, type Launch } from "../session/bash.js";
import type { RunOptions, ShellRun } from "../session/shell.js";
import type { PtyModule } from "./pty.js";
import type { Screen } from "./screen.js";

/**
 * What bash writes to its terminal after each command (an operating-system
 * command no terminal acts on). Seeing it means all of the command's output has
 * been read, so nothing the runner writes next can overtake it.
 */
export const DONE_MARK = "\u001b]6973;demoshts-done\u0007";

/** How long to wait for the mark after bash has answered (it cannot be written when /dev/tty is gone). */
const MARK_WAIT_MS = 250;
/** How long a possible start of the mark is held back before it is shown after all. */
const HOLD_MS = 30;

/** How much of a command's output is kept for reports. */
const KEPT_OUTPUT = 64 * 1024;

type DataListener = (data: Buffer | string) => void;

/** One line as a terminal leaves it: a carriage return or backspace moves back over it. */
function lineShown(line: string): string {
  const cells: string[] = [];
  let column = 0;
  for (const char of line) {
    if (char === "\r") column = 0;
    else if (char === "\b") column = Math.max(0, column - 1);
    else if (char === "\t" || (char >= " " && char !== "\u007f")) cells[column++] = char;
  }
  return cells.join("").trimEnd();
}

/** What a terminal shows for `raw` output, as plain text: escape codes out, lines as they end up. */
export function shownText(raw: string): string {
  return stripVTControlCharacters(raw).split("\n").map(lineShown).join("\n");
}

function signalName(signal: number): string {
  const entry = Object.entries(constants.signals).find(([, n]) => n === signal);
  return entry ? entry[0] : `signal ${signal}`;
}

/**
 * The pseudo-terminal between bash and the screen. The real terminal stays in
 * raw mode for the whole run: while a command runs every key goes to the pty (so
 * Ctrl-C reaches the foreground job through the pty's line discipline, and
 * `read`, `less` or `vim` get what is typed); between commands the keys are the
 * presenter's. The pty's output goes to the screen; window resizes follow.
 */
export class PtyTerminal {
  private term: IPty | undefined;
  private forwarding = false;
  private dropping = false;
  private dropInterrupt: (() => void) | undefined;
  private keyListener: DataListener | undefined;
  /** Keys typed while neither the presenter nor a command took them. */
  private unclaimed: string[] = [];
  private carry = "";
  private holdTimer: NodeJS.Timeout | undefined;
  private marks = 0;
  private markWaiters = new Set<() => void>();
  private reserved = 0;
  /** What bash's terminal showed from `keep()` to the next mark, for a report. */
  private kept = "";
  private keeping = false;
  private readonly stopResize: () => void;
  private readonly onInput = (data: Buffer | string): void => this.input_(data.toString());
  /** The presenter's keys, read from the real terminal (undefined without one). */
  readonly keys: TerminalKeys | undefined;

  constructor(
    private readonly pty: PtyModule,
    private readonly screen: Screen,
    private readonly input: KeyInput | undefined,
    private readonly termName: string,
  ) {
    this.keys = input
      ? new TerminalKeys({
          setRawMode: () => undefined,
          resume: () => undefined,
          pause: () => undefined,
          on: (_event, listener) => {
            this.keyListener = listener;
            const waiting = this.unclaimed.join("");
            this.unclaimed = [];
            if (waiting !== "") listener(waiting);
          },
          off: () => {
            this.keyListener = undefined;
          },
        })
      : undefined;
    this.stopResize = screen.onResize(() => this.fit());
  }

  /** Takes the real terminal: raw mode, every key read from now on. */
  start(): void {
    if (!this.input) return;
    this.input.setRawMode(true);
    this.input.on("data", this.onInput);
    this.input.resume();
  }

  /** Gives the real terminal back (the caller restores its settings). */
  stop(): void {
    this.stopResize();
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.flushCarry();
    if (!this.input) return;
    this.input.off("data", this.onInput);
    this.input.pause();
    try {
      this.input.setRawMode(false);
    } catch {
      // The terminal is already gone.
    }
  }

  /** Starts bash on a new pty of the screen's size (less any reserved rows). */
  readonly launch: Launch = (file, args, options) => {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.env)) {
      if (value !== undefined) env[key] = value;
    }
    const term = this.pty.spawn(file, [...args], {
      name: this.termName,
      cols: Math.max(1, this.screen.columns),
      rows: this.ptyRows(),
      cwd: options.cwd,
      env,
    });
    this.term = term;
    term.onData((data) => this.output(data));
    return {
      pid: term.pid,
      kill: (signal) => {
        try {
          term.kill(signal);
        } catch {
          // Already gone.
        }
      },
      onExit: (listener) => {
        term.onExit(({ exitCode, signal }) => {
          this.flushCarry();
          if (signal) listener(null, signalName(signal));
          else listener(exitCode, null);
        });
      },
      onError: () => undefined,
    };
  };

  /**
   * Keeps `rows` rows of the screen for something other than the shell (a status
   * line): the pty gets that many rows fewer, so programs lay themselves out above.
   */
  reserveRows(rows: number): void {
    this.reserved = Math.max(0, rows);
    this.fit();
  }

  /** Keeps what bash's terminal shows from now to the next mark (its end), for a report. */
  keep(): void {
    this.kept = "";
    this.keeping = true;
  }

  /** What was kept, as plain text; keeping stops. */
  takeKept(): string {
    const raw = this.kept;
    this.kept = "";
    this.keeping = false;
    return shownText(raw);
  }

  /** How many commands have finished showing their output. */
  get marksSeen(): number {
    return this.marks;
  }

  /** Sends keys to the pty (while a command runs) or to the presenter. */
  forward(on: boolean): void {
    this.forwarding = on;
    if (on && this.unclaimed.length > 0) {
      const waiting = this.unclaimed.join("");
      this.unclaimed = [];
      this.term?.write(waiting);
    }
  }

  /**
   * Drops every key typed meanwhile (while recorded output plays, nothing reads them),
   * but Ctrl-C, which calls `interrupt`.
   */
  dropKeys(on: boolean, interrupt?: () => void): void {
    this.dropping = on;
    this.dropInterrupt = on ? interrupt : undefined;
    if (on) this.unclaimed = [];
  }

  /** Resolves when `count` marks have been seen, or after `timeoutMs`. */
  waitForMark(count: number, timeoutMs = MARK_WAIT_MS): Promise<void> {
    if (this.marks >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        if (this.marks < count && !timedOut) return;
        clearTimeout(timer);
        this.markWaiters.delete(done);
        resolve();
      };
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        done();
      }, timeoutMs);
      this.markWaiters.add(done);
    });
  }

  private ptyRows(): number {
    return Math.max(1, this.screen.rows - this.reserved);
  }

  private fit(): void {
    try {
      this.term?.resize(Math.max(1, this.screen.columns), this.ptyRows());
    } catch {
      // The pty has closed.
    }
  }

  private input_(data: string): void {
    if (this.dropping) {
      if (data.includes("\u0003")) this.dropInterrupt?.();
      return;
    }
    if (this.forwarding && this.term) this.term.write(data);
    else if (this.keyListener) this.keyListener(data);
    else this.unclaimed.push(data);
  }

  private output(chunk: string): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    let text = this.carry + chunk;
    this.carry = "";
    for (let at = text.indexOf(DONE_MARK); at >= 0; at = text.indexOf(DONE_MARK)) {
      this.show(text.slice(0, at));
      text = text.slice(at + DONE_MARK.length);
      this.keeping = false;
      this.marks++;
      for (const waiter of [...this.markWaiters]) waiter();
    }
    let keep = 0;
    for (let n = Math.min(DONE_MARK.length - 1, text.length); n > 0; n--) {
      if (DONE_MARK.startsWith(text.slice(text.length - n))) {
        keep = n;
        break;
      }
    }
    this.show(text.slice(0, text.length - keep));
    this.carry = text.slice(text.length - keep);
    if (this.carry !== "") this.holdTimer = setTimeout(() => this.flushCarry(), HOLD_MS);
  }

  private flushCarry(): void {
    const text = this.carry;
    this.carry = "";
    this.show(text);
  }

  private show(text: string): void {
    if (text === "") return;
    this.screen.terminalOutput(text);
    if (!this.keeping) return;
    let kept = this.kept + text;
    if (kept.length > KEPT_OUTPUT) {
      // Cut at a line's start, where no escape sequence can be cut in two.
      kept = kept.slice(-KEPT_OUTPUT);
      kept = kept.slice(kept.indexOf("\n") + 1);
    }
    this.kept = kept;
  }
}

/**
 * The bash session of a run on a pseudo-terminal: the same loop and the same
 * request/answer protocol as the direct session; only bash's terminal differs.
 */
export class PtySession extends BashSession {
  /**
   * `keepOutput`: keep the end of each command's output for reports, from what its terminal
   * shows (the pty is a terminal either way, so keeping it changes nothing for the command).
   */
  constructor(
    options: BashOptions,
    private readonly terminal: PtyTerminal,
    private readonly keepOutput = false,
  ) {
    // Output is kept from the pty here: passing it through pipes has no place on a terminal.
    const { tee: _piped, ...rest } = options;
    super({ ...rest, launch: terminal.launch, doneMark: DONE_MARK });
  }

  override async run(command: string, options?: RunOptions): Promise<ShellRun> {
    const seen = this.terminal.marksSeen;
    if (this.keepOutput) this.terminal.keep();
    this.terminal.forward(true);
    try {
      const run = await super.run(command, options);
      if (!run.ended) await this.terminal.waitForMark(seen + 1);
      return this.keepOutput ? { ...run, output: this.terminal.takeKept() } : run;
    } finally {
      this.terminal.forward(false);
      if (this.keepOutput) this.terminal.takeKept();
    }
  }
}
