import type { IPty } from "@lydell/node-pty";
import { describe, expect, it } from "vitest";
import type { KeyInput } from "../../src/present/keys.js";
import { Screen } from "../../src/terminal/screen.js";
import { DONE_MARK, PtyTerminal, shownText } from "../../src/terminal/session.js";

/** A pty that records what is written to it and lets the test play its output. */
function fakePty() {
  const written: string[] = [];
  const sizes: [number, number][] = [];
  let onData: (data: string) => void = () => {};
  const term = {
    pid: 1,
    write: (data: string) => written.push(data),
    resize: (cols: number, rows: number) => sizes.push([cols, rows]),
    onData: (listener: (data: string) => void) => {
      onData = listener;
    },
    onExit: () => {},
    kill: () => {},
  };
  const module = {
    spawn: (_file: string, _args: string[], options: { cols?: number; rows?: number }) => {
      sizes.push([options.cols ?? 0, options.rows ?? 0]);
      return term as unknown as IPty;
    },
  };
  return { module, written, sizes, emit: (data: string) => onData(data) };
}

function fakeInput() {
  let listener: (data: Buffer | string) => void = () => {};
  const modes: boolean[] = [];
  const input: KeyInput = {
    setRawMode: (mode) => modes.push(mode),
    resume: () => {},
    pause: () => {},
    on: (_event, l) => {
      listener = l;
    },
    off: () => {},
  };
  return { input, modes, type: (keys: string) => listener(keys) };
}

function setUp(tty = true) {
  const out: string[] = [];
  const seen: string[] = [];
  const screen = new Screen({ write: (t) => out.push(t) }, { write: () => {} }, 100, 30, tty);
  screen.onOutput((d) => seen.push(d));
  const pty = fakePty();
  const keys = fakeInput();
  const terminal = new PtyTerminal(pty.module, screen, keys.input, "xterm");
  terminal.launch("bash", [], { cwd: "/", env: {} });
  return { out, seen, screen, pty, keys, terminal };
}

describe("the screen", () => {
  it("shows listeners the runner's lines with a terminal's line ends", () => {
    const { screen, seen, out } = setUp();
    screen.out.write("one\ntwo\r\n");
    expect(out).toEqual(["one\ntwo\r\n"]);
    expect(seen).toEqual(["one\r\ntwo\r\n"]);
  });

  it("tells of a full-screen program just before its screen opens and just after it closes", () => {
    const { out, screen, pty } = setUp();
    screen.onAlternate((on) => out.push(on ? "<away>" : "<back>"));
    pty.emit("a\u001b[?1049h\u001b[Hfull");
    expect(screen.alternate).toBe(true);
    pty.emit("more\u001b[?1;1049lb");
    expect(out).toEqual([
      "a",
      "<away>",
      "\u001b[?1049h\u001b[Hfull",
      "more\u001b[?1;1049l",
      "<back>",
      "b",
    ]);
    pty.emit("\u001b[?2004h\u001b[?47h\u001b[?47h");
    expect(out.slice(6)).toEqual(["\u001b[?2004h", "<away>", "\u001b[?47h\u001b[?47h"]);
  });

  it("tells of a switch split across reads once it is complete", () => {
    const { out, screen, pty } = setUp();
    const told: boolean[] = [];
    screen.onAlternate((on) => told.push(on));
    pty.emit("x\u001b[?10");
    expect(told).toEqual([]);
    pty.emit("47hy\u001b");
    expect(told).toEqual([true]);
    pty.emit("[?1047l");
    expect(told).toEqual([true, false]);
    expect(out.join("")).toBe("x\u001b[?1047hy\u001b[?1047l");
  });

  it("writes the pty's lines to a log (not a terminal) with plain line ends", () => {
    const { out, seen, pty } = setUp(false);
    pty.emit("a\r\nb\r\n");
    expect(out).toEqual(["a\nb\n"]);
    expect(seen).toEqual(["a\r\nb\r\n"]);
  });
});

describe("the pty between bash and the screen", () => {
  it("takes out the mark after each command, even split across reads, and counts it", async () => {
    const { out, pty, terminal } = setUp();
    const cut = 5;
    pty.emit(`output\r\n${DONE_MARK.slice(0, cut)}`);
    expect(terminal.marksSeen).toBe(0);
    const waited = terminal.waitForMark(1, 5_000);
    pty.emit(`${DONE_MARK.slice(cut)}next`);
    await waited;
    expect(terminal.marksSeen).toBe(1);
    expect(out.join("")).toBe("output\r\nnext");
  });

  it("shows a held-back escape that turns out not to be the mark", async () => {
    const { out, pty } = setUp();
    pty.emit("x\u001b");
    expect(out.join("")).toBe("x");
    pty.emit("[1mbold");
    expect(out.join("")).toBe("x\u001b[1mbold");
  });

  it("sends keys to the command while one runs, to the presenter otherwise", async () => {
    const { pty, keys, terminal } = setUp();
    terminal.start();
    expect(keys.modes).toEqual([true]);
    const presenter = terminal.keys;
    presenter?.take();
    keys.type("+");
    expect(await presenter?.next(1_000)).toBe("+");
    presenter?.release();
    terminal.forward(true);
    keys.type("\u0003y\r");
    expect(pty.written).toEqual(["\u0003y\r"]);
    terminal.forward(false);
    presenter?.take();
    keys.type("\r");
    expect(await presenter?.next(1_000)).toBe("\r");
    terminal.stop();
    expect(keys.modes).toEqual([true, false]);
  });

  it("keeps what a command showed, as plain text, only while asked to", () => {
    const { out, pty, terminal } = setUp();
    pty.emit("before\r\n");
    terminal.keep();
    pty.emit("\u001b[32mok\u001b[0m\r\n10%\r100%\r\nab\bc\u001b]0;title\u0007\r\n");
    pty.emit(`${DONE_MARK}after`);
    expect(terminal.takeKept()).toBe("ok\n100%\nac\n");
    expect(terminal.takeKept()).toBe("");
    expect(out.join("")).toContain("\u001b[32mok\u001b[0m\r\n10%\r100%");
  });

  it("turns a terminal's output into the text it leaves on screen", () => {
    expect(shownText("\u001b(B\u001b[mplain\u001b[K  \r\nwait\rgo\n")).toBe("plain\ngoit\n");
  });

  it("follows the window's size, less the rows kept for something else", () => {
    const { pty, screen, terminal } = setUp();
    expect(pty.sizes).toEqual([[100, 30]]);
    screen.resized(120, 40);
    terminal.reserveRows(1);
    expect(pty.sizes).toEqual([
      [100, 30],
      [120, 40],
      [120, 39],
    ]);
  });
});
