import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDoctor } from "../../src/doctor/doctor.js";
import { memoryIo } from "../check/helpers.js";

let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ major: "1", minor: "30", gitVersion: "v1.30.4" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const kubeconfig = (serverUrl: string) =>
  [
    "apiVersion: v1",
    "kind: Config",
    "current-context: k3d-demo",
    "clusters:",
    `  - name: k3d-demo`,
    `    cluster: { server: "${serverUrl}" }`,
    "contexts:",
    "  - name: k3d-demo",
    "    context: { cluster: k3d-demo, user: admin }",
    "users:",
    "  - name: admin",
    "    user: { token: t }",
    "",
  ].join("\n");

function doctor(files: Record<string, string>, installed: string[], kubeconfigText?: string) {
  const io = memoryIo(files, (name) => (installed.includes(name) ? `/usr/bin/${name}` : undefined));
  const versions: string[] = [];
  const result = runDoctor(
    {
      file: "demo.md",
      args: [],
      env: { PATH: "/usr/bin" },
      load: { builtins: true, init: false, home: "/home/me" },
      shellCommand: "/usr/local/bin/demoshts",
    },
    {
      ...io,
      kubeconfig: {
        env: {},
        home: "/home/me",
        readFile: (p) => (p === "/home/me/.kube/config" ? kubeconfigText : undefined),
      },
      runVersion: async (file, args) => {
        versions.push(`${file} ${args.join(" ")}`);
        if (file.endsWith("kubectl")) {
          return args[0] === "version" ? "Client Version: v1.31.0" : undefined;
        }
        // dash and a BSD rm have no --version either.
        if (/\/(sh|rm)$/.test(file)) return undefined;
        return args[0] === "--version" ? `${file.split("/").pop()} 1.2.3` : undefined;
      },
    },
  );
  return result.then((code) => ({ code, out: io.out(), err: io.err(), versions }));
}

const DEMO = "# Demo\n\n```bash\nkubectl get pods\nhelm list\njq --version\n```\n";

describe("demoshts doctor", () => {
  it("lists each command with its path and version, the context, and a server that answers", async () => {
    const run = await doctor(
      { "demo.md": DEMO },
      ["kubectl", "helm", "jq"],
      kubeconfig(`http://127.0.0.1:${port}`),
    );
    expect(run.out).toMatch(/ok +helm +\/usr\/bin\/helm +helm 1\.2\.3/);
    expect(run.out).toMatch(/ok +kubectl +\/usr\/bin\/kubectl +Client Version: v1\.31\.0/);
    expect(run.out).toContain("current context: k3d-demo");
    expect(run.out).toContain("API server: answers, Kubernetes v1.30.4");
    expect(run.out).toContain("Everything the demo needs is here.");
    expect(run.code).toBe(0);
    // kubectl has no --version: its `version --client` was asked for after that failed.
    expect(run.versions).toContain("/usr/bin/kubectl version --client");
  });

  it("asks only the CLIs known to have one for a version subcommand", async () => {
    // `sh version --client` would run a file named version; an rm without --version (macOS)
    // would remove one.
    const run = await doctor(
      { "demo.md": "```bash\nkubectl get pods\nsh -c true\nrm -f x\nlinkerd check\n```\n" },
      ["kubectl", "sh", "rm", "linkerd"],
    );
    const asked = run.versions.filter((v) => / version/.test(v)).sort();
    expect(asked).toEqual(["/usr/bin/kubectl version --client"]);
    expect(run.versions).toContain("/usr/bin/rm --version");
  });

  it("names what is missing, where the demo first uses it, and a server that does not answer", async () => {
    const run = await doctor(
      { "demo.md": DEMO },
      ["kubectl", "jq"],
      kubeconfig("http://127.0.0.1:9"),
    );
    expect(run.out).toMatch(/MISSING +helm +not on PATH \(first used at demo\.md:5\)/);
    expect(run.out).toMatch(/API server: does not answer/);
    expect(run.out).toContain("Not ready: 1 command missing, no usable cluster.");
    expect(run.code).toBe(1);
  });

  it("says when there is no kubeconfig at all", async () => {
    const run = await doctor({ "demo.md": DEMO }, ["kubectl", "helm", "jq"]);
    expect(run.out).toMatch(/kubeconfig: .*does not exist/);
    expect(run.code).toBe(1);
  });

  it("does not need a cluster for a demo that uses no cluster CLI", async () => {
    const run = await doctor({ "demo.md": "```bash\necho hi\n```\n" }, ["echo"]);
    expect(run.code).toBe(0);
  });

  it("exits 2 when the demo cannot be read", async () => {
    const run = await doctor({ "other.md": "" }, []);
    expect(run.code).toBe(2);
    expect(run.err).toContain("demo.md");
  });
});
