import type { KeyAction } from "../walk/walker.js";

/** What a key means to the presenter; SPACE finishes typing (and runs at a wait). */
export type KeyMeaning = KeyAction | "finish";

/** Presenter keys: RETURN, SPACE, `-`, `+` and capital `Q`. Anything else is ignored. */
export function meaningOf(key: string): KeyMeaning | undefined {
  switch (key) {
    case "\r":
    case "\n":
      return "run";
    case " ":
      return "finish";
    case "-":
      return "back";
    case "+":
      return "skip";
    case "Q":
      return "quit";
    default:
      return undefined;
  }
}

/** Where the presenter's keys come from. */
export interface Keys {
  /** Start taking keys (raw mode): nothing typed reaches the screen or the shell. */
  take(): void;
  /**
   * The next key (one character), or undefined when `timeoutMs` passes first.
   * Without a timeout, waits until a key comes.
   */
  next(timeoutMs?: number): Promise<string | undefined>;
  /** Give the terminal back (canonical mode, echo) and forget keys not yet read. */
  release(): void;
  /** Forget keys typed while a command ran, without waiting: only those already there. */
  drop(): void;
}

/** The bits of a TTY input stream that reading keys needs. */
export interface KeyInput {
  setRawMode(mode: boolean): unknown;
  resume(): unknown;
  pause(): unknown;
  on(event: "data", listener: (data: Buffer | string) => void): unknown;
  off(event: "data", listener: (data: Buffer | string) => void): unknown;
}

/** Keys read from a terminal in raw mode. */
export class TerminalKeys implements Keys {
  private queue: string[] = [];
  private waiter: ((key: string | undefined) => void) | undefined;
  private taken = false;
  private readonly onData = (data: Buffer | string): void => {
    for (const key of Array.from(data.toString())) {
      if (this.waiter) {
        const resolve = this.waiter;
        this.waiter = undefined;
        resolve(key);
      } else {
        this.queue.push(key);
      }
    }
  };

  /**
   * `drain` reads, without blocking, whatever the terminal holds for its reader; it
   * runs in raw mode, where keys typed without RETURN can be read too.
   */
  constructor(
    private readonly input: KeyInput,
    private readonly drain: () => void = () => {},
  ) {}

  drop(): void {
    if (this.taken) {
      this.queue = [];
      return;
    }
    this.input.setRawMode(true);
    try {
      this.drain();
    } finally {
      this.input.setRawMode(false);
    }
  }

  take(): void {
    if (this.taken) return;
    this.taken = true;
    this.input.setRawMode(true);
    this.input.on("data", this.onData);
    this.input.resume();
  }

  next(timeoutMs?: number): Promise<string | undefined> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.waiter = (key) => {
        if (timer) clearTimeout(timer);
        resolve(key);
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.waiter = undefined;
          resolve(undefined);
        }, timeoutMs);
      }
    });
  }

  release(): void {
    if (!this.taken) return;
    this.taken = false;
    this.input.off("data", this.onData);
    this.input.pause();
    this.input.setRawMode(false);
    this.queue = [];
  }
}
