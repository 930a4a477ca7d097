import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SCRIPT = path.join(ROOT, "scripts", "lint-shell.mjs");

// shellcheck itself runs in `npm run lint:shell` (.ci/run installs it); these
// tests hold the script to what it promises without needing shellcheck.
describe("npm run lint:shell", () => {
  it("checks the workshop's shell scripts", () => {
    const run = spawnSync(process.execPath, [SCRIPT, "--list"], { cwd: ROOT, encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout.split("\n")).toEqual(
      expect.arrayContaining([
        "create-cluster.sh",
        "tools/check-requirements.sh",
        "linkerd/get-ingress-ip.sh",
        "istio/get-ingress-ip.sh",
      ]),
    );
  });

  it("fails naming the install step when shellcheck is not installed", () => {
    // A PATH with node and nothing else.
    const bin = mkdtempSync(path.join(tmpdir(), "demoshts-nopath-"));
    try {
      symlinkSync(process.execPath, path.join(bin, "node"));
      const run = spawnSync(process.execPath, [SCRIPT], {
        cwd: ROOT,
        env: { PATH: bin },
        encoding: "utf8",
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(
        "shellcheck is not installed; install it with: sudo apt-get update && sudo apt-get install -y shellcheck",
      );
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
