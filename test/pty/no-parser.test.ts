import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { CLI, cleanupDirs, workspace } from "./harness.js";
import { killScreens, startScreen } from "./screen.js";

// A live run never loads the bash parser (web-tree-sitter and its grammar): it would only
// slow the start. The hooks below write every attempt to load it to a log, and refuse it.

const HOOKS = fileURLToPath(new URL("../helpers/no-parser.mjs", import.meta.url));

afterEach(() => {
  killScreens();
});

afterAll(() => {
  cleanupDirs();
});

/** A demo that assigns, changes directory and runs a nested demo named by a variable. */
const FILES = {
  "demo.md": [
    "```bash",
    "GREETING=hello",
    "cd parts",
    "```",
    "",
    "<!-- @SHOW -->",
    "",
    "```bash",
    'echo "said-$GREETING"',
    "$SHELL ${PART}.md",
    "```",
    "",
  ].join("\n"),
  "parts/intro.md": ["<!-- @SHOW -->", "", "```bash", "echo nested-intro", "```", ""].join("\n"),
};

/** The environment that logs (and refuses) every load of the parser, children included. */
function watched(cwd: string): { env: Record<string, string>; log: string } {
  const log = path.join(cwd, "parser.log");
  return { env: { NODE_OPTIONS: `--import=${HOOKS}`, DEMOSHTS_PARSER_LOG: log }, log };
}

const loads = (log: string): string => (fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "");

function cli(cwd: string, args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: workspace(),
      LANG: "C.UTF-8",
      PART: "intro",
      ...env,
    },
    encoding: "utf8",
    timeout: 30_000,
  });
}

describe("a live run does not load the bash parser", () => {
  it("the watch sees the dry run load it", () => {
    const cwd = workspace(FILES);
    const { env, log } = watched(cwd);
    cli(cwd, ["--dry-run", "demo.md"], env);
    expect(loads(log)).toContain("web-tree-sitter");
  });

  it("nor does the dry run of a demo with no command that could change what is known", () => {
    const cwd = workspace({ "demo.md": "<!-- @SHOW -->\n\n```bash\nls -l\necho ${PART}\n```\n" });
    const { env, log } = watched(cwd);
    const run = cli(cwd, ["--dry-run", "demo.md"], env);
    expect(run.stdout).toContain("$ echo intro");
    expect(run.status).toBe(0);
    expect(loads(log)).toBe("");
  });

  it("--ci runs the demo and its nested demo without it, also from a given step", () => {
    const cwd = workspace(FILES);
    const { env, log } = watched(cwd);
    const run = cli(cwd, ["--ci", "demo.md"], env);
    expect(run.stdout).toContain("said-hello");
    expect(run.stdout).toContain("nested-intro");
    expect(run.status).toBe(0);
    // --from plans the steps before it starts, as the presenter's status line does.
    const from = cli(cwd, ["--ci", "--from", "demo.md:9", "demo.md"], env);
    expect(from.stdout).toContain("nested-intro");
    expect(from.status).toBe(0);
    expect(loads(log)).toBe("");
  });

  it("the presenter's status line counts the nested demo's steps without it", async () => {
    const cwd = workspace(FILES);
    const { env, log } = watched(cwd);
    const p = startScreen(["--no-blurb", "--typing-speed", "0", "--status", "demo.md"], {
      cwd,
      env: { ...env, PART: "intro" },
    });
    const last = (rows: string[]) => rows[rows.length - 1] ?? "";
    await p.until((r) => /step 1\/3/.test(last(r)), "step 1/3", 15_000);
    p.write("\r");
    await p.until((r) => /step 2\/3/.test(last(r)), "step 2/3", 15_000);
    p.write("\r");
    await p.until((r) => /step 3\/3/.test(last(r)), "step 3/3", 15_000);
    p.write("\r");
    expect(await p.exited()).toBe(0);
    expect(loads(log)).toBe("");
  });
});
