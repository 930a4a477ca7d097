/**
 * `demoshts check` on a real-disk copy of the workshop this repository ships:
 * it checks clean for both meshes, and each kind of problem planted in a copy
 * is reported at the right file and line. Nothing may be executed: every way
 * of starting a process is made to fail for these tests.
 */
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import {
  analyzeDemo,
  type CheckRequest,
  type DemoAnalysis,
  runCheck,
} from "../../src/check/check.js";
import { sortFindings } from "../../src/check/report.js";
import { brief, diskIo, lineOf, request } from "./helpers.js";

vi.mock("node:child_process", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:child_process")>();
  const refuse = (name: string) => () => {
    throw new Error(`demoshts check must not start processes (${name} was called)`);
  };
  const fake = {
    ...real,
    spawn: refuse("spawn"),
    spawnSync: refuse("spawnSync"),
    exec: refuse("exec"),
    execSync: refuse("execSync"),
    execFile: refuse("execFile"),
    execFileSync: refuse("execFileSync"),
    fork: refuse("fork"),
  };
  return { ...fake, default: fake };
});

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKSHOP = [
  "README.md",
  "tools",
  "linkerd",
  "istio",
  "k8s",
  "faces",
  "gateway-api",
  "examples",
  "create-cluster.sh",
];
const LINKERD_CRDS = path.join(
  ROOT,
  "test/fixtures/crds/linkerd-edge-24.10.4-policy-httproute-crd.yaml",
);
const MESHES = ["linkerd", "istio"] as const;
type Mesh = (typeof MESHES)[number];

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh copy of the workshop, changed by `plant` before the check. */
function workshop(plant: (dir: string) => void = () => {}): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "demoshts-check-")));
  made.push(dir);
  for (const entry of WORKSHOP) {
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
  }
  plant(dir);
  return dir;
}

function edit(dir: string, file: string, change: (text: string) => string): void {
  const at = path.join(dir, file);
  const before = fs.readFileSync(at, "utf8");
  const after = change(before);
  if (after === before) throw new Error(`the change to ${file} changed nothing`);
  fs.writeFileSync(at, after);
}

const readme = (dir: string): string => fs.readFileSync(path.join(dir, "README.md"), "utf8");

function meshRequest(mesh: Mesh, dir: string, more: Partial<CheckRequest> = {}): CheckRequest {
  return request("README.md", {
    env: { PATH: "/usr/bin:/bin", HOME: path.join(dir, "home"), DEMO_MESH: mesh },
    ...more,
  });
}

const everyCommand = (name: string) => `/usr/bin/${name}`;

async function check(
  mesh: Mesh,
  dir: string,
  which: (name: string, pathEnv: string) => string | undefined = everyCommand,
  more: Partial<CheckRequest> = {},
): Promise<DemoAnalysis> {
  const result = await analyzeDemo(meshRequest(mesh, dir, more), diskIo(dir, which));
  if (result.fatal) throw new Error(`the check could not run: ${result.fatal.message}`);
  return result;
}

/** Errors and warnings in brief, in report order. */
const problems = (result: DemoAnalysis): string[] =>
  sortFindings(result.findings)
    .filter((f) => f.severity !== "note")
    .map(brief);

describe("the workshop as shipped", () => {
  it.each(MESHES)("checks clean with DEMO_MESH=%s", async (mesh) => {
    const dir = workshop();
    const io = diskIo(dir);
    const code = await runCheck(meshRequest(mesh, dir), io);
    expect(io.err()).toBe("");
    expect(io.out()).toMatch(
      /^demoshts check: 0 errors, 0 warnings, [0-9]+ notes? in README.md \(and 3 nested demos, [0-9]+ files checked\)$/m,
    );
    expect(code).toBe(0);
    const result = await check(mesh, dir);
    expect(problems(result)).toEqual([]);
    const cli = mesh === "linkerd" ? "linkerd" : "istioctl";
    for (const name of ["kubectl", "helm", "curl", cli, "diff", "bash"]) {
      expect(result.commands.get(name)?.found).toBe(`/usr/bin/${name}`);
    }
    // bat is there, so the workshop's fallback to batcat is not taken.
    expect(result.commands.get("bat")?.found).toBe("/usr/bin/bat");
    expect(result.commands.has("batcat")).toBe(false);
  });

  it.each(MESHES)(
    "says nothing of the alternative the workshop does not take (DEMO_MESH=%s)",
    async (mesh) => {
      const dir = workshop();
      const without = (missing: string) => (name: string) =>
        name === missing ? undefined : `/usr/bin/${name}`;
      const mentions = (result: DemoAnalysis, name: string) =>
        result.findings.map(brief).filter((f) => new RegExp(`\\b${name}\\b`).test(f));
      // bat but no batcat: `command -v bat || ... batcat` never runs batcat.
      const withBat = await check(mesh, dir, without("batcat"));
      expect(mentions(withBat, "batcat")).toEqual([]);
      expect(withBat.commands.has("batcat")).toBe(false);
      // batcat but no bat: the function the workshop defines stands in for bat.
      const withBatcat = await check(mesh, dir, without("bat"));
      expect(mentions(withBatcat, "bat")).toEqual([]);
      expect(withBatcat.commands.get("batcat")?.found).toBe("/usr/bin/batcat");
      // Neither: bat is the one to install, and the demo checks for it first.
      const neither = await check(mesh, dir, (name) =>
        name === "bat" || name === "batcat" ? undefined : `/usr/bin/${name}`,
      );
      expect(mentions(neither, "batcat")).toEqual([]);
      expect(mentions(neither, "bat")).toEqual([
        expect.stringMatching(
          /note command-not-found: bat: command not found on PATH \(the demo checks for it before use\)$/,
        ),
      ]);
    },
  );

  it.each(MESHES)(
    "notes, not warns, that the mesh CLI comes from its installer (DEMO_MESH=%s)",
    async (mesh) => {
      const dir = workshop();
      const cli = mesh === "linkerd" ? "linkerd" : "istioctl";
      const result = await check(mesh, dir, (name) =>
        name === cli ? undefined : `/usr/bin/${name}`,
      );
      expect(problems(result)).toEqual([]);
      const line = mesh === "linkerd" ? 44 : 46;
      const run = mesh === "linkerd" ? 25 : 27;
      expect(result.findings.map(brief)).toContainEqual(
        `${mesh}/install.md:${line} note installed-by-demo: ${cli}: not on PATH before the demo installs it`,
      );
      expect(result.findings.find((f) => f.rule === "installed-by-demo")?.hint).toMatch(
        new RegExp(
          `the installer it downloads and runs at ${mesh}/install\\.md:${run}, then PATH gets`,
        ),
      );
    },
  );

  it("notes only Linkerd's own HTTPRoute as not validated, until its CRD is given", async () => {
    const dir = workshop();
    const result = await check("linkerd", dir);
    expect(result.findings.map(brief)).toEqual([
      "k8s/05-timeouts/smiley-timeout-linkerd.yaml:1 note not-validated: not validated: HTTPRoute (policy.linkerd.io/v1beta3) in k8s/05-timeouts/smiley-timeout-linkerd.yaml:1",
    ]);
    const withCrds = await check("linkerd", dir, everyCommand, { crds: [LINKERD_CRDS] });
    expect(withCrds.findings).toEqual([]);
  });

  it("leaves no file behind and starts no process", async () => {
    const dir = workshop((d) =>
      fs.writeFileSync(
        path.join(d, "makes-files.md"),
        [
          "```bash",
          "touch made.txt && mkdir made-dir",
          "echo x > out.txt",
          "X=$(touch sub.txt)",
          "cat > here.txt <<EOF",
          "touch from-heredoc.txt",
          "EOF",
          "kubectl apply -f k8s/01-base > applied.txt",
          "$SHELL README.md",
          "```",
          "",
        ].join("\n"),
      ),
    );
    const listing = (): string[] => (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
    const before = listing();
    const io = diskIo(dir);
    const code = await runCheck(
      request("makes-files.md", { env: { PATH: "/usr/bin", DEMO_MESH: "istio" } }),
      io,
    );
    expect(io.err()).toBe("");
    expect(code).toBe(0);
    expect(listing()).toEqual(before);
    // The guard is in place: had the check started a process, it would have failed.
    expect(() => childProcess.spawnSync("true")).toThrow(/must not start processes/);
  });
});

describe("problems planted in the workshop", () => {
  it("a renamed k8s file: errors at the README lines that use it, the brace-expanded diff too", async () => {
    const dir = workshop((d) =>
      fs.renameSync(
        path.join(d, "k8s/03-canary/smiley-canary-10.yaml"),
        path.join(d, "k8s/03-canary/smiley-canary-ten.yaml"),
      ),
    );
    const text = readme(dir);
    const bat = lineOf(text, "bat k8s/03-canary/smiley-canary-10.yaml");
    const apply = lineOf(text, "kubectl apply -f k8s/03-canary/smiley-canary-10.yaml");
    const diff = lineOf(text, "smiley-canary-{10,50}.yaml");
    const missing = "k8s/03-canary/smiley-canary-10.yaml does not exist";
    for (const mesh of MESHES) {
      expect(problems(await check(mesh, dir))).toEqual([
        `README.md:${bat} error missing-file: file ${missing}`,
        `README.md:${apply} error missing-file: manifest ${missing}`,
        `README.md:${diff} error missing-file: file ${missing}`,
      ]);
    }
  });

  it("one file of a brace-expanded diff missing: an error for that file only", async () => {
    const dir = workshop((d) => fs.rmSync(path.join(d, "k8s/01-base/face-route.yaml")));
    const text = readme(dir);
    const missing = "k8s/01-base/face-route.yaml does not exist";
    expect(problems(await check("istio", dir))).toEqual([
      `README.md:${lineOf(text, "bat k8s/01-base/face-route.yaml")} error missing-file: file ${missing}`,
      `README.md:${lineOf(text, "kubectl apply -f k8s/01-base/face-route.yaml")} error missing-file: manifest ${missing}`,
      `README.md:${lineOf(text, "k8s/{01-base,05-timeouts}/face-route.yaml")} error missing-file: file ${missing}`,
    ]);
  });

  it("a typo in a manifest field: an error at the YAML file's line, with the path and a did-you-mean", async () => {
    const file = "k8s/03-canary/smiley-canary-50.yaml";
    const dir = workshop((d) => edit(d, file, (t) => t.replace("weight: 50", "weigth: 50")));
    const yaml = fs.readFileSync(path.join(dir, file), "utf8");
    const line = lineOf(yaml, "weigth");
    const column = (yaml.split("\n")[line - 1] as string).indexOf("weigth") + 1;
    for (const mesh of MESHES) {
      expect(problems(await check(mesh, dir))).toEqual([
        `${file}:${line}:${column} error manifest: unknown field spec.rules[0].backendRefs[0].weigth (did you mean weight?)`,
      ]);
    }
  });

  it("a YAML syntax error: an error at its line and column", async () => {
    const file = "k8s/01-base/gui-route.yaml";
    const dir = workshop((d) =>
      edit(d, file, (t) => t.replace("name: faces-gui-route", "name: faces-gui-route: x")),
    );
    const yaml = fs.readFileSync(path.join(dir, file), "utf8");
    const line = lineOf(yaml, "faces-gui-route: x");
    expect(problems(await check("linkerd", dir))).toEqual([
      `${file}:${line}:9 error yaml-syntax: YAML syntax error: Nested mappings are not allowed in compact mappings`,
    ]);
  });

  it("an apiVersion Gateway API v1.1.1 does not serve: an error at the apiVersion line", async () => {
    const file = "k8s/02-unconditional/smiley-route.yaml";
    const dir = workshop((d) =>
      edit(d, file, (t) =>
        t.replace("gateway.networking.k8s.io/v1beta1", "gateway.networking.k8s.io/v1alpha2"),
      ),
    );
    expect(problems(await check("istio", dir))).toEqual([
      `${file}:1:13 error manifest: apiVersion: gateway.networking.k8s.io/v1alpha2 is not a version of HTTPRoute (served: gateway.networking.k8s.io/v1, gateway.networking.k8s.io/v1beta1)`,
    ]);
  });

  it("a missing nested demo: an error at the $SHELL line, for that mesh only", async () => {
    const dir = workshop((d) =>
      fs.renameSync(path.join(d, "linkerd/create-gateway.md"), path.join(d, "linkerd/gateway.md")),
    );
    const line = lineOf(readme(dir), "$SHELL ${DEMO_MESH}/create-gateway.md");
    expect(problems(await check("linkerd", dir))).toEqual([
      `README.md:${line} error nested-demo: nested demo linkerd/create-gateway.md cannot be read: no such file`,
    ]);
    expect(problems(await check("istio", dir))).toEqual([]);
  });

  it("a missing import: an error at the @import line", async () => {
    const dir = workshop((d) => fs.rmSync(path.join(d, "tools/check-requirements.sh")));
    expect(problems(await check("istio", dir))).toEqual([
      "README.md:1 error reader: cannot @import tools/check-requirements.sh: no such file",
    ]);
    const io = diskIo(dir);
    expect(await runCheck(meshRequest("istio", dir), io)).toBe(1);
  });

  it("a missing Helm values file: errors where it is shown and where it is installed from", async () => {
    const dir = workshop((d) => fs.rmSync(path.join(d, "faces/values.yaml")));
    const text = readme(dir);
    expect(problems(await check("linkerd", dir))).toEqual([
      `README.md:${lineOf(text, "bat faces/values.yaml")} error missing-file: file faces/values.yaml does not exist`,
      `README.md:${lineOf(text, "--values faces/values.yaml")} error missing-file: Helm values file faces/values.yaml does not exist`,
    ]);
  });

  it("a command not on PATH: one warning, at its first use", async () => {
    const dir = workshop();
    const noHelm = (name: string) => (name === "helm" ? undefined : `/usr/bin/${name}`);
    const linkerd = await check("linkerd", dir, noHelm);
    const gateway = fs.readFileSync(path.join(dir, "linkerd/create-gateway.md"), "utf8");
    expect(problems(linkerd)).toEqual([
      `linkerd/create-gateway.md:${lineOf(gateway, "helm install envoy-gateway")} warning command-not-found: helm: command not found on PATH`,
    ]);
    const istio = await check("istio", dir, noHelm);
    expect(problems(istio)).toEqual([
      `README.md:${lineOf(readme(dir), "helm install faces")} warning command-not-found: helm: command not found on PATH`,
    ]);
    expect(istio.commands.get("helm")).toEqual({
      file: "README.md",
      line: lineOf(readme(dir), "helm install faces"),
      found: undefined,
    });
    // Warnings do not fail the check.
    expect(await runCheck(meshRequest("istio", dir), diskIo(dir, noHelm))).toBe(0);
  });

  it("a path that cannot be known: a note, not checked, never an error", async () => {
    const dir = workshop((d) =>
      edit(d, "README.md", (t) => `${t}\n\`\`\`bash\nkubectl apply -f $(ls x).yaml\n\`\`\`\n`),
    );
    const line = lineOf(readme(dir), "kubectl apply -f $(ls x).yaml");
    const result = await check("istio", dir);
    expect(problems(result)).toEqual([]);
    expect(result.findings.map(brief)).toEqual([
      `README.md:${line} note not-checked: not checked: $(ls x).yaml`,
    ]);
    expect(result.commands.get("ls")?.line).toBe(line);
  });

  it("reports as JSON and as GitHub annotations", async () => {
    const file = "k8s/03-canary/smiley-canary-50.yaml";
    const dir = workshop((d) => edit(d, file, (t) => t.replace("weight: 50", "weigth: 50")));
    const json = diskIo(dir);
    expect(await runCheck(meshRequest("istio", dir, { format: "json" }), json)).toBe(1);
    const report = JSON.parse(json.out()) as {
      findings: { file: string; line: number; column: number; rule: string }[];
      summary: { errors: number; warnings: number; nestedDemos: number };
    };
    expect(report.summary).toMatchObject({ errors: 1, warnings: 0, nestedDemos: 3 });
    expect(report.findings).toEqual([
      expect.objectContaining({ file, line: 16, column: 11, rule: "manifest" }),
    ]);
    const text = diskIo(dir);
    await runCheck(meshRequest("istio", dir, { githubActions: true }), text);
    expect(
      text
        .out()
        .split("\n")
        .filter((l) => l.startsWith("::")),
    ).toEqual([
      `::error file=${file},line=16,col=11::unknown field spec.rules[0].backendRefs[0].weigth (did you mean weight?)%0Ahint: the API server would refuse this object (checked against the CRDs the demo applies and --crds)`,
    ]);
  });
});
