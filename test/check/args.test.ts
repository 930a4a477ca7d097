import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { removeWorkspaces, workspace } from "../helpers/workspace.js";

const CLI = path.join(fileURLToPath(new URL("../..", import.meta.url)), "dist", "cli.js");

afterAll(removeWorkspaces);

function check(cwd: string, args: string[]) {
  const result = spawnSync(process.execPath, [CLI, "check", ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: workspace(), LANG: "C.UTF-8" },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, out: result.stdout ?? "", err: result.stderr ?? "" };
}

describe("demoshts check FILE ARGS...", () => {
  it("gives the words after FILE to the demo as $1, $2..., options included", () => {
    const dir = workspace({
      "demo.sh": 'kubectl apply -f "$1"\nbat "$2" "$3"\n',
      "present.yaml": "a: 1\n",
    });
    const run = check(dir, ["demo.sh", "-x", "gone.yaml", "present.yaml"]);
    expect(run.err).toBe("");
    expect(run.out).toContain("demo.sh:1: error: manifest -x does not exist");
    expect(run.out).toContain("demo.sh:2: error: file gone.yaml does not exist");
    expect(run.out).not.toContain("present.yaml does not exist");
    expect(run.status).toBe(1);
  }, 120_000);
});
