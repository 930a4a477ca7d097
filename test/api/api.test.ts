import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { CheckResult, PlanRecord, PlanResult, RunResult } from "demoshts";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, removeWorkspaces, workspace } from "../run/e2e-helpers.js";

afterAll(() => removeWorkspaces());

/**
 * Runs `body` (an ES module's text) in a new Node process from the project's root, where
 * `import ... from "demoshts"` finds the package itself (through package.json's `exports`, to
 * the built dist/index.js), as an installed package is found. Returns what it printed as JSON.
 */
function useApi<T>(body: string): T {
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", body], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, CI: "" },
  });
  if (run.status !== 0) throw new Error(`the API script failed (${run.status}):\n${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

describe("the package's API, imported by name", () => {
  it("exports load, plan, check and run, and package.json says where its types are", () => {
    const names = useApi<string[]>(
      'const api = await import("demoshts"); console.log(JSON.stringify(Object.keys(api).sort()));',
    );
    expect(names).toEqual(["check", "load", "plan", "run"]);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.exports["."]).toEqual({
      types: "./dist/types/index.d.ts",
      import: "./dist/index.js",
    });
    expect(pkg.main).toBeUndefined();
  });

  it("load reads a demo into located steps, and reports a bad one at its file and line", () => {
    const cwd = workspace({
      "good.sh": "#@SHOW\necho hi\n",
      "bad.md": "# Bad\n\n<!-- @macro m -->\n",
    });
    const [good, bad] = useApi<[{ ok: boolean; kinds: string[] }, { ok: boolean; where: string }]>(`
      import { load } from "demoshts";
      const good = load("good.sh", { cwd: ${JSON.stringify(cwd)}, init: false });
      const bad = load("bad.md", { cwd: ${JSON.stringify(cwd)}, init: false, builtins: false });
      console.log(JSON.stringify([
        { ok: good.ok, kinds: good.script.steps.filter((s) => s.loc.file === "good.sh").map((s) => s.kind) },
        { ok: bad.ok, where: bad.error.loc.file + ":" + bad.error.loc.line + ": " + bad.error.message },
      ]));`);
    expect(good).toEqual({ ok: true, kinds: ["mode", "command"] });
    expect(bad.ok).toBe(false);
    expect(bad.where).toMatch(/^bad\.md:3: /);
  });

  it("plan gives the dry run's records, executing nothing", () => {
    const cwd = workspace({ "demo.sh": "#@SHOW\ntouch made-by-run\necho done\n" });
    const result = useApi<PlanResult>(`
      import { plan } from "demoshts";
      console.log(JSON.stringify(await plan("demo.sh", { cwd: ${JSON.stringify(cwd)}, init: false })));`);
    expect(result.ok).toBe(true);
    const commands = result.ok
      ? result.records.filter(
          (r): r is Extract<PlanRecord, { kind: "command" }> => r.kind === "command",
        )
      : [];
    expect(commands.map((c) => [c.line, c.text, c.display])).toEqual([
      [2, "touch made-by-run", "typed"],
      [3, "echo done", "typed"],
    ]);
    expect(fs.existsSync(path.join(cwd, "made-by-run"))).toBe(false);
  });

  it("check finds a missing file at its line, executing nothing", () => {
    const cwd = workspace({ "demo.sh": "#@SHOW\ntouch made-by-run\ncat missing.txt\n" });
    const result = useApi<CheckResult>(`
      import { check } from "demoshts";
      console.log(JSON.stringify(await check("demo.sh", { cwd: ${JSON.stringify(cwd)}, init: false })));`);
    expect(result.errors).toBeGreaterThan(0);
    expect(result.findings).toContainEqual(
      expect.objectContaining({ severity: "error", file: "demo.sh", line: 3 }),
    );
    expect(fs.existsSync(path.join(cwd, "made-by-run"))).toBe(false);
  });

  it("run runs the demo unattended and returns its status and output, also as it comes", () => {
    const cwd = workspace({ "demo.sh": "#@SHOW\necho one\nfalse\necho not-reached\n" });
    const result = useApi<RunResult & { streamed: string }>(`
      import { run } from "demoshts";
      let streamed = "";
      const result = await run("demo.sh", { cwd: ${JSON.stringify(cwd)}, init: false, stdout: { write: (t) => { streamed += t; } } });
      console.log(JSON.stringify({ ...result, streamed }));`);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("demo.sh:2 $ echo one\none\n");
    expect(result.stdout).not.toContain("not-reached");
    expect(result.stderr).toContain("demo.sh:3: failed with status 1: false");
    expect(result.streamed).toBe(result.stdout);
  });
});
