import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findAll, parseXml, type XmlElement } from "../helpers/xml.js";
import { CLI, demoshts, minimalEnv, removeWorkspaces, workspace } from "./e2e-helpers.js";

// What CI gets from a run besides its log: JUnit and JSON reports, GitHub annotations and the
// step summary, rehearsal timings, and a run started part-way with --from.

afterAll(() => {
  removeWorkspaces();
});

const DEMO = [
  "# Setup",
  "",
  "```bash",
  "X=1",
  "touch setup-ran",
  "```",
  "",
  "<!-- @SHOW -->",
  "",
  "## First part",
  "",
  "```bash",
  'echo "one-$((X+1))"',
  "```",
  "",
  "## Second part",
  "",
  "```bash",
  "$SHELL inner.sh",
  "false",
  "```",
  "",
].join("\n");

const INNER = ["#@SHOW", "# Inner", 'echo "inner-$((2*3))"', "ls /no/such/dir", ""].join("\n");

function files(): string {
  return workspace({ "demo.md": DEMO, "inner.sh": INNER });
}

/** A JUnit document as CI tools read it: counts that add up, cases with names and times. */
function checkJunit(root: XmlElement): void {
  expect(root.name).toBe("testsuites");
  for (const suite of [root, ...findAll(root, "testsuite")]) {
    const cases = findAll(suite, "testcase");
    expect(Number(suite.attributes.tests), `tests of ${suite.attributes.name}`).toBe(cases.length);
    const failed = cases.filter((c) => c.children.some((x) => x.name === "failure"));
    expect(Number(suite.attributes.failures)).toBe(failed.length);
  }
  for (const c of findAll(root, "testcase")) {
    expect(c.attributes.name).toMatch(/^[\w./-]+:\d+ \$ /);
    expect(c.attributes.classname).toBeTruthy();
    expect(Number.isFinite(Number(c.attributes.time))).toBe(true);
  }
}

describe("--report", () => {
  it("writes JUnit and JSON: a case per command, sections as classes, nested demos as nested suites", () => {
    const cwd = files();
    const run = demoshts(cwd, [
      "--keep-going",
      "--report",
      "junit=out/report.xml",
      "--report",
      "json=report.json",
      "demo.md",
    ]);
    expect(run.status).toBe(1);
    const root = parseXml(fs.readFileSync(path.join(cwd, "out/report.xml"), "utf8"));
    checkJunit(root);
    const outer = root.children[0] as XmlElement;
    expect(outer.attributes.name).toBe("demo.md");
    const own = outer.children.filter((c) => c.name === "testcase");
    expect(own.map((c) => [c.attributes.classname, c.attributes.name])).toEqual([
      ["Setup", "demo.md:4 $ X=1"],
      ["Setup", "demo.md:5 $ touch setup-ran"],
      ["First part", 'demo.md:13 $ echo "one-$((X+1))"'],
      ["Second part", "demo.md:19 $ $SHELL inner.sh"],
      ["Second part", "demo.md:20 $ false"],
    ]);
    const echo = own[2] as XmlElement;
    expect(echo.children.find((c) => c.name === "system-out")?.text).toBe("one-2");
    const last = own[4] as XmlElement;
    const message = last.children.find((c) => c.name === "failure")?.attributes.message;
    expect(message).toBe("failed with status 1: false");
    expect(run.stderr, "the message is the one the terminal showed").toContain(
      `demoshts: demo.md:20: ${message}`,
    );
    const nested = outer.children.filter((c) => c.name === "testsuite");
    expect(nested.map((s) => s.attributes.name)).toEqual(["inner.sh"]);
    const inner = (nested[0] as XmlElement).children;
    expect(inner.map((c) => c.attributes.name)).toEqual([
      'inner.sh:3 $ echo "inner-$((2*3))"',
      "inner.sh:4 $ ls /no/such/dir",
    ]);
    expect(inner[1]?.children.find((c) => c.name === "system-out")?.text).toMatch(
      /ls: cannot access/,
    );

    const json = JSON.parse(fs.readFileSync(path.join(cwd, "report.json"), "utf8"));
    expect(json).toMatchObject({ demo: "demo.md", outcome: "failed", tests: 7, failures: 3 });
    expect(json.commands[3].nested[0].commands[0]).toMatchObject({
      file: "inner.sh",
      line: 3,
      outcome: "passed",
      output: "inner-6",
    });
  });

  it("changes nothing in what the run prints", () => {
    const plain = demoshts(files(), ["--keep-going", "demo.md"]);
    const reported = demoshts(files(), ["--keep-going", "--report", "json=r.json", "demo.md"]);
    expect(reported.stdout).toBe(plain.stdout);
    expect(reported.stdout).toContain("one-2\n");
  });

  it("keeps output and errors in their order when both go to one log", () => {
    const cwd = workspace({
      "order.sh": "#@SHOW\nfor i in 1 2 3; do echo out-$i; echo err-$i >&2; done\n",
    });
    const log = fs.openSync(path.join(cwd, "log.txt"), "w");
    const run = spawnSync(process.execPath, [CLI, "--report", "json=o.json", "order.sh"], {
      cwd,
      env: minimalEnv(),
      stdio: ["ignore", log, log],
      timeout: 15_000,
    });
    fs.closeSync(log);
    expect(run.status).toBe(0);
    const lines = "out-1\nerr-1\nout-2\nerr-2\nout-3\nerr-3";
    expect(fs.readFileSync(path.join(cwd, "log.txt"), "utf8")).toContain(`${lines}\n`);
    const report = JSON.parse(fs.readFileSync(path.join(cwd, "o.json"), "utf8"));
    expect(report.commands[0].output).toBe(lines);
  });

  it("keeps each command's output, without escape codes, from a recorded run's terminal", () => {
    const cwd = workspace({
      "colour.sh": [
        "#@SHOW",
        `printf '\\e[31mred-%s\\e[0m\\n' "$((1+1))"; printf 'wait...\\rready-%s\\n' "$((1+2))"`,
        "",
      ].join("\n"),
    });
    const run = demoshts(cwd, [
      "--ci",
      "--record",
      "t.cast",
      "--report",
      "json=r.json",
      "colour.sh",
    ]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("\u001b[31mred-2\u001b[0m");
    const report = JSON.parse(fs.readFileSync(path.join(cwd, "r.json"), "utf8"));
    expect(report.commands[0].output).toBe("red-2\nready-3");
  });

  it("refuses a kind it does not know, before running anything", () => {
    const cwd = files();
    const run = demoshts(cwd, ["--report", "xml=r.xml", "demo.md"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--report xml=r.xml is not junit=FILE or json=FILE");
    expect(fs.existsSync(path.join(cwd, "setup-ran"))).toBe(false);
  });
});

describe("under GitHub Actions", () => {
  it("annotates each failed step and appends a summary table", () => {
    const cwd = files();
    const summary = path.join(cwd, "summary.md");
    fs.writeFileSync(summary, "# Before\n");
    const run = demoshts(cwd, ["--keep-going", "demo.md"], {
      env: { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: summary },
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("::error file=demo.md,line=20::failed with status 1: false\n");
    expect(run.stdout).toContain(
      "::error file=inner.sh,line=4::failed with status 2: ls /no/such/dir\n",
    );
    const table = fs.readFileSync(summary, "utf8");
    expect(table.startsWith("# Before\n")).toBe(true);
    expect(table).toContain("### demoshts demo.md: failed");
    expect(table).toContain("7 commands run, 3 failed");
    expect(table).toMatch(/\| ❌ failed \| demo\.md:20 \| Second part \| `false` \| \d+\.\ds \|/);
    expect(table).toMatch(/\| ✅ passed \| inner\.sh:3 \|/);
  });
});

describe("--timings", () => {
  it("writes each section's and command's durations, and the dry run shows them", () => {
    const cwd = files();
    const run = demoshts(cwd, ["--keep-going", "--timings", "t.json", "demo.md"]);
    expect(run.status).toBe(1);
    const t = JSON.parse(fs.readFileSync(path.join(cwd, "t.json"), "utf8"));
    expect(t.sections.map((s: { title: string }) => s.title)).toEqual([
      "Setup",
      "First part",
      "Second part",
    ]);
    expect(t.steps.map((s: { file: string; line: number }) => `${s.file}:${s.line}`)).toEqual([
      "demo.md:4",
      "demo.md:5",
      "demo.md:13",
      "demo.md:19",
      "inner.sh:3",
      "inner.sh:4",
      "demo.md:20",
    ]);
    expect(t.complete).toBe(true);
    // A rehearsal of known length, to read back exactly.
    t.sections = [
      { title: "Setup", durationMs: 5_000 },
      { title: "First part", durationMs: 80_000 },
      { title: "Second part", durationMs: 3_725_000 },
    ];
    t.totalMs = 3_810_000;
    fs.writeFileSync(path.join(cwd, "t.json"), JSON.stringify(t));
    const dry = demoshts(cwd, ["--dry-run", "--timings", "t.json", "demo.md"]);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain("(rehearsed 1:20: First part)");
    expect(dry.stdout).toContain("(rehearsed 1:02:05: Second part)");
    expect(dry.stdout).toMatch(/Rehearsed: 1:03:30 in all, 3 sections \(t\.json, /);
  });

  it("says so when the file is not a timings file", () => {
    const cwd = files();
    fs.writeFileSync(path.join(cwd, "t.json"), "{}");
    const dry = demoshts(cwd, ["--dry-run", "--timings", "t.json", "demo.md"]);
    expect(dry.status).toBe(2);
    expect(dry.stderr).toContain("--timings t.json: it is not a demoshts timings file");
    const live = demoshts(cwd, ["--timings", "t.json", "demo.md"]);
    expect(live.status).toBe(2);
    expect(fs.existsSync(path.join(cwd, "setup-ran"))).toBe(false);
  });
});

describe("--from", () => {
  it("starts at a heading: the hidden setup runs, the steps before it do not", () => {
    const cwd = files();
    const run = demoshts(cwd, ["--from", "second part", "demo.md"], {});
    expect(run.stderr).toContain("demoshts: starting at demo.md:16, section Second part");
    expect(fs.existsSync(path.join(cwd, "setup-ran"))).toBe(true);
    expect(run.stdout).not.toContain("one-2");
    expect(run.stdout).not.toContain("First part");
    expect(run.stdout).toContain("Second part");
    expect(run.stdout).toContain("inner-6");
  });

  it("starts at FILE:LINE", () => {
    const cwd = files();
    const run = demoshts(cwd, ["--from", "demo.md:20", "demo.md"]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      /^demo\.md:4 \$ X=1\ndemo\.md:5 \$ touch setup-ran\ndemo\.md:20 \$ false\n/,
    );
    expect(run.stderr).toContain("starting at demo.md:20, section Second part, step 5/5");
  });

  it("refuses a place that is not in the demo, before running anything", () => {
    const cwd = files();
    const run = demoshts(cwd, ["--from", "Conclusion", "demo.md"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      '--from Conclusion: no heading says that, and it is not FILE:LINE (headings: "Setup", "First part", "Second part")',
    );
    expect(fs.existsSync(path.join(cwd, "setup-ran"))).toBe(false);
  });
});

describe("--resume", () => {
  it("says where it looked when there is nothing to resume, and runs nothing", () => {
    const cwd = files();
    const state = path.join(cwd, "state");
    const run = demoshts(cwd, ["--resume", "demo.md", "a1"], { env: { XDG_STATE_HOME: state } });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      `demoshts: --resume: no saved run of demo.md with these arguments (looked for ${state}/demoshts/demo.md-`,
    );
    expect(fs.existsSync(path.join(cwd, "setup-ran"))).toBe(false);
  });

  it("does not go with --from or --dry-run", () => {
    const cwd = files();
    expect(demoshts(cwd, ["--resume", "--from", "demo.md:3", "demo.md"]).stderr).toContain(
      "--resume and --from do not go together",
    );
    const dry = demoshts(cwd, ["--dry-run", "--resume", "demo.md"]);
    expect(dry.status).toBe(2);
    expect(dry.stderr).toContain("--resume, --from, --report and --status are for live runs");
  });
});
