import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { cleanupDirs, descendants, workspace } from "./harness.js";
import { killScreens, startScreen } from "./screen.js";

// The presenter's cockpit on a real terminal, read through a terminal emulator: the status
// line and what it shows, scrolling under it, full-screen programs, resizing, the status key,
// and resuming a talk after demoshts was killed.

const FAST = ["--no-blurb", "--typing-speed", "0"];

afterEach(() => {
  killScreens();
});

afterAll(() => {
  cleanupDirs();
});

const last = (rows: string[]): string => rows[rows.length - 1] ?? "";

const DEMO = [
  "# Setup",
  "",
  "```bash",
  "GREETING=hello",
  "```",
  "",
  "<!-- @SHOW -->",
  "",
  "## Counting",
  "",
  "```bash",
  'seq 1 30 | sed "s/^/line-/"',
  "```",
  "",
  "## Greeting",
  "",
  "```bash",
  'echo "said-$GREETING"',
  "```",
  "",
].join("\n");

describe("the status line", () => {
  it("stays on the bottom row while output scrolls above it, and goes away at the end", async () => {
    const cwd = workspace({ "demo.md": DEMO });
    const p = startScreen([...FAST, "--status", "demo.md"], {
      cwd,
      after: "seq 101 130",
      rows: 12,
    });
    await p.until((r) => /demo\.md │ step 1\/2 │ Counting │ 0:0\d/.test(last(r)), "step 1/2");
    p.write("\r");
    const scrolled = await p.until((r) => r.some((l) => l === "line-30"), "the output");
    // By the time the screen is read the next section's heading may be shown, or its step
    // typed out: the line is still on the bottom row, whichever point it names.
    expect(last(scrolled)).toMatch(
      /demo\.md │ step (1\/2 │ Counting|1\/2 │ Greeting|2\/2 │ Greeting)/,
    );
    expect(scrolled.at(-2), "output scrolls above the line").not.toMatch(/step/);
    await p.until((r) => /step 2\/2 │ Greeting/.test(last(r)), "step 2/2");
    p.write("\r");
    await p.until((r) => r.some((l) => l === "said-hello"), "the greeting");
    expect(await p.exited()).toBe(0);
    const after = p.rows();
    expect(after.slice(-2), "the whole screen scrolls again afterwards").toEqual(["130", ""]);
    expect(after.join("\n")).not.toMatch(/step \d\/2/);
  });

  it("gives the whole screen back when demoshts is ended by a signal", async () => {
    const cwd = workspace({ "demo.md": DEMO });
    const p = startScreen([...FAST, "--status", "demo.md"], { cwd, after: "seq 101 130" });
    await p.until((r) => /step 1\/2/.test(last(r)), "the line");
    const node = descendants(p.pid).find((d) => d.argv.includes("demo.md"));
    process.kill(node?.pid ?? -1, "SIGTERM");
    expect(await p.exited()).toBe(143);
    const after = await p.until((r) => r.includes("130"), "the output after it");
    expect(after.slice(-2), "the whole screen scrolls again").toEqual(["130", ""]);
    expect(after.join("\n")).not.toMatch(/step \d\/2/);
  });

  it("is never written into a recording", async () => {
    const cwd = workspace({ "demo.md": DEMO });
    const p = startScreen([...FAST, "--status", "--record", "talk.cast", "demo.md"], { cwd });
    await p.until((r) => /step 1\/2/.test(last(r)), "the line");
    p.write("\r");
    await p.until((r) => /step 2\/2/.test(last(r)), "step 2/2");
    p.write("\r");
    await p.until((r) => r.includes("said-hello"), "the greeting");
    expect(await p.exited()).toBe(0);
    const cast = fs.readFileSync(path.join(cwd, "talk.cast"), "utf8");
    expect(cast).toContain("said-hello");
    expect(cast).not.toMatch(/step \d\/2/);
    expect(cast).not.toContain("\\u001b[1;11r");
  });

  it("comes and goes with the S key, and follows a resize", async () => {
    const cwd = workspace({ "demo.md": DEMO });
    const p = startScreen([...FAST, "demo.md"], { cwd });
    await p.until((r) => r.some((l) => l.includes("$ seq 1 30")), "the first command");
    expect(last(p.rows()), "no status line without --status").toBe("");
    p.write("s");
    await p.until((r) => /step 1\/2 │ Counting/.test(last(r)), "the line after S");
    p.resize(60, 16);
    await p.until(
      (r) => r.length === 16 && /step 1\/2 │ Counting/.test(last(r)),
      "the line after a resize",
    );
    p.write("s");
    await p.until((r) => !/step/.test(last(r)), "no line after S again");
    p.write("s");
    await p.until((r) => /step 1\/2/.test(last(r)), "the line once more");
    p.write("\r");
    await p.until((r) => r.includes("line-30"), "the output");
    await p.until((r) => /step 2\/2/.test(last(r)), "the next step");
    p.write("\r");
    await p.until((r) => r.includes("said-hello"), "the greeting");
    expect(await p.exited()).toBe(0);
  });

  it("gives full-screen programs the whole screen and comes back after them", async () => {
    const cwd = workspace({
      "demo.sh": [
        "#@SHOW",
        "# A full-screen program.",
        `printf '\\e[?1049h\\e[H\\e[2J'; printf '\\e[%s;1Hbottom-%s' "$(tput lines)" "$((6*7))"; read -r _; printf '\\e[?1049l'`,
        'echo "after-$((2+2))"',
        "",
      ].join("\n"),
    });
    const p = startScreen([...FAST, "--status", "demo.sh"], { cwd });
    await p.until((r) => /step 1\/2/.test(last(r)), "the line");
    p.write("\r");
    const full = await p.until(
      (r) => p.alternate() && last(r) === "bottom-42",
      "the program's last row",
    );
    expect(full.join("\n")).not.toMatch(/step/);
    p.write("\r");
    await p.until((r) => !p.alternate() && /step 2\/2/.test(last(r)), "the line back");
    p.write("\r");
    await p.until((r) => r.includes("after-4"), "the next command");
    expect(await p.exited()).toBe(0);
  });

  it("lets a full-screen program scroll its whole screen, and draws nothing over it on a resize", async () => {
    const cwd = workspace({
      "demo.sh": [
        "#@SHOW",
        "# A full-screen program that scrolls.",
        `printf '\\e[?1049h\\e[H\\e[2J'; trap 'printf "\\nresized-%s" "$(tput lines)"' WINCH; for i in $(seq 1 30); do printf '\\nrow-%s' "$i"; done; until read -r -t 0.1 _; do :; done; trap - WINCH; printf '\\e[?1049l'`,
        'echo "after-$((2+2))"',
        "",
      ].join("\n"),
    });
    const p = startScreen([...FAST, "--status", "demo.sh"], { cwd });
    await p.until((r) => /step 1\/2/.test(last(r)), "the line");
    p.write("\r");
    const full = await p.until((r) => p.alternate() && r.includes("row-30"), "the program's rows");
    expect(full.slice(-2), "the program scrolls down to the last row").toEqual([
      "row-29",
      "row-30",
    ]);
    p.resize(70, 14);
    const resized = await p.until((r) => r.includes("resized-14"), "the program told of it");
    expect(resized.join("\n"), "no line drawn over the program").not.toMatch(/step/);
    p.write("\r");
    await p.until(
      (r) => !p.alternate() && r.length === 14 && /step 2\/2/.test(last(r)),
      "the line back, at the new size",
    );
    p.write("\r");
    const done = await p.until((r) => r.includes("after-4"), "the next command");
    expect(done.slice(0, -1).join("\n"), "no line left behind mid-screen").not.toMatch(/step/);
    expect(await p.exited()).toBe(0);
  });
});

it("shows how far ahead of or behind the rehearsal the talk is", async () => {
  const cwd = workspace({
    "demo.md": DEMO,
    "rehearsal.json": JSON.stringify({
      demo: "demo.md",
      recorded: "2026-11-01T10:00:00.000Z",
      complete: true,
      totalMs: 900_000,
      sections: [{ title: "Counting", durationMs: 900_000 }],
      steps: [
        {
          file: "demo.md",
          line: 12,
          command: "seq",
          section: "Counting",
          startMs: 600_000,
          durationMs: 5,
        },
      ],
    }),
  });
  const p = startScreen([...FAST, "--status", "--timings", "rehearsal.json", "demo.md"], { cwd });
  await p.until(
    (r) => /step 1\/2 │ Counting │ 0:0\d \(-(9:5\d|10:00) ahead\)/.test(last(r)),
    "the pace against the rehearsal",
  );
  p.write("Q");
  expect(await p.exited()).toBe(0);
  const kept = JSON.parse(fs.readFileSync(path.join(cwd, "rehearsal.json"), "utf8"));
  expect(kept.totalMs, "a talk cut short keeps the whole rehearsal").toBe(900_000);
});

it("counts a nested demo's steps in the outer demo's line", async () => {
  const cwd = workspace({
    "demo.md": [
      "<!-- @SHOW -->",
      "## Outer",
      "```bash",
      'echo "outer-$((1+1))"',
      "$SHELL inner.sh",
      'echo "last-$((2+2))"',
      "```",
      "",
    ].join("\n"),
    "inner.sh": ["#@SHOW", 'echo "inner-$((3+3))"', ""].join("\n"),
  });
  const p = startScreen([...FAST, "--status", "demo.md"], { cwd });
  await p.until((r) => /demo\.md │ step 1\/4 │ Outer/.test(last(r)), "step 1/4");
  p.write("\r");
  await p.until((r) => /step 2\/4/.test(last(r)), "step 2/4");
  p.write("\r");
  await p.until(
    (r) =>
      r.some((l) => l.startsWith('$ echo "inner')) && /demo\.md │ step 3\/4 │ Outer/.test(last(r)),
    "the nested demo's step 3/4",
  );
  p.write("\r");
  await p.until((r) => r.includes("inner-6"), "the nested output");
  await p.until((r) => /step 4\/4/.test(last(r)), "step 4/4");
  p.write("\r");
  await p.until((r) => r.includes("last-4"), "the last output");
  expect(await p.exited()).toBe(0);
});

describe("a report of a talk on a terminal", () => {
  const demo = [
    "#@SHOW",
    `printf '\\e[1mbold-%s\\e[0m\\n' "$((1+1))"; printf 'wait...\\rready-%s\\n' "$((1+2))"`,
    "seq 1 30",
    "",
  ].join("\n");

  it("keeps the end of each command's output as the audience saw it, without escape codes", async () => {
    const cwd = workspace({ "demo.sh": demo });
    const p = startScreen([...FAST, "--report", "json=report.json", "demo.sh"], { cwd, rows: 40 });
    await p.until((r) => r.some((l) => l.startsWith("$ printf")), "the first command");
    p.write("\r");
    await p.until((r) => r.includes("ready-3"), "its output");
    await p.until((r) => r.includes("$ seq 1 30"), "the second command");
    p.write("\r");
    await p.until((r) => r.includes("30"), "its output");
    expect(await p.exited()).toBe(0);
    expect(p.rows(), "the terminal showed the output unchanged").toContain("bold-2");
    const report = JSON.parse(fs.readFileSync(path.join(cwd, "report.json"), "utf8"));
    const outputs = report.commands.map((c: { output?: string }) => c.output);
    const seq = Array.from({ length: 20 }, (_, i) => String(i + 11)).join("\n");
    expect(outputs).toEqual(["bold-2\nready-3", seq]);
  });
});

/** What the saved states in `dir` hold, all together ("" when there are none). */
function savedStates(dir: string): string {
  if (!fs.existsSync(dir)) return "";
  return fs
    .readdirSync(dir)
    .map((f) => fs.readFileSync(path.join(dir, f), "utf8"))
    .join("");
}

/** Ends demoshts as a crash would (kill -9), and the bash it ran, then waits for the screen. */
async function killRunner(p: ReturnType<typeof startScreen>): Promise<void> {
  const node = descendants(p.pid).find((d) => d.argv.includes("demo.sh"));
  const bashes = descendants(node?.pid ?? -1).map((d) => d.pid);
  process.kill(node?.pid ?? -1, "SIGKILL");
  for (const pid of bashes) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone with its parent.
    }
  }
  await p.exited();
}

describe("resuming a talk", () => {
  const demo = [
    "#@SHOW",
    "# The talk.",
    "export SECRET=sesame-$((40+2)); mkdir -p sub; cd sub",
    'greet() { echo "hi-$1"; }; alias shout="echo LOUD"',
    'echo "value-$SECRET-$(greet x)-${PWD##*/}"; shout',
    "",
  ].join("\n");

  it("goes on after demoshts was killed, with the variables, functions and directory it had", async () => {
    const cwd = workspace({ "demo.sh": demo });
    const state = path.join(workspace(), "state");
    const env = { XDG_STATE_HOME: state };
    const first = startScreen([...FAST, "demo.sh"], { cwd, env });
    await first.until((r) => r.some((l) => l.startsWith("$ export SECRET")), "the first command");
    first.write("\r");
    await first.until((r) => r.some((l) => l.startsWith("$ greet()")), "the second command");
    first.write("\r");
    await first.until((r) => r.some((l) => l.startsWith('$ echo "value')), "the third command");
    const dir = path.join(state, "demoshts");
    const saved = (): string => savedStates(dir);
    await expect.poll(saved, { timeout: 10_000 }).toContain("greet");
    const files = fs.readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(fs.statSync(path.join(dir, files[0] as string)).mode & 0o777).toBe(0o600);
    await killRunner(first);

    const second = startScreen([...FAST, "--resume", "demo.sh"], { cwd, env });
    const shown = await second.until(
      (r) => r.some((l) => l.startsWith('$ echo "value')),
      "the third command again",
    );
    expect(shown.join("\n")).toMatch(/resuming at demo\.sh:5, step 3\/3/);
    expect(shown.join("\n"), "earlier commands are not run again").not.toMatch(/\$ export/);
    second.write("\r");
    await second.until(
      (r) => r.includes("value-sesame-42-hi-x-sub"),
      "the value set before the kill",
    );
    await second.until((r) => r.includes("LOUD"), "the alias");
    expect(await second.exited()).toBe(0);
    expect(fs.readdirSync(dir), "a finished talk leaves no state").toHaveLength(0);
  });

  it("goes on after a step the presenter skipped with +", async () => {
    const cwd = workspace({ "demo.sh": "#@SHOW\necho one-1\necho two-2\necho three-3\n" });
    const state = path.join(workspace(), "state");
    const env = { XDG_STATE_HOME: state };
    const first = startScreen([...FAST, "demo.sh"], { cwd, env });
    await first.until((r) => r.some((l) => l.startsWith("$ echo one-1")), "the first command");
    first.write("\r");
    await first.until((r) => r.some((l) => l.startsWith("$ echo two-2")), "the second command");
    first.write("+");
    await first.until((r) => r.some((l) => l.startsWith("$ echo three-3")), "the third command");
    const dir = path.join(state, "demoshts");
    const saved = (): string => savedStates(dir);
    await expect.poll(saved, { timeout: 10_000 }).toContain("two-2");
    await killRunner(first);

    const second = startScreen([...FAST, "--resume", "demo.sh"], { cwd, env });
    const shown = await second.until(
      (r) => r.some((l) => l.startsWith("$ echo three-3")),
      "the third command",
    );
    expect(shown.join("\n")).toMatch(/resuming at demo\.sh:4, step 3\/3/);
    expect(shown.join("\n"), "the skipped step is not offered again").not.toMatch(/\$ echo two-2/);
    second.write("\r");
    expect(await second.exited()).toBe(0);
    expect(second.rows()).toContain("three-3");
  });

  it("refuses when the demo changed under the saved position", async () => {
    const cwd = workspace({ "demo.sh": demo });
    const state = path.join(workspace(), "state");
    const env = { XDG_STATE_HOME: state };
    const first = startScreen([...FAST, "demo.sh"], { cwd, env });
    await first.until((r) => r.some((l) => l.startsWith("$ export SECRET")), "the first command");
    first.write("\r");
    await first.until((r) => r.some((l) => l.startsWith("$ greet()")), "the second command");
    first.write("Q");
    expect(await first.exited()).toBe(0);
    fs.writeFileSync(path.join(cwd, "demo.sh"), demo.replace("sesame", "open"));
    const second = startScreen([...FAST, "--resume", "demo.sh"], { cwd, env });
    expect(await second.exited()).toBe(2);
    const text = second.rows().join("");
    expect(text).toMatch(/demo changed since the state was saved: the last step done \(demo\.sh:3/);
    expect(text).toMatch(/nothing was executed/);
  });
});
