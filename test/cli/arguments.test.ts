import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { removeWorkspaces, workspace } from "../helpers/workspace.js";

// One rule for the words after FILE, in all three commands: they are the
// demo's, and one of the command's own options there is refused before
// anything runs, so that a misplaced option cannot run the talk.

const CLI = path.join(fileURLToPath(new URL("../..", import.meta.url)), "dist", "cli.js");

// Check and doctor read the demo through the shell parser: on a busy machine one run has
// taken over 15 s. The limits only stop a hang.
vi.setConfig({ testTimeout: 90_000 });

function demoshts(cwd: string, args: readonly string[]) {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: workspace(), LANG: "C.UTF-8" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout ?? "", stderr: run.stderr ?? "" };
}

/** A demo that leaves a file behind when it runs, and shows its arguments. */
const DEMO = {
  "demo.md": '# Demo\n\n```bash\ntouch ran\necho "args: [${1}] [${2}]"\ncat "${2}"\n```\n',
};

afterAll(() => {
  removeWorkspaces();
});

describe("an option word after FILE is refused (exit 2) and nothing runs", () => {
  it.each([
    [["demo.md", "--dry-run"], "--dry-run", "demoshts --dry-run demo.md", 1],
    [["demo.md", "x", "--ci"], "--ci", "demoshts --ci demo.md", 2],
    [["demo.md", "--timeout", "3s"], "--timeout", "demoshts --timeout 3s demo.md", 1],
    [["demo.md", "--timeout=3s"], "--timeout=3s", "demoshts --timeout=3s demo.md", 1],
    [["demo.md", "-V"], "-V", "demoshts -V demo.md", 1],
    [
      ["check", "demo.md", "--format", "json"],
      "--format",
      "demoshts check --format json demo.md",
      1,
    ],
    [["doctor", "demo.md", "--no-init"], "--no-init", "demoshts doctor --no-init demo.md", 1],
    [["check", "demo.md", "-h"], "-h", "demoshts check -h demo.md", 1],
  ] as const)("%j", (args, word, asOption, position) => {
    const dir = workspace(DEMO);
    const run = demoshts(dir, args);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    const [head, option, demo] = run.stderr.split("\n");
    expect(head).toMatch(
      new RegExp(
        `^demoshts( check| doctor)?: ${word} comes after demo\\.md, so it would go to the demo as \\$${position}`,
      ),
    );
    expect(option).toContain(`to use it as an option, put it before demo.md: ${asOption}`);
    expect(demo).toMatch(/to pass it to the demo, put -- after demo\.md: demoshts .*demo\.md -- /);
    expect(fs.existsSync(path.join(dir, "ran")), "the demo ran").toBe(false);
  });
});

describe("-- right after FILE passes anything to the demo", () => {
  it("demoshts demo.md -- --dry-run runs the demo with $1 = --dry-run", () => {
    const dir = workspace({ ...DEMO, "present.txt": "hi\n" });
    const run = demoshts(dir, ["--ci", "demo.md", "--", "--dry-run", "present.txt"]);
    expect(run.stderr).not.toMatch(/comes after/);
    expect(run.stdout).toContain("args: [--dry-run] [present.txt]");
    expect(run.status).toBe(0);
    expect(fs.existsSync(path.join(dir, "ran"))).toBe(true);
  });

  it("the dry run shows the same arguments", () => {
    const run = demoshts(workspace(DEMO), ["--dry-run", "--json", "demo.md", "--", "--ci", "b"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('"shown":"echo \\"args: [--ci] [b]\\""');
  });
});

describe("check and doctor take the demo's arguments like the main command", () => {
  it("check demo.md -x missing.txt: $1 is -x and $2 the file the demo reads", () => {
    const run = demoshts(workspace(DEMO), ["check", "demo.md", "-x", "missing.txt"]);
    expect(run.stderr).not.toMatch(/unknown option/);
    expect(run.stdout + run.stderr).toMatch(/demo\.md:6: error: .*missing\.txt does not exist/);
    expect(run.status).toBe(1);
  });

  it("check demo.md -x present.txt finds nothing wrong", () => {
    const run = demoshts(workspace({ ...DEMO, "present.txt": "hi\n" }), [
      "check",
      "demo.md",
      "-x",
      "present.txt",
    ]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("doctor demo.md -x y reads the demo with those arguments", () => {
    const run = demoshts(workspace(DEMO), ["doctor", "demo.md", "-x", "y"]);
    expect(run.stderr).not.toMatch(/unknown option|comes after/);
    expect(run.stdout).toMatch(/touch/);
  });
});

describe("--timeout and --typing-speed are checked in every mode", () => {
  it.each([
    [["--dry-run", "--timeout", "abc", "demo.md"], /^demoshts: --timeout abc is not a duration/],
    [["--dry-run", "--timeout", "0s", "demo.md"], /^demoshts: --timeout 0s is not a duration/],
    [["--dry-run", "--typing-speed", "fast", "demo.md"], /^demoshts: --typing-speed fast is not/],
    [["--ci", "--typing-speed", "9-3", "demo.md"], /^demoshts: --typing-speed 9-3 is not/],
  ] as const)("%j: exit 2, one clear line, nothing run", (args, says) => {
    const dir = workspace(DEMO);
    const run = demoshts(dir, args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(says);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stdout).toBe("");
    expect(fs.existsSync(path.join(dir, "ran"))).toBe(false);
  });
});

describe("--help says the rule", () => {
  it.each([[["--help"]], [["check", "--help"]], [["doctor", "--help"]]])("%j", (args) => {
    const run = demoshts(workspace(), args);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Options go before FILE/);
    expect(run.stdout).toMatch(/-- after FILE/);
    expect(run.stdout).toMatch(/130/);
  });
});

describe("a nested demo's words follow the same rule in the dry run, check and the run", () => {
  const files = {
    "outer.sh": "#@SHOW\n$SHELL inner.sh --ci\n",
    "passed.sh": "#@SHOW\n$SHELL inner.sh -- --ci\n",
    "inner.sh": 'echo "inner [$1]"\n',
  };

  it("an option word after the nested demo: the run fails at that step (2), the dry run warns, check errs", () => {
    const dir = workspace(files);
    const live = demoshts(dir, ["--ci", "outer.sh"]);
    expect(live.status).toBe(1);
    expect(live.stderr).toContain("outer.sh:2: failed with status 2");
    expect(live.stdout).not.toContain("inner [");
    const dry = demoshts(dir, ["--dry-run", "outer.sh"]);
    expect(dry.status).toBe(0);
    expect(dry.stdout).not.toContain("inner.sh:1");
    expect(dry.stderr).toContain(
      "outer.sh:2: warning: --ci comes after inner.sh: demoshts would refuse it (exit 2) and not run inner.sh",
    );
    const check = demoshts(dir, ["check", "outer.sh"]);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain(
      "outer.sh:2: error: --ci comes after nested demo inner.sh: demoshts refuses it there (exit 2)",
    );
    expect(check.stdout).toContain("1 error, 0 warnings");
  });

  it("after --: the run, the dry run and check all give the nested demo --ci as $1", () => {
    const dir = workspace(files);
    const live = demoshts(dir, ["--ci", "passed.sh"]);
    expect(live.status).toBe(0);
    expect(live.stdout).toContain("inner [--ci]");
    const dry = demoshts(dir, ["--dry-run", "passed.sh"]);
    expect(dry.stderr).toBe("");
    expect(dry.stdout).toContain("nested demo inner.sh --ci:");
    const check = demoshts(dir, ["check", "passed.sh"]);
    expect(check.status).toBe(0);
  });
});

describe("the option words the dry run and check refuse after a nested demo are --help's", () => {
  it("lists every option of demoshts --help", async () => {
    const { MAIN_OPTIONS } = await import("../../src/script/options.js");
    const out = demoshts(workspace(), ["--help"]).stdout;
    // The "Options:" section only: the text after it quotes options in examples.
    const start = out.indexOf("\nOptions:\n");
    const help = out.slice(start, out.indexOf("\n\n", start + 1));
    const listed = [...help.matchAll(/^ {2}(-\w, )?(--[\w-]+)( <[^>]+>)?/gm)].map((m) => ({
      long: m[2] as string,
      ...(m[1] ? { short: m[1].slice(0, 2) } : {}),
      ...(m[3] ? { value: true } : {}),
    }));
    const sorted = <T extends { long: string }>(list: readonly T[]) =>
      [...list].sort((a, b) => a.long.localeCompare(b.long));
    expect(sorted(MAIN_OPTIONS)).toEqual(sorted(listed));
  });
});
