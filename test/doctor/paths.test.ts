import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { removeWorkspaces, workspace } from "../helpers/workspace.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = path.join(ROOT, "dist", "cli.js");

afterAll(removeWorkspaces);

/** What every machine has, and the workshop uses. */
const BASICS = ["bash", "sh", "diff", "head", "tail", "sed", "mkdir", "clear", "which"];

/** A directory of fake executables that print a version, to stand for this machine's PATH. */
function fakeBin(tools: readonly string[], without: readonly string[] = []): string {
  const names = [...BASICS.filter((n) => !without.includes(n)), ...tools];
  const files: Record<string, string> = {};
  for (const name of names) files[name] = `#!/bin/sh\necho "${name} 9.9.9"\n`;
  const dir = workspace(files);
  for (const name of names) fs.chmodSync(path.join(dir, name), 0o755);
  return dir;
}

function doctor(cwd: string, file: string, bin: string, env: Record<string, string> = {}) {
  const home = workspace();
  const result = spawnSync(process.execPath, [CLI, "doctor", file], {
    cwd,
    env: { PATH: bin, HOME: home, LANG: "C.UTF-8", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, out: result.stdout ?? "", err: result.stderr ?? "" };
}

// Each test runs the built CLI a few times: generous limits for a busy machine.
const SLOW = 120_000;

describe("demoshts doctor on the path the demo takes", () => {
  it(
    "says the workshop is ready with bat but no batcat and no mesh CLI (the cluster aside)",
    () => {
      const bin = fakeBin(["kubectl", "helm", "curl", "bat"]);
      for (const mesh of ["linkerd", "istio"]) {
        const run = doctor(ROOT, "README.md", bin, { DEMO_MESH: mesh });
        expect(run.out).toMatch(/ok +bat +\S+\/bat +bat 9\.9\.9/);
        expect(run.out).toMatch(
          /- +batcat +not needed here: the demo runs it only when bat is missing/,
        );
        const cli = mesh === "linkerd" ? "linkerd" : "istioctl";
        expect(run.out).toMatch(new RegExp(`later +${cli} +installed by the demo`));
        expect(run.out).not.toContain("MISSING");
        expect(run.out).toContain("Not ready: no usable cluster.");
        expect(run.status).toBe(1);
      }
    },
    SLOW,
  );

  it(
    "takes the function the demo defines when only batcat is there, and names bat when neither is",
    () => {
      const withBatcat = doctor(ROOT, "README.md", fakeBin(["kubectl", "helm", "curl", "batcat"]), {
        DEMO_MESH: "linkerd",
      });
      expect(withBatcat.out).toMatch(/ok +bat +a function or alias of the demo/);
      expect(withBatcat.out).toMatch(/ok +batcat +\S+\/batcat/);
      expect(withBatcat.out).not.toContain("MISSING");
      const without = doctor(ROOT, "README.md", fakeBin(["kubectl", "helm", "curl"]), {
        DEMO_MESH: "linkerd",
      });
      expect(without.out).toMatch(/MISSING +bat +not on PATH/);
      expect(without.out).not.toMatch(/MISSING +batcat/);
    },
    SLOW,
  );

  it(
    "does not say the workshop installs tail: the download's failure branch runs it, with PATH unchanged",
    () => {
      const bin = fakeBin(["kubectl", "helm", "curl", "bat"], ["tail"]);
      const run = doctor(ROOT, "README.md", bin, { DEMO_MESH: "linkerd" });
      expect(run.out).toMatch(
        /MISSING +tail +not on PATH \(first used at linkerd\/install\.md:30\)/,
      );
      expect(run.out).not.toMatch(/later +tail/);
      expect(run.out).toMatch(
        /later +linkerd +installed by the demo \(the installer it downloads and runs at linkerd\/install\.md:25, then PATH gets \S+\/\.linkerd2\/bin at linkerd\/install\.md:26\)/,
      );
      expect(run.out).toContain("Not ready: 1 command missing, no usable cluster.");
    },
    SLOW,
  );

  it(
    "says a command is installed by the demo only when the demo puts it in a directory on PATH",
    () => {
      const demo = workspace({
        "demo.sh": [
          // A download that installs nothing, then a PATH change: jq is still missing.
          "curl -sSfLo data.json https://example.com/data.json",
          'export PATH="$HOME/tools/bin:$PATH"',
          "jq . data.json",
          // Written into a directory that then goes on PATH.
          'mkdir -p "$HOME/kind/bin"',
          'curl -sSfLo "$HOME/kind/bin/kind" https://example.com/kind-linux-amd64',
          'chmod +x "$HOME/kind/bin/kind"',
          'export PATH="$HOME/kind/bin:$PATH"',
          "kind create cluster",
          // Unpacked above the directory that goes on PATH.
          'tar -xzf helm.tgz -C "$HOME/opt"',
          'PATH="$HOME/opt/linux-amd64:$PATH" helm version',
          // An installer piped to sh, then PATH; the branch where it failed changes nothing.
          "if curl -sSfL https://example.com/install | sh; then \\",
          '  export PATH="$HOME/.mytool/bin:$PATH"; \\',
          "else \\",
          "  nl install.log; \\",
          "fi",
          "mytool --version",
          // On this machine's PATH: present, whatever the demo does.
          'install -m 755 diff "$HOME/kind/bin/diff"',
          "diff a b",
          "",
        ].join("\n"),
        "helm.tgz": "",
      });
      const run = doctor(demo, "demo.sh", fakeBin(["curl", "chmod", "tar", "install"]));
      expect(run.out).toMatch(/MISSING +jq +not on PATH \(first used at demo\.sh:3\)/);
      expect(run.out).toMatch(
        /later +kind +installed by the demo \(written to \S+\/kind\/bin\/kind at demo\.sh:5, a directory it puts on PATH at demo\.sh:7\)/,
      );
      expect(run.out).toMatch(
        /later +helm +installed by the demo \(unpacked into \S+\/opt at demo\.sh:9, a directory it puts on PATH at demo\.sh:10\)/,
      );
      expect(run.out).toMatch(
        /later +mytool +installed by the demo \(the installer it downloads and runs at demo\.sh:11, then PATH gets \S+\/\.mytool\/bin at demo\.sh:12\)/,
      );
      expect(run.out).toMatch(/MISSING +nl +not on PATH \(first used at demo\.sh:14\)/);
      expect(run.out).toMatch(/ok +diff +\S+\/diff +diff 9\.9\.9/);
      expect(run.out).toContain("Not ready: 2 commands missing");
      expect(run.status).toBe(1);
    },
    SLOW,
  );

  it(
    "needs one of the alternatives an if or || chooses between",
    () => {
      const demo = workspace({
        "demo.sh": [
          "if command -v podman >/dev/null; then podman ps; else docker ps; fi",
          "command -v jq >/dev/null || alias jq=gojq",
          "jq . x.json",
          "which fancy && fancy --go",
          "",
        ].join("\n"),
      });
      const onlyPodman = doctor(demo, "demo.sh", fakeBin(["podman", "jq"]));
      expect(onlyPodman.out).toMatch(/ok +podman/);
      expect(onlyPodman.out).toMatch(
        /- +docker +not needed here: the demo runs it only when podman is missing/,
      );
      expect(onlyPodman.out).toMatch(
        /- +fancy +not needed here: the demo runs it only if it is there/,
      );
      expect(onlyPodman.out).toContain("Everything the demo needs is here.");
      expect(onlyPodman.status).toBe(0);
      const neither = doctor(demo, "demo.sh", fakeBin(["gojq"]));
      expect(neither.out).toMatch(/MISSING +docker/);
      expect(neither.out).toMatch(/ok +jq +a function or alias of the demo/);
      expect(neither.out).toContain("Not ready: 1 command missing.");
    },
    SLOW,
  );
});
