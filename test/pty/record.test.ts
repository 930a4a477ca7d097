import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import xterm from "@xterm/headless";
import { afterAll, describe, expect, it } from "vitest";
import {
  CLI,
  cleanupDirs,
  killAll,
  type PtyProcess,
  settle,
  startDemo,
  startPty,
  sttySettings,
  workspace,
} from "./harness.js";

// Recording, replay and fallback, driven as a presenter drives them: in a real pty.

const FAST = ["--no-blurb", "--typing-speed", "0"];
const NO_PTY = fileURLToPath(new URL("../helpers/no-pty.mjs", import.meta.url));

// The cases run side by side (each in its own terminal and directory): most of their time is
// spent waiting on the runner. Ctrl-C during a replay, which must land within a recorded pause,
// runs alone. A test that fails leaves its terminal to the end of the file, where all are killed.
afterAll(() => {
  killAll();
  cleanupDirs();
});

type Event = [number, string, string];

/** Reads an asciicast v2 file strictly: every line must be JSON. */
function readCast(file: string): { header: Record<string, unknown>; events: Event[] } {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  expect(lines.pop(), "the file ends with a newline").toBe("");
  const [first, ...rest] = lines.map((l) => JSON.parse(l));
  return { header: first, events: rest as Event[] };
}

function readSteps(file: string): Record<string, unknown>[] {
  const lines = fs.readFileSync(file, "utf8").trim().split("\n");
  return lines.slice(1).map((l) => JSON.parse(l));
}

const plain = (events: Event[]): string =>
  stripVTControlCharacters(
    events
      .filter((e) => e[1] === "o")
      .map((e) => e[2])
      .join(""),
  ).replaceAll("\r", "");

/** The text of each row of a terminal of this size after `data` is written to it. */
async function screenOf(data: string, cols: number, rows: number): Promise<string[]> {
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  await new Promise<void>((resolve) => term.write(data, resolve));
  const buffer = term.buffer.active;
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    lines.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? "");
  }
  term.dispose();
  return lines;
}

function inOrder(text: string, parts: readonly string[]): void {
  let at = 0;
  for (const part of parts) {
    const found = text.indexOf(part, at);
    expect(
      found,
      `${JSON.stringify(part)} after position ${at} in:\n${text}`,
    ).toBeGreaterThanOrEqual(0);
    at = found + part.length;
  }
}

const TALK = [
  "<!-- @SHOW -->",
  "",
  "# The talk",
  "",
  "## Part one",
  "",
  "Words about part one.",
  "",
  "```sh",
  'echo "one-$((1+1))"',
  "```",
  "",
  "## Part two",
  "",
  "```sh",
  "printf 'two-%s\\n' \"$((2+1))\"",
  "```",
  "",
].join("\n");

async function presentTalk(p: PtyProcess): Promise<void> {
  await p.waitFor('$ echo "one-$((1+1))"');
  p.write("\r");
  await p.waitFor("one-2");
  await p.waitFor("$ printf 'two-%s\\n' \"$((2+1))\"");
  p.write("\r");
  await p.waitFor("two-3");
  expect(await p.exited()).toBe(0);
}

describe.concurrent("--record", () => {
  it.concurrent("records a presenter run event by event: headings as markers, every step listed", async () => {
    const cwd = workspace({ "talk.md": TALK });
    const p = startDemo([...FAST, "--record", "talk.cast", "talk.md"], {
      cwd,
      sttyCheck: true,
    });
    await presentTalk(p);
    const { before, after } = sttySettings(cwd);
    expect(after).toBe(before);
    expect(fs.existsSync(path.join(cwd, "talk.cast.partial"))).toBe(false);

    const { header, events } = readCast(path.join(cwd, "talk.cast"));
    expect(header).toMatchObject({ version: 2, width: 100, height: 40, idle_time_limit: 2 });
    expect(header.title).toBe("talk.md");
    for (const [i, event] of events.entries()) {
      expect(event).toHaveLength(3);
      expect(["o", "m"]).toContain(event[1]);
      if (i > 0) expect(event[0]).toBeGreaterThanOrEqual((events[i - 1] as Event)[0]);
    }
    expect(events.filter((e) => e[1] === "m").map((e) => e[2])).toEqual([
      "The talk",
      "Part one",
      "Part two",
    ]);
    // Each marker comes just before its heading is shown (with the commentary it opens).
    for (const label of ["The talk", "Part one", "Part two"]) {
      const marker = events.findIndex((e) => e[1] === "m" && e[2] === label);
      const shown = events.findIndex(
        (e) => e[1] === "o" && stripVTControlCharacters(e[2]).includes(label),
      );
      expect(shown).toBeGreaterThan(marker);
      const between = events.slice(marker + 1, shown);
      expect(between.every((e) => e[1] === "m")).toBe(true);
    }
    inOrder(plain(events), [
      "The talk",
      "Part one",
      "Words about part one.",
      '$ echo "one-$((1+1))"\n',
      "one-2\n",
      "Part two",
      "$ printf 'two-%s\\n' \"$((2+1))\"\n",
      "two-3\n",
    ]);
    // What a terminal shows uses terminal line ends.
    expect(events.filter((e) => e[1] === "o").every((e) => !/(?<!\r)\n/.test(e[2]))).toBe(true);

    const steps = readSteps(path.join(cwd, "talk.cast.steps"));
    expect(steps).toMatchObject([
      { file: "talk.md", line: 10, command: 'echo "one-$((1+1))"', status: 0, errexit: false },
      { file: "talk.md", line: 16, command: "printf 'two-%s\\n' \"$((2+1))\"", status: 0 },
    ]);
    const output = (step: Record<string, unknown>) =>
      events
        .filter((e) => e[1] === "o" && e[0] > Number(step.start) && e[0] < Number(step.end))
        .map((e) => e[2])
        .join("");
    expect(output(steps[0] as Record<string, unknown>)).toBe("one-2\r\n");
    expect(output(steps[1] as Record<string, unknown>)).toBe("two-3\r\n");
  });

  it.concurrent("played into a terminal emulator, the recording leaves the screen the live run left", async () => {
    const cwd = workspace({
      "talk.md": `${TALK}\n\`\`\`sh\nprintf '\\033[1;31mred\\033[0m \\033[2Cmoved\\n'; seq 1 50 | tail -n 3\n\`\`\`\n`,
    });
    const p = startDemo([...FAST, "--record", "talk.cast", "talk.md"], { cwd });
    await p.waitFor('$ echo "one-$((1+1))"');
    p.write("\r");
    await p.waitFor("$ printf 'two");
    p.write("\r");
    await p.waitFor("$ printf '\\033");
    p.write("\r");
    await p.waitFor("50");
    expect(await p.exited()).toBe(0);
    const { header, events } = readCast(path.join(cwd, "talk.cast"));
    const recorded = events
      .filter((e) => e[1] === "o")
      .map((e) => e[2])
      .join("");
    const live = await screenOf(p.raw(), 100, 40);
    expect(live.join("\n")).toContain("red   moved");
    expect(await screenOf(recorded, Number(header.width), Number(header.height))).toEqual(live);
  });

  it.concurrent("records a CI run on a pty of --cols x --rows (default 100x30), commands with file:line", async () => {
    const cwd = workspace({
      "talk.md": `${TALK}\n\`\`\`sh\nstty size\n\`\`\`\n`,
    });
    const p = startDemo(["--ci", "--record", "ci.cast", "talk.md"], { cwd, sttyCheck: true });
    expect(await p.exited()).toBe(0);
    const { before, after } = sttySettings(cwd);
    expect(after).toBe(before);
    const { header, events } = readCast(path.join(cwd, "ci.cast"));
    expect(header).toMatchObject({ version: 2, width: 100, height: 30 });
    expect(events.filter((e) => e[1] === "m").map((e) => e[2])).toEqual([
      "The talk",
      "Part one",
      "Part two",
    ]);
    inOrder(plain(events), [
      "The talk",
      "Words about part one.",
      'talk.md:10 $ echo "one-$((1+1))"\n',
      "one-2\n",
      "Part two",
      "talk.md:16 $ printf",
      "two-3\n",
      "talk.md:20 $ stty size\n",
      "30 100\n",
    ]);
    expect(p.output()).toContain("30 100");
    expect(readSteps(path.join(cwd, "ci.cast.steps")).map((s) => s.line)).toEqual([10, 16, 20]);

    const small = startDemo(
      ["--ci", "--record", "small.cast", "--cols", "80", "--rows", "24", "talk.md"],
      { cwd },
    );
    expect(await small.exited()).toBe(0);
    const smallCast = readCast(path.join(cwd, "small.cast"));
    expect(smallCast.header).toMatchObject({ width: 80, height: 24 });
    expect(plain(smallCast.events)).toContain("24 80\n");
  });

  it.concurrent("keeps what was recorded when the run dies, and leaves the older recording whole", async () => {
    const cwd = workspace({ "talk.md": TALK, "talk.cast": "the older recording\n" });
    const p = startDemo([...FAST, "--record", "talk.cast", "talk.md"], { cwd });
    await p.waitFor('$ echo "one-$((1+1))"');
    p.write("\r");
    await p.waitFor("one-2");
    await p.waitFor("$ printf");
    p.kill("SIGKILL");
    await p.exited();
    expect(fs.readFileSync(path.join(cwd, "talk.cast"), "utf8")).toBe("the older recording\n");
    const { header, events } = readCast(path.join(cwd, "talk.cast.partial"));
    expect(header.version).toBe(2);
    expect(plain(events)).toContain("one-2\n");
    expect(readSteps(path.join(cwd, "talk.cast.steps.partial"))).toHaveLength(1);
  });
});

/** Records TALK-like `demo` in `cwd` as talk.cast, pressing RETURN at every command. */
async function record(cwd: string, commands: readonly string[]): Promise<void> {
  const p = startDemo([...FAST, "--record", "talk.cast", "demo.md"], { cwd });
  for (const command of commands) {
    await p.waitFor(`$ ${command}`);
    p.write("\r");
  }
  expect(await p.exited()).toBe(0);
}

const md = (...commands: string[]): string =>
  ["<!-- @SHOW -->", "", "# Demo", "", "```sh", ...commands, "```", ""].join("\n");

it.concurrent("follows window resizes: programs see the new size, the recording notes it", async () => {
  // The window's new size reaches the runner as a signal, in its own time: the command waits.
  const wait = 'until [ "$(stty size)" = "50 120" ]; do sleep 0.05; done; echo "now $(stty size)"';
  const cwd = workspace({ "demo.md": md("stty size", wait) });
  const p = startDemo([...FAST, "--record", "talk.cast", "demo.md"], { cwd });
  await p.waitFor("$ stty size");
  p.write("\r");
  await p.waitFor("40 100");
  await p.waitFor("$ until");
  p.resize(120, 50);
  p.write("\r");
  await p.waitFor("now 50 120");
  expect(await p.exited()).toBe(0);
  const { events } = readCast(path.join(cwd, "talk.cast"));
  expect(events.filter((e) => e[1] === "r").map((e) => e[2])).toEqual(["120x50"]);
});

describe.concurrent("--replay", () => {
  it.concurrent("presents as live but executes nothing: the canary is never made, the output is shown", async () => {
    const canary = 'touch canary.txt; echo "made-$((3*3))"';
    const cwd = workspace({ "demo.md": md(canary, 'echo "next-$((2*2))"') });
    await record(cwd, [canary, 'echo "next-$((2*2))"']);
    fs.rmSync(path.join(cwd, "canary.txt"));

    const p = startDemo([...FAST, "--replay", "talk.cast", "demo.md"], { cwd, sttyCheck: true });
    await p.waitFor(`$ ${canary}`);
    expect(await settle(p), "it waits for RETURN, as live").not.toContain("made-9");
    p.write("\r");
    await p.waitFor("made-9");
    await p.waitFor('$ echo "next-$((2*2))"');
    p.write("\r");
    await p.waitFor("next-4");
    expect(await p.exited()).toBe(0);
    expect(fs.existsSync(path.join(cwd, "canary.txt"))).toBe(false);
    const { before, after } = sttySettings(cwd);
    expect(after).toBe(before);
  });

  it.concurrent("names missing and changed steps before the talk, and shows them as skipped", async () => {
    const cwd = workspace({ "demo.md": md('echo "a-$((1))"', 'echo "b-$((2))"') });
    await record(cwd, ['echo "a-$((1))"', 'echo "b-$((2))"']);
    fs.writeFileSync(
      path.join(cwd, "demo.md"),
      md('echo "a-$((1))"', 'echo "b-$((20))"', 'touch canary.txt; echo "c-$((3))"'),
    );
    const p = startDemo([...FAST, "--replay", "talk.cast", "demo.md"], { cwd });
    const before = await p.waitFor('$ echo "a-$((1))"');
    expect(before).toContain(
      'demo.md:7: stale, the command changed since the recording (it was: echo "b-$((2))"): echo "b-$((20))"',
    );
    expect(before).toContain("demo.md:8: missing, not in the recording: touch canary.txt");
    expect(before).toContain("1 of 3 commands recorded, 1 stale, 1 missing");
    p.write("\r");
    await p.waitFor("a-1");
    await p.waitFor('$ echo "b-$((20))"');
    p.write("\r");
    await p.waitFor("...skipping: not in the recording");
    await p.waitFor("$ touch canary.txt");
    p.write("\r");
    await p.waitFor("...skipping: not in the recording");
    expect(await p.exited()).toBe(0);
    expect(p.output()).not.toMatch(/b-20|b-2\n|c-3/);
    expect(fs.existsSync(path.join(cwd, "canary.txt"))).toBe(false);
  });
});

it.concurrent("--replay: keys pressed while recorded output plays are not taken for the next step", async () => {
  const slow = 'sleep 0.5; echo "slow-$((5+5))"';
  const cwd = workspace({ "demo.md": md(slow, 'echo "next-$((1+1))"') });
  await record(cwd, [slow, 'echo "next-$((1+1))"']);
  const p = startDemo([...FAST, "--replay", "talk.cast", "demo.md"], { cwd });
  await p.waitFor(`$ ${slow}`);
  p.write("\r");
  p.write("+");
  await p.waitFor("slow-10");
  await p.waitFor('$ echo "next-$((1+1))"');
  const meanwhile = await settle(p);
  expect(meanwhile).not.toContain("...skipping");
  expect(meanwhile).not.toContain("next-2");
  p.write("\r");
  await p.waitFor("next-2");
  expect(await p.exited()).toBe(0);
});

describe.concurrent("--fallback", () => {
  it.concurrent("after a command fails on stage, says so in one line, plays the recording and goes on", async () => {
    const cwd = workspace({
      "demo.md": md("cat data.txt", 'echo "after-$((2+2))"'),
      "data.txt": "the-recorded-data\n",
    });
    await record(cwd, ["cat data.txt", 'echo "after-$((2+2))"']);
    fs.rmSync(path.join(cwd, "data.txt"));

    const p = startDemo([...FAST, "--fallback", "talk.cast", "demo.md"], { cwd, sttyCheck: true });
    await p.waitFor("$ cat data.txt");
    p.write("\r");
    await p.waitFor("No such file or directory");
    const line = await p.waitFor("the-recorded-data");
    expect(line).toContain("...failed with status 1; playing the recording:\n");
    await p.waitFor('$ echo "after-$((2+2))"');
    p.write("\r");
    await p.waitFor("after-4");
    expect(await p.exited()).toBe(0);
    const { before, after } = sttySettings(cwd);
    expect(after).toBe(before);
  });

  it.concurrent("after a command runs past --timeout, plays the recording and goes on", async () => {
    const hangs = 'if [ -f hang ]; then sleep 30; fi; echo "out-$((2*3))"';
    const cwd = workspace({ "demo.md": md(hangs, "echo done") });
    await record(cwd, [hangs, "echo done"]);
    fs.writeFileSync(path.join(cwd, "hang"), "");
    const p = startDemo([...FAST, "--timeout", "400ms", "--fallback", "talk.cast", "demo.md"], {
      cwd,
    });
    await p.waitFor("$ if [ -f hang ]");
    p.write("\r");
    const line = await p.waitFor("out-6", 10_000);
    expect(line).toContain("...timed out after 400ms; playing the recording:\n");
    await p.waitFor("$ echo done");
    p.write("\r");
    await p.waitFor(/^done$/m);
    expect(await p.exited()).toBe(0);
  });

  it.concurrent("R plays the recorded output instead of running the command", async () => {
    const cwd = workspace({ "demo.md": md('touch canary.txt; echo "made-$((3*3))"', "echo done") });
    await record(cwd, ['touch canary.txt; echo "made-$((3*3))"', "echo done"]);
    fs.rmSync(path.join(cwd, "canary.txt"));
    const p = startDemo([...FAST, "--fallback", "talk.cast", "demo.md"], { cwd });
    await p.waitFor("$ touch canary.txt");
    p.write("R");
    await p.waitFor("made-9");
    await p.waitFor("$ echo done");
    p.write("\r");
    await p.waitFor(/^done$/m);
    expect(await p.exited()).toBe(0);
    expect(fs.existsSync(path.join(cwd, "canary.txt"))).toBe(false);
  });
});

describe.concurrent("without the pty module", () => {
  const start = (args: readonly string[], cwd: string) =>
    startPty(process.execPath, ["--import", NO_PTY, CLI, ...args], { cwd });

  it.concurrent("a presenter run says so once and runs the demo directly", async () => {
    const cwd = workspace({
      "demo.md": md('echo "ran-$((1+1))"', 'read -p "Name: " N; echo "hi $N"'),
    });
    const p = start([...FAST, "demo.md"], cwd);
    const notice = await p.waitFor('$ echo "ran-$((1+1))"');
    expect(notice).toContain("no prebuilt binary of @lydell/node-pty");
    expect(notice).toContain("commands run directly on this terminal");
    p.write("\r");
    await p.waitFor("ran-2");
    await p.waitFor('$ read -p "Name: " N');
    p.write("\r");
    await p.waitFor("Name: ");
    p.write("you\r");
    await p.waitFor("hi you");
    expect(await p.exited()).toBe(0);
    expect(p.output().split("commands run directly").length - 1).toBe(1);
  });

  it.concurrent("a CI run and a dry run never try to load it", async () => {
    const cwd = workspace({ "demo.md": md('echo "ran-$((1+1))"') });
    const ci = start(["--ci", "demo.md"], cwd);
    expect(await ci.exited()).toBe(0);
    expect(ci.output()).toContain("ran-2");
    const dry = start(["--dry-run", "demo.md"], cwd);
    expect(await dry.exited()).toBe(0);
    expect(`${ci.output()}${dry.output()}`).not.toContain("node-pty");
  });

  it.concurrent.each([["--record"], ["--replay"]])(
    "%s refuses with exit 2 and the reason",
    async (flag) => {
      const cwd = workspace({ "demo.md": md("touch canary.txt"), "talk.cast": "" });
      const p = start([...FAST, flag, "talk.cast", "demo.md"], cwd);
      expect(await p.exited()).toBe(2);
      expect(p.output()).toContain(`${flag} needs a pseudo-terminal`);
      expect(p.output()).toContain("nothing was executed");
      expect(fs.existsSync(path.join(cwd, "canary.txt"))).toBe(false);
    },
  );
});

it.sequential("--replay: Ctrl-C cuts the recorded output short, and the talk goes on", async () => {
  // Two seconds (the longest pause a replay keeps) between tick-2 and tick-3 for Ctrl-C to land.
  const slow = 'echo "tick-$((0+1))"; echo "tick-$((0+2))"; sleep 2; echo "tick-$((0+3))"';
  const cwd = workspace({ "demo.md": md(slow, 'echo "next-$((1+1))"') });
  await record(cwd, [slow, 'echo "next-$((1+1))"']);
  const p = startDemo([...FAST, "--replay", "talk.cast", "demo.md"], { cwd });
  await p.waitFor(`$ ${slow}`);
  p.write("\r");
  await p.waitFor("tick-2");
  p.write("\u0003");
  await p.waitFor("^C");
  await p.waitFor('$ echo "next-$((1+1))"');
  p.write("\r");
  await p.waitFor("next-2");
  expect(await p.exited()).toBe(0);
  expect(p.output(), "the rest of the recorded output is not played").not.toContain("tick-3");
  expect(p.output()).toMatch(/tick-2\n\^C\n/);
});
