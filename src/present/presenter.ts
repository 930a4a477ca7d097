import type { Output } from "../cli/io.js";
import type { KeyAction } from "../walk/walker.js";
import { type KeyMeaning, type Keys, meaningOf } from "./keys.js";

/** The delay range between typed characters, in milliseconds. */
export interface Typing {
  readonly minMs: number;
  readonly maxMs: number;
}

export const DEFAULT_TYPING: Typing = { minMs: 10, maxMs: 100 };

/** Reads `--typing-speed`: `MIN-MAX` or a single number of milliseconds per character. */
export function parseTyping(text: string): Typing | undefined {
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*(?:-\s*([0-9]+(?:\.[0-9]+)?))?\s*$/.exec(text);
  if (!match) return undefined;
  const minMs = Number(match[1]);
  const maxMs = match[2] === undefined ? minMs : Number(match[2]);
  return maxMs >= minMs ? { minMs, maxMs } : undefined;
}

/** With `--fallback`: the key that plays the recorded output of a command instead of running it. */
export const RECORDED_KEY = "R";

/** What the presenter chose for a command: a key action, or its recorded output. */
export type Choice = KeyAction | "recorded";

type Meaning = KeyMeaning | "recorded";

/** Types commands out and waits for the presenter's keys. */
export class Presenter {
  constructor(
    private readonly out: Output,
    private readonly keys: Keys,
    private readonly random: () => number,
    private readonly typing: Typing,
    /** Does RECORDED_KEY choose the recorded output (a run with a recording behind it)? */
    private readonly recordedKey = false,
  ) {}

  private meaning(key: string | undefined): Meaning | undefined {
    if (key === undefined) return undefined;
    if (this.recordedKey && key === RECORDED_KEY) return "recorded";
    return meaningOf(key);
  }

  /**
   * Writes `prompt` then `text` a character at a time. A presenter key ends the
   * typing at once (the rest is written in one go, except for `Q`); other keys
   * are ignored. Returns what the key meant, if one was pressed.
   */
  async typeOut(prompt: string, text: string, suffix: string): Promise<Meaning | undefined> {
    this.keys.take();
    this.out.write(prompt);
    let meaning: Meaning | undefined;
    const chars = Array.from(text);
    for (let i = 0; i < chars.length; i++) {
      this.out.write(chars[i] as string);
      const delay = this.typing.minMs + this.random() * (this.typing.maxMs - this.typing.minMs);
      const pressed = this.meaning(await this.keys.next(delay));
      if (pressed !== undefined) {
        meaning = pressed;
        if (pressed !== "quit") this.out.write(chars.slice(i + 1).join(""));
        break;
      }
    }
    this.out.write(suffix);
    return meaning;
  }

  /** Waits for a presenter key; SPACE and RETURN both mean "run". */
  async waitKey(): Promise<KeyAction> {
    const choice = await this.waitChoice(false);
    return choice === "recorded" ? "run" : choice;
  }

  private async waitChoice(recorded: boolean): Promise<Choice> {
    this.keys.take();
    for (;;) {
      const meaning = this.meaning(await this.keys.next());
      if (meaning === "finish") return "run";
      if (meaning === "recorded" && !recorded) continue;
      if (meaning !== undefined) return meaning;
    }
  }

  /**
   * Shows a command as demosh does: typed out (or all at once), then a wait if
   * asked for; returns what the presenter chose.
   */
  async present(
    prompt: string,
    shown: string,
    typed: boolean,
    waitBefore: boolean,
  ): Promise<Choice> {
    let meaning: Meaning | undefined;
    if (typed) meaning = await this.typeOut(prompt, shown, waitBefore ? "" : "\n");
    else this.out.write(`${prompt}${shown}`);
    if ((meaning === undefined || meaning === "finish") && waitBefore) {
      meaning = await this.waitChoice(true);
    }
    if (waitBefore || !typed) this.out.write("\n");
    return meaning === undefined || meaning === "finish" ? "run" : meaning;
  }

  /** Lets commands have the terminal. */
  release(): void {
    this.keys.release();
  }
}
