import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { removeWorkspaces, workspace } from "../helpers/workspace.js";

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

afterAll(removeWorkspaces);

/** `demoshts --dry-run FILE` in `cwd`: the plan's lines, trailing blanks and the summary left out. */
function dryRun(cwd: string, file: string, env: Record<string, string> = {}): string[] {
  const run = spawnSync(process.execPath, [CLI, "--dry-run", file], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: workspace(), LANG: "C.UTF-8", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  return run.stdout
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("Plan:"))
    .map((l) => l.replace(/ +/g, " ").trimEnd());
}

const sh = (...lines: string[]) => `${lines.join("\n")}\n`;

describe("the dry run reads commands as bash does", () => {
  it("learns variables from export lists, commented and heredoc-holding commands", () => {
    const dir = workspace({
      "demo.sh": sh(
        "#@SHOW",
        "export A=1 B=$A",
        "echo ${B}",
        "NAME=demo # the name",
        "echo ${NAME}",
        "cat <<EOT > notes.txt",
        "X=2",
        "EOT",
        "echo ${X}",
      ),
    });
    expect(dryRun(dir, "demo.sh", { X: "from-env" })).toEqual([
      "demo.sh:2 [key] $ export A=1 B=$A",
      "demo.sh:3 [key] $ echo 1",
      "demo.sh:4 [key] $ NAME=demo # the name",
      "demo.sh:5 [key] $ echo demo",
      "demo.sh:6 [key] $ cat <<EOT > notes.txt",
      " X=2",
      " EOT",
      "demo.sh:9 [key] $ echo from-env",
    ]);
  });

  it("follows cd in lists, and plans nested demos from where it went", () => {
    const dir = workspace({
      "demo.sh": sh(
        "#@SHOW",
        "DIR=sub",
        'cd "$DIR" && ls',
        "$SHELL other.sh",
        "A=2; cd ../more",
        '$SHELL "./other demo.sh" ${A} && echo done',
      ),
      "sub/other.sh": sh("#@SHOW", "echo in sub"),
      "more/other demo.sh": sh("#@SHOW", "echo ${1}"),
    });
    expect(dryRun(dir, "demo.sh")).toEqual([
      "demo.sh:2 [key] $ DIR=sub",
      'demo.sh:3 [key] $ cd "$DIR" && ls',
      "demo.sh:4 [key] $ $SHELL other.sh",
      "demo.sh:4 nested demo sub/other.sh:",
      "sub/other.sh:2 [key] $ echo in sub",
      "demo.sh:5 [key] $ A=2; cd ../more",
      'demo.sh:6 [key] $ $SHELL "./other demo.sh" 2 && echo done',
      "demo.sh:6 nested demo more/other demo.sh 2:",
      "more/other demo.sh:2 [key] $ echo 2",
    ]);
  });

  it("knows that a subshell's cd changes nothing after it, and a branch's may", () => {
    const dir = workspace({
      "demo.sh": sh(
        "#@SHOW",
        "(cd sub && ls)",
        "HERE=$(cd sub; pwd)",
        "$SHELL top.sh",
        "if test -d sub; then cd sub; fi",
        "$SHELL top.sh",
      ),
      "top.sh": sh("#@SHOW", "echo at the top"),
      "sub/top.sh": sh("#@SHOW", "echo in sub"),
    });
    expect(dryRun(dir, "demo.sh")).toEqual([
      "demo.sh:2 [key] $ (cd sub && ls)",
      "demo.sh:3 [key] $ HERE=$(cd sub; pwd)",
      "demo.sh:4 [key] $ $SHELL top.sh",
      "demo.sh:4 nested demo top.sh:",
      "top.sh:2 [key] $ echo at the top",
      "demo.sh:5 [key] $ if test -d sub; then cd sub; fi",
      "demo.sh:6 [key] $ $SHELL top.sh",
    ]);
  });
});
