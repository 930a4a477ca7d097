import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CastWriter, parseCast } from "../../src/record/asciicast.js";
import { chaptersOf, exportHtml } from "../../src/record/export.js";
import { headingsOf } from "../../src/record/headings.js";
import { playStep } from "../../src/record/playback.js";
import { type RecordedStep, StepIndex } from "../../src/record/steps.js";
import { removeWorkspaces, workspace } from "../helpers/workspace.js";

afterAll(() => {
  removeWorkspaces();
});

const step = (over: Partial<RecordedStep>): RecordedStep => ({
  file: "demo.md",
  line: 1,
  command: "true",
  start: 0,
  end: 1,
  status: 0,
  errexit: false,
  timedOut: false,
  ...over,
});

describe("asciicast files", () => {
  it("reads a recording cut short by a crash, up to its last whole line", () => {
    const text = '{"version":2,"width":80,"height":24}\n[0.1,"o","a"]\n[0.2,"m","Ch"]\n[0.3,"o","b';
    const read = parseCast(text);
    expect(read.ok && read.cast.events).toEqual([
      [0.1, "o", "a"],
      [0.2, "m", "Ch"],
    ]);
  });

  it("refuses what is not asciicast v2, naming the line", () => {
    expect(parseCast("hello")).toMatchObject({
      ok: false,
      reason: expect.stringContaining("header"),
    });
    expect(parseCast('{"version":1}')).toMatchObject({
      ok: false,
      reason: expect.stringContaining("v2"),
    });
    expect(parseCast('{"version":2,"width":1,"height":1}\nnope\n[1,"o","x"]\n')).toMatchObject({
      ok: false,
      reason: "line 2 is not a JSON event",
    });
  });

  it("writes as it goes to FILE.partial, and replaces an older FILE only when finished", () => {
    const dir = workspace({ "talk.cast": "older\n" });
    const target = path.join(dir, "talk.cast");
    let now = 1_000;
    const writer = new CastWriter(target, { version: 2, width: 80, height: 24 }, () => now, 1_000);
    now = 1_250;
    writer.output("hello\r\n");
    writer.marker("Part one");
    const partial = parseCast(fs.readFileSync(`${target}.partial`, "utf8"));
    expect(partial.ok && partial.cast.events).toEqual([
      [0.25, "o", "hello\r\n"],
      [0.25, "m", "Part one"],
    ]);
    expect(fs.readFileSync(target, "utf8")).toBe("older\n");
    writer.finish();
    expect(fs.existsSync(`${target}.partial`)).toBe(false);
    expect(fs.readFileSync(target, "utf8").split("\n")[0]).toBe(
      '{"version":2,"width":80,"height":24}',
    );
  });

  it("puts a step's bounds strictly between the events before, in, and after it", () => {
    const dir = workspace();
    const target = path.join(dir, "t.cast");
    const writer = new CastWriter(target, { version: 2, width: 80, height: 24 }, () => 5, 5);
    writer.output("$ cmd\r\n");
    const start = writer.boundary();
    writer.output("out\r\n");
    const end = writer.boundary();
    writer.output("$ next");
    writer.finish();
    const read = parseCast(fs.readFileSync(target, "utf8"));
    const inside = read.ok ? read.cast.events.filter((e) => e[0] > start && e[0] < end) : [];
    expect(inside.map((e) => e[2])).toEqual(["out\r\n"]);
  });
});

describe("finding a demo's steps in a recording", () => {
  const index = () =>
    new StepIndex([
      step({ line: 3, command: "echo a", status: 0 }),
      step({ line: 5, command: "echo b" }),
      step({ line: 3, command: "echo a", status: 7 }),
    ]);

  it("by file, line and command; a moved command is still found; a changed one is stale", () => {
    const i = index();
    expect(i.find({ file: "demo.md", line: 3, command: "echo a" })).toMatchObject({
      kind: "recorded",
      moved: false,
    });
    expect(i.find({ file: "demo.md", line: 9, command: "echo b" })).toMatchObject({
      kind: "recorded",
      moved: true,
      step: { line: 5 },
    });
    expect(i.find({ file: "demo.md", line: 5, command: "echo c" })).toMatchObject({
      kind: "stale",
      recorded: { command: "echo b" },
    });
    expect(i.find({ file: "other.md", line: 3, command: "echo a" })).toEqual({ kind: "missing" });
  });

  it("gives a step run twice its takes in order, then the last again", () => {
    const i = index();
    const key = { file: "demo.md", line: 3, command: "echo a" };
    const statuses = [1, 2, 3].map(() => {
      const found = i.take(key);
      return found.kind === "recorded" ? found.step.status : undefined;
    });
    expect(statuses).toEqual([0, 7, 7]);
  });
});

it("plays a step's output at its recorded pace, each pause cut to the idle limit", async () => {
  const read = parseCast(
    [
      '{"version":2,"width":80,"height":24,"idle_time_limit":1.5}',
      '[1,"o","before"]',
      '[2.5,"o","a"]',
      '[2.75,"o","b"]',
      '[9,"o","c"]',
      '[10,"o","after"]',
    ].join("\n"),
  );
  if (!read.ok) throw new Error(read.reason);
  const written: string[] = [];
  const pauses: number[] = [];
  await playStep(read.cast, step({ start: 2, end: 9.5 }), {
    write: (d) => written.push(d),
    sleep: async (ms) => {
      pauses.push(ms);
    },
    now: () => 0,
  });
  expect(written).toEqual(["a", "b", "c"]);
  expect(pauses).toEqual([500, 250, 1500]);
});

describe("chapters", () => {
  it("are the headings of Markdown commentary, as plain text", () => {
    expect(
      headingsOf(
        "# The `kubectl` *way*\n\nText\n\n## [Links](http://x) and snake_case\n\n    # not code\n\nSetext\n---\n",
      ),
    ).toEqual(["The kubectl way", "Links and snake_case", "Setext"]);
  });

  it("show the time a player shows, with long pauses cut", () => {
    const read = parseCast(
      [
        '{"version":2,"width":80,"height":24,"idle_time_limit":2}',
        '[1,"m","One"]',
        '[11,"o","x"]',
        '[12,"m","Two"]',
      ].join("\n"),
    );
    if (!read.ok) throw new Error(read.reason);
    expect(chaptersOf(read.cast)).toEqual([
      { index: 0, label: "One", time: 1, shownTime: 1, shownAt: 1 },
      { index: 1, label: "Two", time: 12, shownTime: 4, shownAt: 12 },
    ]);
  });

  it("jump to just after their heading is written, so the jump shows it", () => {
    const read = parseCast(
      [
        '{"version":2,"width":80,"height":24}',
        JSON.stringify([1, "o", "before\r\n"]),
        JSON.stringify([2, "m", "Part two"]),
        JSON.stringify([2.01, "o", "\r\n"]),
        JSON.stringify([2.02, "o", "\u001b[1mPart two\u001b[22m\r\n"]),
      ].join("\n"),
    );
    if (!read.ok) throw new Error(read.reason);
    const [chapter] = chaptersOf(read.cast);
    expect(chapter?.time).toBe(2);
    expect(chapter?.shownAt).toBeGreaterThan(2.02);
    expect(chapter?.shownAt).toBeLessThan(2.03);
  });

  it("are listed in the exported page, which no recorded text can break out of", () => {
    const text = [
      '{"version":2,"width":80,"height":24}',
      '[1,"m","<b>One</b>"]',
      '[2,"o","</script><script>alert(1)</script>"]',
    ].join("\n");
    const read = parseCast(text);
    if (!read.ok) throw new Error(read.reason);
    const html = exportHtml(text, read.cast, "A & B", { js: "var AsciinemaPlayer;", css: "" });
    expect(html).toContain("<title>A &amp; B</title>");
    expect(html).toContain('<button type="button" data-marker="0">');
    expect(html).toContain("&lt;b&gt;One&lt;/b&gt;");
    expect(html.match(/<\/script>/g)).toHaveLength(4);
    expect(html).not.toContain("alert(1)</script>");
  });
});
