import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "./e2e-helpers.js";

let server: Server;
let port = 0;
const dirs: string[] = [];
/** How many times the stand-in server was asked for /version. */
let asked = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/version") {
      asked++;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ major: "1", minor: "30", gitVersion: "v1.30.4" }));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A workspace with a kubeconfig whose current context is `current`; both contexts reach the stand-in server. */
function workspace(current: string, demo: string): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), "demoshts-guard-")));
  dirs.push(dir);
  const kubeconfig = [
    "apiVersion: v1",
    "kind: Config",
    `current-context: ${current}`,
    "clusters:",
    "  - name: local",
    `    cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true }`,
    "contexts:",
    "  - name: k3d-workshop",
    "    context: { cluster: local, user: demo }",
    "  - name: prod",
    "    context: { cluster: local, user: demo }",
    "users:",
    "  - name: demo",
    "    user: { token: secret }",
    "",
  ].join("\n");
  writeFileSync(path.join(dir, "kubeconfig"), kubeconfig);
  writeFileSync(path.join(dir, "demo.md"), demo);
  return dir;
}

function demoshts(dir: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        KUBECONFIG: path.join(dir, "kubeconfig"),
        ...env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const DEMO = "# Demo\n\n```bash\ntouch created-by-demo\n$SHELL nested.md\n```\n";

describe("the cluster guard, end to end", () => {
  it("refuses a wrong context with exit 2, naming both contexts, and runs nothing", async () => {
    const dir = workspace("prod", DEMO);
    const run = await demoshts(dir, ["--ci", "--kube-context", "k3d-workshop", "demo.md"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("k3d-workshop");
    expect(run.stderr).toContain("prod");
    expect(run.stderr).toContain("nothing was executed");
    expect(existsSync(path.join(dir, "created-by-demo"))).toBe(false);
  });

  it("also refuses through DEMOSH_KUBE_CONTEXT and through the script's @kube-context", async () => {
    const byEnv = workspace("prod", DEMO);
    const run = await demoshts(byEnv, ["--ci", "demo.md"], { DEMOSH_KUBE_CONTEXT: "k3d-workshop" });
    expect(run.status).toBe(2);
    expect(existsSync(path.join(byEnv, "created-by-demo"))).toBe(false);
    const byScript = workspace("prod", `<!-- @kube-context k3d-workshop -->\n${DEMO}`);
    const scripted = await demoshts(byScript, ["--ci", "demo.md"]);
    expect(scripted.status).toBe(2);
    expect(scripted.stderr).toContain("demo.md:1 asks for it");
    expect(existsSync(path.join(byScript, "created-by-demo"))).toBe(false);
  });

  /**
   * A run expecting k3d-workshop of `demo`, whose nested.md says what context it sees; with
   * how many times the stand-in server was asked, and whether the nested demo ran.
   */
  async function guardedWithNested(demo: string) {
    const dir = workspace("k3d-workshop", demo);
    writeFileSync(
      path.join(dir, "nested.md"),
      '```bash\necho "nested sees $DEMOSH_KUBE_CONTEXT"\ntouch created-by-nested\n```\n',
    );
    const before = asked;
    const run = await demoshts(dir, ["--ci", "--kube-context", "k3d-workshop", "demo.md"]);
    return {
      ...run,
      dir,
      asked: asked - before,
      nestedRan: existsSync(path.join(dir, "created-by-nested")),
    };
  }

  it("runs when the context is the expected one and its API server answers; nested demos check the context again, not the server", async () => {
    const run = await guardedWithNested(DEMO);
    expect(run.stderr).not.toContain("error");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("nested sees k3d-workshop");
    expect(existsSync(path.join(run.dir, "created-by-demo"))).toBe(true);
    expect(run.nestedRan).toBe(true);
    // The outer run asked; its nested demo, on the same context and server, did not.
    expect(run.asked).toBe(1);
  });

  it("a nested demo refuses a context the demo switched to, and asks a server that changed", async () => {
    const switched = await guardedWithNested(
      "```bash\nsed -i 's/^current-context: .*/current-context: prod/' kubeconfig\n$SHELL nested.md\n```\n",
    );
    expect(switched.status).not.toBe(0);
    expect(switched.stderr).toContain('but the current context is "prod"');
    expect(switched.nestedRan).toBe(false);

    // The same context moved to another address of the same server: asked again.
    const moved = await guardedWithNested(
      "```bash\nsed -i 's#http://127.0.0.1:#http://localhost:#' kubeconfig\n$SHELL nested.md\n```\n",
    );
    expect(moved.status, moved.stderr).toBe(0);
    expect(moved.nestedRan).toBe(true);
    expect(moved.asked).toBe(2);
  });

  it("refuses when the expected context's API server does not answer", async () => {
    const dir = workspace("k3d-workshop", DEMO);
    const dead = path.join(dir, "kubeconfig");
    writeFileSync(
      dead,
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: k3d-workshop",
        "clusters:",
        "  - name: local",
        '    cluster: { server: "http://127.0.0.1:9", insecure-skip-tls-verify: true }',
        "contexts:",
        "  - name: k3d-workshop",
        "    context: { cluster: local, user: demo }",
        "users:",
        "  - name: demo",
        "    user: { token: secret }",
        "",
      ].join("\n"),
    );
    const run = await demoshts(dir, ["--ci", "--kube-context", "k3d-workshop", "demo.md"]);
    expect(run.status).toBe(2);
    expect(existsSync(path.join(dir, "created-by-demo"))).toBe(false);
  });
});
