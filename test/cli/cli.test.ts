import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { removeWorkspaces, workspace } from "../helpers/workspace.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = path.join(ROOT, "dist", "cli.js");
const VERSION = (
  JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }
).version;

interface Run {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI in `cwd`, with an empty home directory and no DEMO_HOOK_* variables. */
function demoshts(
  cwd: string,
  args: string[],
  options: { timeout?: number; node?: string[] } = {},
): Run {
  const home = workspace();
  const result = spawnSync(process.execPath, [...(options.node ?? []), CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: home, LANG: "C.UTF-8" },
    encoding: "utf8",
    timeout: options.timeout ?? 15_000,
  });
  return {
    status: result.status,
    signal: result.signal,
    stdout: result.stdout ?? "",
    stderr: result.stderr ?? "",
  };
}

interface JsonRecord {
  readonly kind: string;
  readonly file: string;
  readonly line: number;
  readonly depth: number;
  readonly [key: string]: unknown;
}

/** Every stdout line must be one JSON object with kind, file, line and depth. */
function jsonLines(stdout: string): JsonRecord[] {
  expect(stdout.endsWith("\n"), "JSON Lines output ends with a newline").toBe(true);
  return stdout
    .slice(0, -1)
    .split("\n")
    .map((text) => {
      let value: unknown;
      expect(() => {
        value = JSON.parse(text);
      }, `not JSON: ${text}`).not.toThrow();
      const r = value as JsonRecord;
      expect(typeof r.kind, text).toBe("string");
      expect(typeof r.file, text).toBe("string");
      expect(Number.isInteger(r.line) && r.line >= 1, `${text}: line`).toBe(true);
      expect(Number.isInteger(r.depth) && r.depth >= 0, `${text}: depth`).toBe(true);
      return r;
    });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** stderr holds `file:line: severity: message` and, on the next line, its hint. */
function expectDiagnostic(stderr: string, severity: string, file: string, line: number): void {
  const lines = stderr.split("\n");
  const head = new RegExp(`^${escapeRegExp(file)}:${line}: ${severity}: \\S`);
  const at = lines.findIndex((l) => head.test(l));
  expect(at, `no "${file}:${line}: ${severity}: ..." in stderr:\n${stderr}`).toBeGreaterThanOrEqual(
    0,
  );
  expect(lines[at + 1] ?? "", `no hint after the ${severity}:\n${stderr}`).toMatch(/^\s+hint: \S/);
}

afterAll(() => {
  removeWorkspaces();
});

describe("demoshts options", () => {
  it("--help lists every option and the exit codes, and exits 0", () => {
    const run = demoshts(workspace(), ["--help"]);
    expect(run.status).toBe(0);
    for (const option of [
      "--dry-run",
      "--json",
      "--no-init",
      "--no-builtins",
      "--debug",
      "--version",
      "--help",
    ]) {
      expect(run.stdout, `--help does not mention ${option}`).toContain(option);
    }
    const codes = run.stdout.slice(run.stdout.indexOf("Exit codes"));
    expect(run.stdout).toContain("Exit codes");
    for (const code of ["0", "1", "2", "130"]) {
      expect(codes, `exit code ${code} is not explained`).toMatch(
        new RegExp(`^\\s+${code}\\s+\\w`, "m"),
      );
    }
  });

  it("--version prints the version from package.json", () => {
    const run = demoshts(workspace(), ["--version"]);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(VERSION);
  });

  it("an unknown option is a usage error (exit 2) that names the option", () => {
    const dir = workspace({ "demo.md": "# Demo\n" });
    const run = demoshts(dir, ["--dry-run", "--bogus", "demo.md"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--bogus");
    expect(run.stdout).toBe("");
  });
});

describe("output to a reader that goes away", () => {
  it("ends quietly, with no stack trace, when its pipe closes early (| head)", () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `echo line ${i}`).join("\n");
    const dir = workspace({ "long.sh": `#@SHOW\n${lines}\n` });
    const run = spawnSync(
      "bash",
      [
        "-c",
        `node ${JSON.stringify(CLI)} --dry-run long.sh | head -n 1; echo "status=\${PIPESTATUS[0]}" >&2`,
      ],
      { cwd: dir, encoding: "utf8" },
    );
    expect(run.stdout).toMatch(/^long\.sh:2 +\[key\] \$ echo line 0\n$/);
    expect(run.stderr).not.toMatch(/EPIPE|Error/);
    expect(run.stderr).toContain("status=0");
  });
});

describe("a dry run executes nothing", () => {
  it("does not run commands, $( ), #@immed, #@ directives, nested demos or .demoshrc", () => {
    const files = {
      "demo.md": [
        "# Demo", // 1
        "",
        "<!-- @SHOW -->",
        "",
        "```bash", // 5
        "touch created-by-demo",
        "X=$(touch created-by-subst)",
        "#@immed",
        "touch created-by-immed",
        "#@touch created-by-directive", // 10
        "$SHELL other.md",
        "rc_macro",
        "```",
        "",
      ].join("\n"),
      "other.md":
        "# Other\n\n```bash\ntouch created-by-nested\necho $(touch created-by-nested-subst)\n```\n",
      ".demoshrc": "#@macro rc_macro\n  touch created-by-rc-macro\n#@end\ntouch created-by-rc\n",
    };
    const dir = workspace(files);
    const run = demoshts(dir, ["--dry-run", "demo.md"]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(Object.keys(files).sort());
    for (const command of [
      "touch created-by-demo",
      "X=$(touch created-by-subst)",
      "touch created-by-immed",
      "touch created-by-directive",
      "$SHELL other.md",
      "touch created-by-nested",
      "echo $(touch created-by-nested-subst)",
      "touch created-by-rc",
      "touch created-by-rc-macro",
    ]) {
      expect(run.stdout, `the plan does not mention ${command}`).toContain(command);
    }
    expect(run.stdout).toMatch(/^demo\.md:6 .*\$ touch created-by-demo/m);
    expect(run.stdout).toMatch(/nothing was executed/);
  });
});

describe("--json", () => {
  const files = {
    "demo.md": [
      "# Nesting", // 1
      "",
      "```bash",
      "DIR=parts",
      "$SHELL ${DIR}/sub.md", // 5
      "#@$SHELL parts/sub.md",
      'echo "first arg: ${1}"',
      "```",
      "",
    ].join("\n"),
    "parts/sub.md": "# Sub\n\n```bash\necho in sub\n```\n",
  };

  // One run, read for its two points: nesting, and the arguments filled in.
  let planned: Run | undefined;
  const plan = (): Run => {
    planned ??= demoshts(workspace(files), ["--dry-run", "--json", "demo.md", "alpha"]);
    return planned;
  };

  it("prints one JSON object a line, with nested demos inline at depth 1", () => {
    const run = plan();
    expect(run.status).toBe(0);
    const records = jsonLines(run.stdout);
    const nested = records.flatMap((r, i) => (r.kind === "nested" ? [i] : []));
    expect(
      nested.map((i) => records[i]),
      "both ways of running parts/sub.md appear as nested demos",
    ).toMatchObject([
      { kind: "nested", file: "demo.md", line: 5, depth: 0, target: "parts/sub.md", args: [] },
      { kind: "nested", file: "demo.md", line: 6, depth: 0, target: "parts/sub.md", args: [] },
    ]);
    for (const i of nested) {
      const inner: JsonRecord[] = [];
      for (const r of records.slice(i + 1)) {
        if (r.depth === 0) break;
        inner.push(r);
      }
      expect(inner.length, "a nested demo is followed by its steps").toBeGreaterThan(0);
      for (const r of inner) expect(r).toMatchObject({ depth: 1, file: "parts/sub.md" });
      expect(inner).toContainEqual(
        expect.objectContaining({ kind: "command", text: "echo in sub", line: 4 }),
      );
    }
  });

  it("fills positional arguments into what the audience sees", () => {
    const run = plan();
    expect(run.status).toBe(0);
    const echo = jsonLines(run.stdout).find((r) => r.kind === "command" && r.line === 7);
    expect(echo).toMatchObject({
      file: "demo.md",
      text: 'echo "first arg: ${1}"',
      shown: 'echo "first arg: alpha"',
    });
  });
});

describe("script errors stop before anything runs (exit 2)", () => {
  const cases: {
    name: string;
    files: Record<string, string | Uint8Array>;
    script: string;
    file: string;
    line: number;
  }[] = [
    {
      name: "an unclosed <!-- @macro m -->",
      files: { "demo.md": "# T\n\n<!-- @macro m -->\necho hi\n\n```bash\ntouch x\n```\n" },
      script: "demo.md",
      file: "demo.md",
      line: 3,
    },
    {
      name: "an unclosed #@ifhook h",
      files: { "demo.md": "# T\n\n```bash\necho a\n#@ifhook h\necho b\n```\n" },
      script: "demo.md",
      file: "demo.md",
      line: 5,
    },
    {
      name: "@import of a missing file",
      files: { "demo.md": "# T\n\n```bash\necho a\n```\n\n<!-- @import missing.md -->\n" },
      script: "demo.md",
      file: "demo.md",
      line: 7,
    },
    {
      name: "a file that imports itself",
      files: { "demo.md": "# T\n\n```bash\n#@import demo.md\n```\n" },
      script: "demo.md",
      file: "demo.md",
      line: 4,
    },
    {
      name: "two files importing each other (at the import closing the loop)",
      files: {
        "demo.md": "# A\n\n<!-- @import b.md -->\n",
        "b.md": "# B\n\nsome text\n\n<!-- @import demo.md -->\n",
      },
      script: "demo.md",
      file: "b.md",
      line: 5,
    },
    {
      name: "a binary file (NUL bytes)",
      files: { "demo.sh": Uint8Array.from([...Buffer.from("echo hi\n"), 0, 0, 0x0a]) },
      script: "demo.sh",
      file: "demo.sh",
      line: 2,
    },
    {
      name: "a missing script file",
      files: {},
      script: "nope.md",
      file: "nope.md",
      line: 1,
    },
  ];

  it.each(cases)("$name", ({ files, script, file, line }) => {
    const dir = workspace(files);
    const run = demoshts(dir, ["--dry-run", script]);
    expect(run.status).toBe(2);
    expectDiagnostic(run.stderr, "error", file, line);
    expect(run.stdout, "no plan is printed").toBe("");
    expect(fs.readdirSync(dir).sort()).toEqual(Object.keys(files).sort());
  });

  it("an unclosed ```bash block is only a located warning (exit 0)", () => {
    const run = demoshts(workspace({ "demo.md": "# T\n\n```bash\necho a\n" }), [
      "--dry-run",
      "demo.md",
    ]);
    expect(run.status).toBe(0);
    expectDiagnostic(run.stderr, "warning", "demo.md", 3);
    expect(run.stderr).not.toMatch(/: error: /);
    expect(run.stdout).toContain("echo a");
  });
});

describe("builtins and init files", () => {
  const files = {
    "demo.md": "# T\n\n```bash\n#@wait_clear\nhello\n```\n",
    ".demoshrc": "#@macro hello\n  echo from-rc-macro\n#@end\ntouch from-rc\n",
  };

  it("#@wait_clear runs the builtin macro; with --no-builtins it is a plain command", () => {
    const dir = workspace(files);
    const withBuiltins = jsonLines(demoshts(dir, ["--dry-run", "--json", "demo.md"]).stdout);
    expect(withBuiltins.find((r) => r.line === 4 && r.file === "demo.md")).toMatchObject({
      kind: "macro",
      name: "wait_clear",
    });
    expect(withBuiltins.some((r) => r.kind === "wait")).toBe(true);

    const run = demoshts(dir, ["--dry-run", "--json", "--no-builtins", "demo.md"]);
    expect(run.status).toBe(0);
    const records = jsonLines(run.stdout);
    expect(records.find((r) => r.line === 4 && r.file === "demo.md")).toMatchObject({
      kind: "command",
      text: "wait_clear",
      runs: true,
    });
    expect(records.some((r) => r.name === "wait_clear" || r.kind === "wait")).toBe(false);
  });

  it("reads .demoshrc first, so its macros work in the demo", () => {
    const run = demoshts(workspace(files), ["--dry-run", "--json", "demo.md"]);
    expect(run.status).toBe(0);
    const records = jsonLines(run.stdout);
    expect(records).toContainEqual(
      expect.objectContaining({ kind: "command", file: ".demoshrc", text: "touch from-rc" }),
    );
    const call = records.findIndex((r) => r.kind === "macro" && r.name === "hello");
    expect(records[call]).toMatchObject({ file: "demo.md", line: 5 });
    expect(records[call + 1]).toMatchObject({
      kind: "command",
      file: ".demoshrc",
      line: 2,
      text: "echo from-rc-macro",
    });
    expect(records[call + 2]).toMatchObject({ kind: "macro-end", name: "hello" });
  });

  it("--no-init ignores .demoshrc", () => {
    const run = demoshts(workspace(files), ["--dry-run", "--json", "--no-init", "demo.md"]);
    expect(run.status).toBe(0);
    const records = jsonLines(run.stdout);
    expect(records.filter((r) => r.file === ".demoshrc")).toEqual([]);
    expect(records.find((r) => r.line === 5 && r.file === "demo.md")).toMatchObject({
      kind: "command",
      text: "hello",
    });
  });
});

describe("--debug", () => {
  it("prints how each line was understood, on stderr, as debug: lines", () => {
    const demo = "# T\n\n```bash\n#@wait\necho one\n```\n";
    const dir = workspace({ "demo.md": demo });
    const run = demoshts(dir, ["--dry-run", "--debug", "demo.md"]);
    expect(run.status).toBe(0);
    const debug = run.stderr.split("\n").filter((l) => l.startsWith("debug:"));
    expect(debug.find((l) => l.includes("demo.md:1:"))).toMatch(/commentary/);
    expect(debug.find((l) => l.includes("demo.md:4:"))).toMatch(/wait/);
    expect(debug.find((l) => l.includes("demo.md:5:"))).toMatch(/command.*echo one/);
    expect(run.stdout, "the plan is still printed").toContain("echo one");

    const quiet = demoshts(dir, ["--dry-run", "demo.md"]);
    expect(quiet.stderr).not.toMatch(/^debug:/m);
  });
});

describe("demos that never end", () => {
  it("a macro calling itself is reported at the call, not planned forever", () => {
    const dir = workspace({ "demo.sh": "#@macro m\n  echo again\n  m\n#@end\nm\n" });
    const run = demoshts(dir, ["--dry-run", "demo.sh"], {
      timeout: 4_000,
      node: ["--max-old-space-size=256"],
    });
    expect(run.signal, "demoshts was killed: it did not finish within 4 s").toBeNull();
    expect(run.status).toBe(2);
    expectDiagnostic(run.stderr, "error", "demo.sh", 3);
    expect(run.stdout).toBe("");
  });

  it("a demo that runs itself with $SHELL is planned once, with a located warning", () => {
    const dir = workspace({ "demo.md": "# T\n\n```bash\necho hi\n$SHELL demo.md\n```\n" });
    const run = demoshts(dir, ["--dry-run", "--json", "demo.md"]);
    expect(run.status).toBe(0);
    expectDiagnostic(run.stderr, "warning", "demo.md", 5);
    expect(jsonLines(run.stdout).filter((r) => r.kind === "nested")).toEqual([]);
  });
});

describe("a demo that shows nothing", () => {
  it("the dry run's summary says so, with where @SHOW would go", () => {
    const cwd = workspace({ "demo.md": "# Demo\n\nWords.\n\n```bash\necho one\n```\n" });
    const run = demoshts(cwd, ["--dry-run", "demo.md"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(
      "demo.md shows the audience nothing: a demo starts hidden, and nothing in it turned on @SHOW. Put <!-- @SHOW --> on a line of its own",
    );
  });

  it("the dry run of a demo that shows something does not", () => {
    const cwd = workspace({ "demo.md": "<!-- @SHOW -->\n# Demo\n\n```bash\necho one\n```\n" });
    const run = demoshts(cwd, ["--dry-run", "demo.md"]);
    expect(run.status).toBe(0);
    expect(run.stdout).not.toContain("shows the audience nothing");
  });
});
