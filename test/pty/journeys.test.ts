import * as fs from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  cleanupDirs,
  killAll,
  settle,
  startDemo,
  sttyOf,
  sttySettings,
  waitForProcess,
  workspace,
} from "./harness.js";

// A presenter's journeys through a live demo, in a real pseudo-terminal: the keys of
// `demoshts --help` and the behaviour of the compatibility spec, as the audience sees them.
//
// Commands print computed text (`echo "ran-$((1+1))"` prints ran-2) so that the typed-out
// command and its output can never be mistaken for each other on screen.

/** No typing delay: for journeys that are not about typing. */
const FAST = ["--no-blurb", "--typing-speed", "0"];
/** Slow enough typing that a 90-character command takes about three seconds to type out. */
const SLOW = ["--no-blurb", "--typing-speed", "30-40"];

// The journeys run side by side (each in its own terminal and directory): most of their time
// is spent waiting on a child process. Those that time the runner's answer to a key run alone.
// A test that fails leaves its terminal to the end of the file, where every one is killed.
afterAll(() => {
  killAll();
  cleanupDirs();
});

const exists = (dir: string, name: string): boolean => fs.existsSync(path.join(dir, name));
const count = (text: string, what: string): number => text.split(what).length - 1;

describe.concurrent("the notice about the keys", () => {
  const demo = '#@SHOW\necho "ran-$((1+1))"\n';

  it.concurrent("is shown first and waits for RETURN before the first step", async () => {
    const cwd = workspace({ "demo.sh": demo });
    const p = startDemo(["--typing-speed", "0", "demo.sh"], { cwd });
    await p.waitFor(/Q quits\..*Press RETURN to start\./s);
    p.write("x");
    expect(await settle(p), "a key that means nothing does not start it").not.toContain("$ echo");
    p.write("\r");
    await p.waitFor('$ echo "ran-$((1+1))"');
    p.write("\r");
    await p.waitFor("ran-2");
    expect(await p.exited()).toBe(0);
  });

  it.concurrent("is not shown with --no-blurb: the first step comes at once", async () => {
    const cwd = workspace({ "demo.sh": demo });
    const p = startDemo([...FAST, "demo.sh"], { cwd });
    await p.waitFor('$ echo "ran-$((1+1))"');
    p.write("\r");
    await p.waitFor("ran-2");
    expect(await p.exited()).toBe(0);
    expect(p.output()).not.toContain("Press RETURN to start");
  });
});

it.concurrent("runs setup hidden, then types each shown command and runs it only on RETURN", async () => {
  const cwd = workspace({
    "demo.sh": [
      'echo "setup-$((2+1))"',
      "#@SHOW",
      "# The first step.",
      'echo "ran-$((1+1))"',
      "",
    ].join("\n"),
  });
  const p = startDemo([...FAST, "demo.sh"], { cwd });
  await p.waitFor("setup-3");
  await p.waitFor("The first step.");
  await p.waitFor('$ echo "ran-$((1+1))"');
  expect(await settle(p), "nothing runs before RETURN").not.toContain("ran-2");
  p.write("\r");
  await p.waitFor("ran-2");
  expect(await p.exited()).toBe(0);
  const screen = p.output();
  expect(screen, "a hidden command is not shown").not.toContain('$ echo "setup');
  expect(screen.indexOf("setup-3")).toBeLessThan(screen.indexOf("The first step."));
});

describe.sequential("typing out", () => {
  const tail = "abcdefghijklmnopqrstuvwxyz-0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const demo = `#@SHOW\necho "typed-$((6*7))" ${tail}\n`;

  it.sequential("is visible, and SPACE finishes it at once, then waits for RETURN", async () => {
    const cwd = workspace({ "demo.sh": demo });
    const p = startDemo([...SLOW, "demo.sh"], { cwd });
    await p.waitFor('$ echo "ty');
    expect(p.unread(), "the end is not typed yet").not.toContain("0123456789");
    const pressed = Date.now();
    p.write(" ");
    await p.waitFor(`$((6*7))" ${tail}`);
    // Typing the other 80 characters at 30-40 ms each would take over 2.4 s.
    expect(Date.now() - pressed).toBeLessThan(1_000);
    expect(await settle(p), "SPACE does not run it").not.toContain("typed-42");
    p.write("\r");
    await p.waitFor(`typed-42 ${tail}`);
    expect(await p.exited()).toBe(0);
  });

  it.sequential("is finished by RETURN, which also runs the command at once", async () => {
    const cwd = workspace({ "demo.sh": demo });
    const p = startDemo([...SLOW, "demo.sh"], { cwd });
    await p.waitFor('$ echo "ty');
    const pressed = Date.now();
    p.write("\r");
    await p.waitFor(`$((6*7))" ${tail}`);
    await p.waitFor(`typed-42 ${tail}`);
    expect(Date.now() - pressed).toBeLessThan(1_000);
    expect(await p.exited()).toBe(0);
  });
});

it.concurrent("skips a command on +: ...skipping, it never runs, and the next step comes", async () => {
  const cwd = workspace({
    "demo.sh": '#@SHOW\ntouch skipped.txt; echo "made-$((1))"\necho "next-$((2))"\n',
  });
  const p = startDemo([...FAST, "demo.sh"], { cwd });
  await p.waitFor('$ touch skipped.txt; echo "made-$((1))"');
  p.write("+");
  await p.waitFor("...skipping");
  await p.waitFor('$ echo "next-$((2))"');
  p.write("\r");
  await p.waitFor("next-2");
  expect(await p.exited()).toBe(0);
  expect(p.output()).not.toContain("made-1");
  expect(exists(cwd, "skipped.txt")).toBe(false);
});

it.concurrent("goes back on -: the previous command is shown again and runs again", async () => {
  const cwd = workspace({
    "demo.sh": '#@SHOW\necho one >> count.txt; echo "first-$((0+1))"\necho "second-$((1+1))"\n',
  });
  const first = '$ echo one >> count.txt; echo "first-$((0+1))"';
  const p = startDemo([...FAST, "demo.sh"], { cwd });
  await p.waitFor(first);
  p.write("\r");
  await p.waitFor("first-1");
  await p.waitFor('$ echo "second-$((1+1))"');
  p.write("-");
  await p.waitFor(first);
  expect(await settle(p), "shown again, it waits for RETURN").not.toContain("first-1");
  p.write("\r");
  await p.waitFor("first-1");
  await p.waitFor('$ echo "second-$((1+1))"');
  p.write("\r");
  await p.waitFor("second-2");
  expect(await p.exited()).toBe(0);
  expect(count(p.output(), "first-1")).toBe(2);
  expect(count(p.output(), "second-2")).toBe(1);
  expect(fs.readFileSync(path.join(cwd, "count.txt"), "utf8")).toBe("one\none\n");
});

describe.concurrent("the end of a demo gives the terminal back as it was", () => {
  it.concurrent("Q quits with status 0, runs nothing more, and restores the terminal", async () => {
    const cwd = workspace({ "demo.sh": '#@SHOW\necho "a-$((0+1))"\ntouch never.txt\n' });
    const p = startDemo([...FAST, "demo.sh"], { cwd, sttyCheck: true });
    await p.waitFor('$ echo "a-$((0+1))"');
    p.write("\r");
    await p.waitFor("a-1");
    await p.waitFor("$ touch never.txt");
    p.write("Q");
    expect(await p.exited()).toBe(0);
    expect(exists(cwd, "never.txt")).toBe(false);
    const { before, after } = sttySettings(cwd);
    expect(after).toBe(before);
  });

  it.concurrent("a demo that ends normally restores the terminal", async () => {
    const cwd = workspace({ "demo.sh": '#@SHOW\necho "a-$((0+1))"\n' });
    const p = startDemo([...FAST, "demo.sh"], { cwd, sttyCheck: true });
    await p.waitFor('$ echo "a-$((0+1))"');
    p.write("\r");
    await p.waitFor("a-1");
    expect(await p.exited()).toBe(0);
    const { before, after } = sttySettings(cwd);
    expect(after).toBe(before);
  });

  it.concurrent("a failure under set -e stops the demo (status 1) and restores the terminal", async () => {
    const cwd = workspace({ "demo.sh": "set -e\n#@SHOW\nfalse\ntouch never.txt\n" });
    const p = startDemo([...FAST, "demo.sh"], { cwd, sttyCheck: true });
    await p.waitFor("$ false");
    p.write("\r");
    await p.waitFor("...exiting due to failure.");
    expect(await p.exited()).toBe(1);
    expect(p.output()).not.toContain("$ touch");
    expect(exists(cwd, "never.txt")).toBe(false);
    const { before, after } = sttySettings(cwd);
    expect(after).toBe(before);
  });

  it.concurrent("SIGTERM while waiting for a key exits with 143 and restores the terminal", async () => {
    const cwd = workspace({
      "demo.sh": 'echo "runner=$PPID."\n#@SHOW\necho "a-$((0+1))"\n',
    });
    const p = startDemo([...FAST, "demo.sh"], { cwd, sttyCheck: true });
    // The session's parent is the demoshts process itself.
    const runner = Number(/runner=(\d+)\./.exec(await p.waitFor(/runner=\d+\./))?.[1]);
    await p.waitFor('$ echo "a-$((0+1))"');
    const cooked = fs.readFileSync(path.join(cwd, "before.txt"), "utf8").trim();
    expect(sttyOf(runner), "waiting for a key, the terminal is raw").not.toBe(cooked);
    process.kill(runner, "SIGTERM");
    expect(await p.exited()).toBe(143);
    expect(p.output()).not.toContain("a-1");
    const { before, after } = sttySettings(cwd);
    expect(after).toBe(before);
  });
});

it.sequential("Ctrl-C interrupts the running command only; the demo goes on to the end", async () => {
  const cwd = workspace({ "demo.sh": "#@SHOW\nsleep 100\necho after-sleep\n" });
  const p = startDemo([...FAST, "demo.sh"], { cwd });
  await p.waitFor("$ sleep 100");
  p.write("\r");
  await waitForProcess(p.pid, ["sleep", "100"]);
  const pressed = Date.now();
  p.write("\x03");
  await p.waitFor("$ echo after-sleep", 2_000);
  expect(Date.now() - pressed).toBeLessThan(1_000);
  p.write("\r");
  await p.waitFor(/^after-sleep$/m);
  expect(await p.exited()).toBe(0);
});

it.sequential("Ctrl-C stops a whole watch loop, not just its current sleep, and the demo goes on", async () => {
  // The classic demo loop: each Ctrl-C must end the loop, as it would at a prompt.
  const cwd = workspace({
    "demo.sh": '#@SHOW\nwhile true; do echo tick; sleep 100; done\necho "after-loop $?"\n',
  });
  const p = startDemo([...FAST, "demo.sh"], { cwd });
  await p.waitFor("$ while true; do echo tick; sleep 100; done");
  p.write("\r");
  await p.waitFor("tick");
  await waitForProcess(p.pid, ["sleep", "100"]);
  p.write("\x03");
  await p.waitFor('$ echo "after-loop $?"', 2_000);
  p.write("\r");
  await p.waitFor(/^after-loop 130$/m);
  expect(await p.exited()).toBe(0);
});

it.concurrent("a command reading the terminal gets what is typed while it runs", async () => {
  const cwd = workspace({
    "demo.sh": '#@SHOW\nread -p "Your name: " NAME\necho "hello $NAME"\n',
  });
  const p = startDemo([...FAST, "demo.sh"], { cwd });
  await p.waitFor('$ read -p "Your name: " NAME');
  p.write("\r");
  // The prompt is printed by `read` itself, so the runner has handed the terminal over.
  await p.waitFor("Your name: ");
  p.write("world\r");
  await p.waitFor('$ echo "hello $NAME"');
  p.write("\r");
  await p.waitFor("hello world");
  expect(await p.exited()).toBe(0);
});

describe.concurrent("keys pressed while a command runs are not taken for the next step", () => {
  it.concurrent.each([
    ["Q", "quit"],
    ["+", "skip"],
    ["\r", "run"],
  ])("%j (%s) while a command runs", async (key) => {
    // The command runs until the test lets it end, after the key has surely arrived.
    const command = 'echo "started-$((0+1))"; until [ -e go ]; do sleep 0.02; done';
    const cwd = workspace({ "demo.sh": `#@SHOW\n${command}\necho "next-$((1+1))"\n` });
    const p = startDemo([...FAST, "demo.sh"], { cwd });
    await p.waitFor(`$ ${command}`);
    p.write("\r");
    await p.waitFor("started-1\n");
    p.write(key);
    // While a command runs the terminal is in canonical mode and echoes the key: it has arrived.
    await p.waitFor(key === "\r" ? "\n" : key);
    fs.writeFileSync(path.join(cwd, "go"), "");
    await p.waitFor('$ echo "next-$((1+1))"', 5_000);
    const meanwhile = await settle(p);
    expect(meanwhile, "it waits").not.toContain("next-2");
    expect(meanwhile).not.toContain("...skipping");
    p.write("\r");
    await p.waitFor("next-2");
    expect(await p.exited()).toBe(0);
  });
});

it.concurrent("steps a nested $SHELL demo with the same keys, then the parent goes on", async () => {
  const cwd = workspace({
    "parent.md": [
      "# Parent",
      "",
      "<!-- @SHOW -->",
      "",
      "```sh",
      'echo "parent-$((0+1))"',
      "$SHELL child.sh",
      'echo "parent-$((1+1))"',
      "```",
      "",
    ].join("\n"),
    "child.sh": [
      "#@SHOW",
      'echo "child-$((0+1))"',
      'touch child-skipped.txt; echo "child-$((1+1))"',
      'echo "child-$((2+1))"',
      "",
    ].join("\n"),
  });
  const p = startDemo([...FAST, "parent.md"], { cwd });
  await p.waitFor('$ echo "parent-$((0+1))"');
  p.write("\r");
  await p.waitFor("parent-1");
  await p.waitFor("$ $SHELL child.sh");
  p.write("\r");
  await p.waitFor('$ echo "child-$((0+1))"');
  expect(await settle(p), "the child waits for RETURN").not.toContain("child-1");
  p.write("\r");
  await p.waitFor("child-1");
  await p.waitFor('$ touch child-skipped.txt; echo "child-$((1+1))"');
  p.write("+");
  await p.waitFor("...skipping");
  await p.waitFor('$ echo "child-$((2+1))"');
  p.write("\r");
  await p.waitFor("child-3");
  await p.waitFor('$ echo "parent-$((1+1))"');
  expect(await settle(p), "the parent waits for RETURN").not.toContain("parent-2");
  p.write("\r");
  await p.waitFor("parent-2");
  expect(await p.exited()).toBe(0);
  expect(p.output()).not.toContain("child-2");
  expect(exists(cwd, "child-skipped.txt")).toBe(false);
});

describe.concurrent("Q in a nested demo", () => {
  it.concurrent("ends the nested demo and every demo above it, with status 0", async () => {
    const cwd = workspace({
      "parent.md": [
        "<!-- @SHOW -->",
        "```bash",
        "$SHELL middle.sh",
        'echo "parent-$((1+1))"',
        "```",
        "",
      ].join("\n"),
      "middle.sh": ["#@SHOW", "$SHELL child.sh", 'echo "middle-$((1+1))"', ""].join("\n"),
      "child.sh": ["#@SHOW", 'echo "child-$((0+1))"', 'echo "child-$((1+1))"', ""].join("\n"),
    });
    const p = startDemo([...FAST, "parent.md"], { cwd });
    await p.waitFor("$ $SHELL middle.sh");
    p.write("\r");
    await p.waitFor("$ $SHELL child.sh");
    p.write("\r");
    await p.waitFor('$ echo "child-$((0+1))"');
    p.write("\r");
    await p.waitFor("child-1");
    await p.waitFor('$ echo "child-$((1+1))"');
    p.write("Q");
    expect(await p.exited()).toBe(0);
    const out = p.output();
    expect(out).not.toContain("child-2");
    expect(out).not.toContain("middle-$((1+1))");
    expect(out).not.toContain("parent-$((1+1))");
    expect(fs.readdirSync(tmpdir()).filter((f) => f.startsWith(`demoshts-run-${p.pid}-`))).toEqual(
      [],
    );
  });

  it.concurrent("a nested demo that fails does not end its parent", async () => {
    const cwd = workspace({
      "parent.sh": ["#@SHOW", "$SHELL child.sh", 'echo "parent-$((1+1))"', ""].join("\n"),
      "child.sh": ["set -e", "#@SHOW", "false", ""].join("\n"),
    });
    const p = startDemo([...FAST, "parent.sh"], { cwd });
    await p.waitFor("$ $SHELL child.sh");
    p.write("\r");
    await p.waitFor("$ false");
    p.write("\r");
    await p.waitFor('$ echo "parent-$((1+1))"');
    p.write("\r");
    await p.waitFor("parent-2");
    expect(await p.exited()).toBe(0);
  });
});

describe.concurrent("the notice about the keys, after the hidden setup", () => {
  it.concurrent("is never shown when the setup fails: the run ends at once, without a key", async () => {
    const cwd = workspace({
      "demo.md": [
        "```bash",
        'echo "setup failed: kubectl is missing" >&2; exit 1',
        "```",
        "<!-- @SHOW -->",
        "# Title",
        "",
      ].join("\n"),
    });
    const p = startDemo(["--typing-speed", "0", "demo.md"], { cwd });
    expect(await p.exited()).toBe(1);
    expect(p.output()).toContain("setup failed: kubectl is missing");
    expect(p.output()).not.toContain("Press RETURN");
  });
});

it.concurrent("after Ctrl-C, the next command is typed on a fresh line, not after ^C", async () => {
  const cwd = workspace({ "demo.sh": '#@SHOW\nsleep 100\necho "next-$((1+1))"\n' });
  const p = startDemo([...FAST, "demo.sh"], { cwd });
  await p.waitFor("$ sleep 100");
  p.write("\r");
  await waitForProcess(p.pid, ["sleep", "100"]);
  p.write("\x03");
  await p.waitFor('$ echo "next-$((1+1))"');
  const line = p
    .output()
    .split("\n")
    .find((l) => l.includes('echo "next-'));
  expect(line).toBe('$ echo "next-$((1+1))"');
  p.write("\r");
  await p.waitFor("next-2");
  expect(await p.exited()).toBe(0);
});

it.sequential("closing the terminal during a run ends it cleanly (129), with its command", async () => {
  const cwd = workspace({
    "demo.sh": 'echo "runner=$PPID."\n#@SHOW\nsleep 100.5\necho "a-$((0+1))"\n',
  });
  const p = startDemo([...FAST, "demo.sh"], { cwd });
  await p.waitFor(/runner=\d+\./);
  await p.waitFor("$ sleep 100.5");
  p.write("\r");
  const sleeper = await waitForProcess(p.pid, ["sleep", "100.5"]);
  p.hangUp();
  // Not 134: Node must not abort resetting a terminal that is gone.
  expect(await p.exited()).toBe(129);
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 100 && alive(sleeper); i++) await new Promise((r) => setTimeout(r, 20));
  expect(alive(sleeper)).toBe(false);
});

describe.concurrent("a command stopped on stage runs nothing more of its lines", () => {
  /** Lines the demo printed that start with `after-` (the typed commands show `$((...))`). */
  const printedAfter = (text: string): string[] =>
    text.split("\n").filter((l) => /^after-\d/.test(l));

  it.concurrent("past --timeout: neither the rest of a list nor a loop's next round", async () => {
    const steps = [
      ...Array.from({ length: 5 }, (_, i) => `sleep 5; echo "after-$((${i}+1))"`),
      'while :; do sleep 1; done; echo "after-$((6+1))"',
      'for i in 1 2; do sleep 5; echo "after-$((i+7))"; done',
    ];
    const cwd = workspace({ "demo.sh": `#@SHOW\n${steps.join("\n")}\necho "reached-$((1+1))"\n` });
    const p = startDemo([...FAST, "--timeout", "200ms", "demo.sh"], { cwd });
    for (const step of steps) {
      await p.waitFor(`$ ${step}`);
      p.write("\r");
      await p.waitFor("timed out after 200ms", 10_000);
    }
    await p.waitFor('$ echo "reached-$((1+1))"');
    p.write("\r");
    await p.waitFor(/^reached-2$/m);
    await p.exited();
    expect(printedAfter(p.output())).toEqual([]);
  });

  it.sequential("Ctrl-C: the rest of the list does not run", async () => {
    const cwd = workspace({
      "demo.sh": '#@SHOW\nsleep 100; echo "after-$((1+1))"\necho "reached-$((1+1))"\n',
    });
    const p = startDemo([...FAST, "demo.sh"], { cwd });
    await p.waitFor('$ sleep 100; echo "after-$((1+1))"');
    p.write("\r");
    await waitForProcess(p.pid, ["sleep", "100"]);
    p.write("\x03");
    await p.waitFor('$ echo "reached-$((1+1))"', 2_000);
    p.write("\r");
    await p.waitFor(/^reached-2$/m);
    expect(await p.exited()).toBe(0);
    expect(printedAfter(p.output())).toEqual([]);
  });
});
