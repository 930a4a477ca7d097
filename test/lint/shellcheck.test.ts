import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SKIP = new Set(["node_modules", "dist", ".git", "coverage"]);

/** Every shell script the project ships, found by name. */
function shellScripts(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return shellScripts(full);
    return name.endsWith(".sh") ? [path.relative(ROOT, full)] : [];
  });
}

describe("shell scripts", () => {
  const scripts = shellScripts(ROOT);

  it("include the workshop's scripts", () => {
    expect(scripts).toEqual(
      expect.arrayContaining([
        "create-cluster.sh",
        "tools/check-requirements.sh",
        "linkerd/get-ingress-ip.sh",
        "istio/get-ingress-ip.sh",
      ]),
    );
  });

  it("pass shellcheck (installed by .ci/run from Debian's packages)", () => {
    const found = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
    expect(found.error, "shellcheck is not installed: apt-get install shellcheck").toBeUndefined();
    const run = spawnSync("shellcheck", ["--shell=bash", ...scripts], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(run.stdout + run.stderr).toBe("");
    expect(run.status).toBe(0);
  });
});
