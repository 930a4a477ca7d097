import { describe, expect, it } from "vitest";
import { formatStatus } from "../../src/present/status.js";
import { loadScript } from "../../src/reader/load.js";
import { clock, headingsIn } from "../../src/run/journal.js";
import { locate, nextPath, sectionAt, stepAt } from "../../src/run/position.js";
import { describeStep, resumePoint, type SavedState } from "../../src/run/resume.js";
import { behind } from "../../src/run/timings.js";
import type { Script } from "../../src/script/types.js";
import { memoryHost } from "../plan/memory.js";

// The cockpit's pure parts: headings, the status line's text, the pace, and finding where
// to start or resume in a demo, read from memory.

function script(text: string, name = "demo.md"): Script {
  const loaded = loadScript(
    name,
    { builtins: false, init: false, home: undefined },
    memoryHost({ [name]: text }),
  );
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.script;
}

const DEMO = [
  "# Intro", // 1
  "", // 2
  "```bash", // 3
  "SETUP=1", // 4
  "```", // 5
  "<!-- @SHOW -->", // 6
  "## Canary deployments", // 7
  "", // 8
  "Some words.", // 9
  "", // 10
  "## Rollback", // 11
  "```bash", // 12
  "echo one", // 13
  "echo two", // 14
  "```", // 15
  "",
].join("\n");

describe("headings", () => {
  it("are found outside code fences only, without closing hashes", () => {
    expect(headingsIn("# One\ntext\n```md\n# not this\n```\n## Two ##\n#nospace")).toEqual([
      { title: "One", offset: 0 },
      { title: "Two", offset: 5 },
    ]);
  });
});

describe("the status line's text", () => {
  const info = {
    demo: "README.md",
    step: 12,
    total: 58,
    section: "Canary deployments with a long name",
    elapsed: clock(845_000),
    pace: behind(845_000, 765_000),
  };

  it("says where the talk is and how it goes against the rehearsal", () => {
    expect(formatStatus(info, 100).trimEnd()).toBe(
      " README.md │ step 12/58 │ Canary deployments with a long name │ 14:05 (+1:20 behind)",
    );
  });

  it("shortens the section first, and fills the width exactly", () => {
    const line = formatStatus(info, 60);
    expect(line).toHaveLength(60);
    expect(line).toContain("step 12/58");
    expect(line).toContain("14:05 (+1:20 behind)");
    expect(line).toContain("Canary de…");
  });

  it("says ahead and on time too", () => {
    expect(behind(60_000, 90_000)).toBe("-0:30 ahead");
    expect(behind(60_000, 60_400)).toBe("on time");
    expect(clock(3_725_000)).toBe("1:02:05");
  });
});

describe("where to start", () => {
  const s = script(DEMO);

  it("finds a heading by its text, ignoring case, and shows the commentary from it", () => {
    const found = locate(s, "rollback", "/demo");
    expect(found).toMatchObject({ ok: true, start: { line: 11, setup: true } });
    if (!found.ok) return;
    expect(stepAt(s, found.start.path)?.loc.line).toBe(7);
  });

  it("finds a FILE:LINE inside a command, and says what is wrong otherwise", () => {
    const found = locate(s, "demo.md:8", "/demo");
    expect(found.ok && stepAt(s, found.start.path)?.loc.line).toBe(7);
    expect(found.ok && found.start.line).toBe(8);
    expect(locate(s, "other.md:3", "/demo")).toEqual({
      ok: false,
      message: "--from other.md:3: the demo has no steps in other.md",
    });
    expect(locate(s, "demo.md:99", "/demo")).toMatchObject({ ok: false });
  });

  it("knows the section of any step", () => {
    const found = locate(s, "demo.md:13", "/demo");
    expect(found.ok && sectionAt(s, found.start.path)).toBe("Rollback");
  });
});

describe("where to resume", () => {
  const s = script(DEMO);
  const first = locate(s, "demo.md:13", "/demo");
  if (!first.ok) throw new Error(first.message);
  const done = first.start.path;
  const saved = (text: Script): SavedState => ({
    version: 1,
    demo: "/demo/demo.md",
    args: [],
    done,
    step: describeStep(stepAt(text, done) as NonNullable<ReturnType<typeof stepAt>>),
    section: "Rollback",
    elapsedMs: 1000,
    saved: "2026-11-30T00:00:00.000Z",
    session: "",
  });

  it("goes on at the step after the last one done", () => {
    const point = resumePoint(s, saved(s));
    expect(point).toEqual({ ok: true, path: nextPath(s, done), moved: false });
  });

  it("follows a step that moved, and refuses one that is gone", () => {
    const moved = script(DEMO.replace("Some words.", "Some words.\n```bash\necho zero\n```"));
    const point = resumePoint(moved, saved(s));
    expect(point.ok && point.moved).toBe(true);
    expect(point.ok && point.path && stepAt(moved, point.path)?.loc.line).toBe(17);
    const gone = script(DEMO.replace("echo one", "echo uno"));
    expect(resumePoint(gone, saved(s))).toMatchObject({
      ok: false,
      message: expect.stringContaining(
        "the last step done (demo.md:13: echo one) is no longer in it",
      ),
    });
  });
});
