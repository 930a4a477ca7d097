import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { demoshts, removeWorkspaces, workspace } from "../run/e2e-helpers.js";

// The recording commands as CI runs them (no terminal): records, checks and exports.

afterAll(() => {
  removeWorkspaces();
});

const DEMO = [
  "<!-- @SHOW -->",
  "",
  "# Setup",
  "",
  "```sh",
  'echo "a-$((1))"',
  'echo "b-$((2))"',
  "```",
  "",
  "## More",
  "",
  "```sh",
  "false",
  "```",
  "",
].join("\n");

function recorded(files: Record<string, string> = {}): string {
  const cwd = workspace({ "demo.md": DEMO, ...files });
  const run = demoshts(cwd, ["--ci", "--keep-going", "--record", "talk.cast", "demo.md"]);
  expect(run.status, run.stderr).toBe(1);
  expect(run.stdout, "a CI log keeps plain line ends").not.toContain("\r");
  return cwd;
}

describe("demoshts check --replay", () => {
  it("lists every command as recorded, with its time and status; exit 0", () => {
    const cwd = recorded();
    const run = demoshts(cwd, ["check", "--replay", "talk.cast", "demo.md"]);
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^demo\.md:6: recorded \([0-9.]+s, status 0\): echo "a-\$\(\(1\)\)"$/);
    expect(lines[2]).toMatch(/^demo\.md:13: recorded \([0-9.]+s, status 1\): false$/);
    expect(run.stderr).toContain("talk.cast: 3 of 3 commands recorded, 0 stale, 0 missing");
  });

  it("names moved, stale and missing commands; exit 1; JSON on request", () => {
    const cwd = recorded();
    fs.writeFileSync(
      path.join(cwd, "demo.md"),
      DEMO.replace('echo "a-$((1))"\n', 'echo new\necho "a-$((1))"\n').replace("false", "true"),
    );
    const run = demoshts(cwd, ["check", "--replay", "talk.cast", "demo.md"]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("demo.md:6: stale, the command changed since the recording");
    expect(run.stdout).toMatch(/demo\.md:7: recorded at line 6 \(/);
    expect(run.stdout).toContain("demo.md:14: missing, not in the recording: true");
    expect(run.stderr).toContain("2 of 4 commands recorded, 1 stale, 1 missing");
    const json = demoshts(cwd, ["check", "--replay", "talk.cast", "--format", "json", "demo.md"]);
    const states = json.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).state);
    expect(states).toEqual(["stale", "moved", "moved", "missing"]);
  });

  it("exits 2 when the recording or its step list cannot be read", () => {
    const cwd = recorded();
    fs.rmSync(path.join(cwd, "talk.cast.steps"));
    const run = demoshts(cwd, ["check", "--replay", "talk.cast", "demo.md"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("cannot read talk.cast.steps");
    const none = demoshts(cwd, ["check", "--replay", "nope.cast", "demo.md"]);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain("cannot read nope.cast: no such file");
  });
});

describe("demoshts export", () => {
  it("writes one page holding the player, the recording and its chapters", () => {
    const cwd = recorded();
    const run = demoshts(cwd, ["export", "talk.cast", "--html", "talk.html"]);
    expect(run.status, run.stderr).toBe(0);
    const html = fs.readFileSync(path.join(cwd, "talk.html"), "utf8");
    expect(html).toContain("AsciinemaPlayer");
    expect(html).toContain(".ap-player");
    expect(html).toMatch(/<ol id="chapters">\n<li>.*Setup<\/button><\/li>\n<li>.*More<\/button>/);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
  });

  it("exits 2 on what is not a recording, and without --html", () => {
    const cwd = workspace({ "x.cast": "not json\n" });
    expect(demoshts(cwd, ["export", "x.cast", "--html", "x.html"])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("x.cast: the first line is not an asciicast header"),
    });
    expect(demoshts(cwd, ["export", "x.cast"]).status).toBe(2);
    expect(fs.existsSync(path.join(cwd, "x.html"))).toBe(false);
  });
});

describe("options that do not go together", () => {
  it.each([
    [["--replay", "a.cast", "--record", "b.cast"], "--replay goes alone"],
    [["--record", "a.cast", "--no-pty"], "--record needs the pseudo-terminal"],
    [["--cols", "80"], "--cols goes with --record"],
    [["--record", "a.cast", "--rows", "5"], "--rows 5 is not a number of rows from 10 to 1000"],
    [["--record", "a.cast", "--fallback", "a.cast"], "would overwrite the recording"],
  ])("%j", (args, message) => {
    const cwd = workspace({ "demo.sh": "touch canary.txt\n" });
    const run = demoshts(cwd, [...args, "demo.sh"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(fs.existsSync(path.join(cwd, "canary.txt"))).toBe(false);
  });

  it("a demo that cannot be read leaves an older recording as it was", () => {
    const cwd = workspace({ "bad.md": "<!-- @macro -->\n", "talk.cast": "older\n" });
    const run = demoshts(cwd, ["--record", "talk.cast", "bad.md"]);
    expect(run.status).toBe(2);
    expect(fs.readFileSync(path.join(cwd, "talk.cast"), "utf8")).toBe("older\n");
    expect(fs.readdirSync(cwd).sort()).toEqual(["bad.md", "talk.cast"]);
  });
});
