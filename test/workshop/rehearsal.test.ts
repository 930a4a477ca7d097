import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { crdsFromYaml, SchemaSet, validateManifests } from "../../src/kube/schema.js";
import { demoshts, ROOT, type Run, removeWorkspaces, workspace } from "../run/e2e-helpers.js";
import {
  FAKED,
  type FakeCall,
  INGRESS_IP,
  makeFakes,
  readCalls,
  realToolsWithoutFaked,
} from "./fakes.js";

// Rehearsals of the workshop: the real README.md, run by the built CLI in CI mode from the
// project's root, against fake cluster CLIs (fake-cli.sh) that log every call. The expected
// calls below are written by hand from the workshop outline (shared/workshop/outline.md): its
// twenty steps and its per-mesh table. Any command added, missing or moved fails the test.

type Mesh = "linkerd" | "istio";
const MESHES: readonly Mesh[] = ["linkerd", "istio"];

/** Where every call must run: the project's root, as getcwd names it. */
const CWD = fs.realpathSync(ROOT);

const GATEWAY_API = "gateway-api/experimental-install.yaml";
const LINKERD_CRD = "test/fixtures/crds/linkerd-edge-24.10.4-policy-httproute-crd.yaml";

/** Every real executable on the test's PATH but the faked ones (and docker), as symlinks. */
let realTools: string;

beforeAll(() => {
  realTools = realToolsWithoutFaked(process.env.PATH ?? "");
}, 120_000);

afterAll(() => {
  removeWorkspaces();
});

interface Rehearsal {
  readonly run: Run;
  readonly calls: FakeCall[];
  /** The output with terminal escapes (from `clear`) taken out. */
  readonly stdout: string;
}

interface RehearsalOptions {
  /** Environment variables beyond PATH, HOME, LANG, TERM and the fakes' log. */
  readonly env?: Record<string, string>;
  /** Fakes to leave out, as if the command were not installed. */
  readonly omit?: readonly string[];
  /** The demoshts arguments; `--ci README.md` unless given. */
  readonly args?: readonly string[];
}

/**
 * Runs the CLI from the project's root with PATH = fakes, then the real tools minus the faked
 * names: nothing real can answer as kubectl, helm, curl... TERM is left unset, as in many CI
 * jobs: clearing the screen must not fail a rehearsal.
 */
function rehearse(options: RehearsalOptions = {}): Rehearsal {
  const log = path.join(workspace(), "calls.jsonl");
  const run = demoshts(ROOT, options.args ?? ["--ci", "README.md"], {
    env: {
      PATH: `${makeFakes(options.omit)}${path.delimiter}${realTools}`,
      WORKSHOP_FAKE_LOG: log,
      ...options.env,
    },
    timeout: 30_000,
  });
  return { run, calls: readCalls(log), stdout: stripVTControlCharacters(run.stdout) };
}

/** The calls as command lines (no argument of the workshop's commands holds a space). */
const commandLines = (calls: readonly FakeCall[]): string[] =>
  calls.map((call) => call.argv.join(" "));

const failure = (r: Rehearsal): string => `stdout:\n${r.stdout}\nstderr:\n${r.run.stderr}`;

describe("the rehearsals' PATH", () => {
  it("finds every faked name only among the fakes, and bash among the real tools", () => {
    const fakes = makeFakes();
    const found = spawnSync("bash", ["-c", `type -ap ${[...FAKED, "docker", "bash"].join(" ")}`], {
      env: { PATH: `${fakes}${path.delimiter}${realTools}` },
      encoding: "utf8",
    });
    expect(found.stdout.trim().split("\n")).toEqual([
      ...FAKED.map((name) => path.join(fakes, name)),
      path.join(realTools, "bash"),
    ]);
  });
});

// ---------------------------------------------------------------------------
// The flow, from the outline

interface Variant {
  /** Without DEMO_HOOK_OFFLINE the install step downloads the mesh's CLI with curl. */
  readonly online: boolean;
  /** The command that shows files: bat, or batcat where bat is missing. */
  readonly show: "bat" | "batcat";
}

/** Every call the fakes should log, in order, as `name arg...`. */
function expectedCalls(mesh: Mesh, { online, show }: Variant): string[] {
  /** `apply X` in the outline: show the file, then apply it. */
  const apply = (file: string) => [`${show} ${file}`, `kubectl apply -f ${file}`];
  const linkerdFlags =
    "--set enableHttpRoutes=false --set enableTcpRoutes=false --set enableTlsRoutes=false";

  const perMesh = {
    linkerd: {
      install: [
        ...(online
          ? ["curl --proto =https --tlsv1.2 -sSfL https://run.linkerd.io/install-edge"]
          : []),
        // Not in the outline: shows which CLI was found (or downloaded).
        "linkerd version --client",
        "linkerd check --pre",
        `linkerd install --crds ${linkerdFlags}`,
        "kubectl apply -f -",
        `linkerd install ${linkerdFlags}`,
        "kubectl apply -f -",
        "linkerd check",
      ],
      createGateway: [
        "kubectl create namespace envoy-gateway-system",
        "kubectl annotate namespace envoy-gateway-system linkerd.io/inject=enabled config.alpha.linkerd.io/proxy-enable-native-sidecar=true",
        "helm install envoy-gateway -n envoy-gateway-system oci://docker.io/envoyproxy/gateway-helm --version v1.1.2",
        "kubectl rollout status -n envoy-gateway-system deploy",
        ...apply("linkerd/gateway.yaml"),
        "kubectl wait -n default --for=condition=Programmed gateway/ingress --timeout=300s",
        "kubectl rollout status -n envoy-gateway-system deploy",
      ],
      ingressIp:
        "kubectl get service -n envoy-gateway-system -l gateway.envoyproxy.io/owning-gateway-name=ingress -o jsonpath={.items[0].status.loadBalancer.ingress[0].ip}",
      meshNamespace: "kubectl annotate namespace faces linkerd.io/inject=enabled",
    },
    istio: {
      install: [
        ...(online ? ["curl -sL https://istio.io/downloadIstio"] : []),
        // Not in the outline: shows which CLI was found (or downloaded).
        "istioctl version --remote=false",
        "istioctl x precheck",
        "istioctl install --set profile=minimal -y",
      ],
      createGateway: [
        ...apply("istio/gateway.yaml"),
        "kubectl wait -n default --for=condition=Programmed gateway/ingress --timeout=300s",
      ],
      ingressIp: "kubectl get gateway ingress -n default -o jsonpath={.status.addresses[0].value}",
      meshNamespace: "kubectl label namespace faces istio-injection=enabled",
    },
  }[mesh];

  return [
    // The requirements check, once DEMO_MESH and the commands are there.
    "kubectl get namespace kube-system",
    // 1. The cluster.
    "kubectl cluster-info",
    // 2. Gateway API CRDs.
    `kubectl apply -f ${GATEWAY_API}`,
    // 3. The mesh (nested demo).
    ...perMesh.install,
    // 4. The gateway (nested demo), then INGRESS_IP.
    ...perMesh.createGateway,
    perMesh.ingressIp,
    // 5. Faces.
    "kubectl create namespace faces",
    perMesh.meshNamespace,
    `${show} faces/values.yaml`,
    "helm install faces -n faces oci://ghcr.io/buoyantio/faces-chart --version 2.0.0-rc.1 --values faces/values.yaml",
    "kubectl rollout status -n faces deploy",
    // 6. Ingress routes.
    ...apply("k8s/01-base/gui-route.yaml"),
    ...apply("k8s/01-base/face-route.yaml"),
    // 7. HTTP mesh routing: the simplest route is shown, not applied.
    `${show} k8s/02-unconditional/smiley-simplest.yaml`,
    ...apply("k8s/02-unconditional/smiley-route.yaml"),
    // 8. gRPC mesh routing.
    ...apply("k8s/02-unconditional/color-route.yaml"),
    // 9. Back to grinning on blue.
    "kubectl delete -n faces httproute smiley-route",
    "kubectl delete -n faces grpcroute color-route",
    // 10. HTTP canary; the diffs (not faked) are what show the 50 and 100 files.
    ...apply("k8s/03-canary/smiley-canary-10.yaml"),
    "kubectl apply -f k8s/03-canary/smiley-canary-50.yaml",
    "kubectl apply -f k8s/03-canary/smiley-canary-100.yaml",
    "kubectl scale -n faces deploy/smiley --replicas=0",
    // 11. The operational lesson.
    "kubectl logs -n faces deploy/face -c face",
    "kubectl scale -n faces deploy/smiley --replicas=1",
    "kubectl rollout status -n faces deploy/smiley",
    "kubectl delete -n faces httproute smiley-canary",
    // 12. gRPC canary.
    ...apply("k8s/03-canary/color-canary-25.yaml"),
    "kubectl apply -f k8s/03-canary/color-canary-50.yaml",
    // 13. Routing on the request; the rollback shows and applies the previous route again.
    ...apply("k8s/03-canary/smiley-edge.yaml"),
    ...apply("k8s/03-canary/smiley-edge-canary-50.yaml"),
    ...apply("k8s/03-canary/smiley-edge.yaml"),
    "kubectl delete -n faces httproute smiley-edge",
    // 14. gRPC method routing.
    ...apply("k8s/03-canary/color-edge.yaml"),
    "kubectl delete -n faces grpcroute color-canary",
    // 15. (talk only)
    // 16. HTTP A/B test.
    ...apply("k8s/04-abtest/smiley-ab.yaml"),
    ...apply("k8s/04-abtest/smiley2-unconditional.yaml"),
    "kubectl delete -n faces httproute smiley-a-b",
    // 17. gRPC A/B test.
    ...apply("k8s/04-abtest/color-ab.yaml"),
    "kubectl get -n faces grpcroute",
    "kubectl delete -n faces grpcroute color-edge",
    // 18. Both at once.
    ...apply("k8s/04-abtest/smiley-ab.yaml"),
    "kubectl delete -n faces httproute smiley-a-b",
    "kubectl delete -n faces grpcroute color-a-b",
    // 19. Timeouts; the diff shows the new face route.
    ...apply(`k8s/05-timeouts/smiley-timeout-${mesh}.yaml`),
    "kubectl apply -f k8s/05-timeouts/face-route.yaml",
    // 20. (talk only)
  ];
}

// ---------------------------------------------------------------------------
// Full rehearsals, each run once and shared by the tests that read it

const fullRuns = new Map<string, Rehearsal>();

function fullRun(mesh: Mesh, online: boolean): Rehearsal {
  const key = `${mesh} ${online}`;
  let found = fullRuns.get(key);
  if (!found) {
    found = rehearse({
      env: online ? { DEMO_MESH: mesh } : { DEMO_MESH: mesh, DEMO_HOOK_OFFLINE: "1" },
    });
    fullRuns.set(key, found);
  }
  return found;
}

describe.each(MESHES)("DEMO_MESH=%s: the whole workshop against fake CLIs", (mesh) => {
  it.each([
    ["with DEMO_HOOK_OFFLINE=1", false],
    ["downloading the mesh's CLI", true],
  ] as const)("%s: exit 0, and exactly the outline's calls, in order", (_, online) => {
    const r = fullRun(mesh, online);
    expect(r.run.status, failure(r)).toBe(0);
    expect(commandLines(r.calls)).toEqual(expectedCalls(mesh, { online, show: "bat" }));
    for (const call of r.calls) {
      expect(
        call.argv.every((arg) => !arg.includes(" ")),
        call.argv.join(" | "),
      ).toBe(true);
      expect(call.cwd, call.argv.join(" ")).toBe(CWD);
    }
  });

  it("pipes what `linkerd install` prints into `kubectl apply -f -`", () => {
    const r = fullRun(mesh, false);
    const piped = r.calls.filter((call) => call.stdin !== undefined).map((call) => call.stdin);
    expect(piped).toEqual(
      mesh === "linkerd"
        ? [
            expect.stringContaining("fake-linkerd-crds"),
            expect.stringContaining("name: fake-linkerd-control-plane"),
          ]
        : [],
    );
  });

  it(`shows the GUI's address with INGRESS_IP filled in: http://${INGRESS_IP}/gui/`, () => {
    const r = fullRun(mesh, false);
    expect(r.run.status, failure(r)).toBe(0);
    expect(r.stdout).toContain(`http://${INGRESS_IP}/gui/`);
    expect(r.stdout).toContain(`The ingress Gateway is at ${INGRESS_IP}`);
    expect(r.stdout).not.toContain("http:///gui/");
  });
});

// ---------------------------------------------------------------------------
// What the cluster receives

describe("every file the rehearsals apply", () => {
  let schemas: SchemaSet;
  const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

  beforeAll(() => {
    schemas = new SchemaSet(crdsFromYaml(read(GATEWAY_API), GATEWAY_API)).add(
      crdsFromYaml(read(LINKERD_CRD), LINKERD_CRD),
    );
  });

  /** The files given to `kubectl apply -f` in both meshes' rehearsals, each once. */
  function appliedFiles(): string[] {
    const files = new Set<string>();
    for (const mesh of MESHES) {
      for (const { argv } of fullRun(mesh, false).calls) {
        if (argv[0] === "kubectl" && argv[1] === "apply" && argv[2] === "-f" && argv[3] !== "-") {
          files.add(argv[3] as string);
        }
      }
    }
    return [...files];
  }

  it("are the CRDs, the mesh's gateway and every route in k8s/ but the one only shown", () => {
    const routes = fs
      .readdirSync(path.join(ROOT, "k8s"), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".yaml"))
      .map((file) => `k8s/${file}`)
      .filter((file) => file !== "k8s/02-unconditional/smiley-simplest.yaml");
    expect(routes.length).toBeGreaterThan(0);
    expect(appliedFiles().sort()).toEqual(
      [GATEWAY_API, "linkerd/gateway.yaml", "istio/gateway.yaml", ...routes].sort(),
    );
  });

  it("the CRD file holds only CustomResourceDefinitions, which give the set its schemas", () => {
    const report = validateManifests(read(GATEWAY_API), GATEWAY_API, schemas);
    expect(report.problems).toEqual([]);
    // A CRD has no schema of its own in the set: it is what the set is made of.
    expect(report.notValidated.length).toBe(report.documents);
    expect(
      new Set(report.notValidated.map((object) => `${object.apiVersion} ${object.kind}`)),
    ).toEqual(new Set(["apiextensions.k8s.io/v1 CustomResourceDefinition"]));
    expect(crdsFromYaml(read(GATEWAY_API), GATEWAY_API).length).toBeGreaterThan(0);
  });

  it("every other applied file exists and is valid against the CRDs, in a served version", () => {
    const others = appliedFiles().filter((file) => file !== GATEWAY_API);
    expect(others.length).toBeGreaterThan(0);
    for (const file of others) {
      expect(fs.existsSync(path.join(ROOT, file)), `${file} exists`).toBe(true);
      const text = read(file);
      const report = validateManifests(text, file, schemas);
      expect(report.problems, file).toEqual([]);
      expect(report.notValidated, file).toEqual([]);
      expect(report.documents, file).toBeGreaterThan(0);
      for (const doc of parseAllDocuments(text)) {
        const { apiVersion, kind } = doc.toJS() as { apiVersion: string; kind: string };
        expect(schemas.lookup(apiVersion, kind)?.served, `${file}: ${kind} ${apiVersion}`).toBe(
          true,
        );
      }
    }
  });
});

// ---------------------------------------------------------------------------
// The requirements check stops a run before anything touches the cluster

describe("the requirements check", () => {
  it.each([
    ["DEMO_MESH unset", {}, /DEMO_MESH is not set/],
    ["DEMO_MESH=consul", { DEMO_MESH: "consul" }, /DEMO_MESH=consul/],
  ] as const)("%s: exit 1 before any call, naming DEMO_MESH and its values", (_, env, says) => {
    const r = rehearse({ env });
    expect(r.run.status, failure(r)).toBe(1);
    expect(r.calls).toEqual([]);
    expect(r.run.stderr).toMatch(says);
    expect(r.run.stderr).toMatch(/linkerd/);
    expect(r.run.stderr).toMatch(/istio/);
  });

  it("bat missing, batcat there: the run succeeds and every show goes to batcat", () => {
    const r = rehearse({ env: { DEMO_MESH: "linkerd", DEMO_HOOK_OFFLINE: "1" }, omit: ["bat"] });
    expect(r.run.status, failure(r)).toBe(0);
    expect(commandLines(r.calls)).toEqual(
      expectedCalls("linkerd", { online: false, show: "batcat" }),
    );
  });

  it("neither bat nor batcat: exit 1 before any call, naming bat", () => {
    const r = rehearse({ env: { DEMO_MESH: "istio" }, omit: ["bat", "batcat"] });
    expect(r.run.status, failure(r)).toBe(1);
    expect(r.calls).toEqual([]);
    expect(r.run.stderr).toMatch(/^ {2}- bat \(or batcat\)$/m);
  });

  it("lists everything missing at once", () => {
    const r = rehearse({ env: { DEMO_MESH: "istio" }, omit: ["helm", "bat", "batcat", "curl"] });
    expect(r.run.status, failure(r)).toBe(1);
    expect(r.calls).toEqual([]);
    for (const name of ["helm", "curl", "bat \\(or batcat\\)"]) {
      expect(r.run.stderr).toMatch(new RegExp(`^ {2}- ${name}$`, "m"));
    }
  });

  it.each([
    ["linkerd", "linkerd"],
    ["istio", "istioctl"],
  ] as const)("DEMO_MESH=%s offline without %s: exit 1 before any call, naming it", (mesh, cli) => {
    const r = rehearse({ env: { DEMO_MESH: mesh, DEMO_HOOK_OFFLINE: "1" }, omit: [cli] });
    expect(r.run.status, failure(r)).toBe(1);
    expect(r.calls).toEqual([]);
    expect(r.run.stderr).toMatch(new RegExp(`^ {2}- ${cli} \\(DEMO_HOOK_OFFLINE is set`, "m"));
  });

  it("no cluster answering: exit 1 after the one question, saying so", () => {
    const r = rehearse({
      env: { DEMO_MESH: "linkerd", DEMO_HOOK_OFFLINE: "1", WORKSHOP_FAKE_CLUSTER_DOWN: "1" },
    });
    expect(r.run.status, failure(r)).toBe(1);
    expect(commandLines(r.calls)).toEqual(["kubectl get namespace kube-system"]);
    expect(r.run.stderr).toMatch(/No Kubernetes cluster answers/);
  });
});

// ---------------------------------------------------------------------------
// The dry run

interface PlanRecord {
  kind: string;
  file: string;
  depth: number;
  text?: string;
  target?: string;
}

describe.each(MESHES)("DEMO_MESH=%s --dry-run --json README.md", (mesh) => {
  const aCommandOf = {
    linkerd: {
      "install.md": "linkerd check --pre",
      "create-gateway.md": "kubectl create namespace envoy-gateway-system",
      "setup-namespace.md": "kubectl annotate namespace faces linkerd.io/inject=enabled",
    },
    istio: {
      "install.md": "istioctl install --set profile=minimal -y",
      "create-gateway.md": "kubectl apply -f istio/gateway.yaml",
      "setup-namespace.md": "kubectl label namespace faces istio-injection=enabled",
    },
  }[mesh];

  it("plans the three nested demos inline, and calls nothing", () => {
    const r = rehearse({ env: { DEMO_MESH: mesh }, args: ["--dry-run", "--json", "README.md"] });
    expect(r.run.status, failure(r)).toBe(0);
    expect(r.calls).toEqual([]);
    const plan = r.run.stdout
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as PlanRecord);
    const nested = plan.flatMap((record, index) => (record.kind === "nested" ? [index] : []));
    expect(nested.map((index) => plan[index]?.target)).toEqual(
      Object.keys(aCommandOf).map((name) => `${mesh}/${name}`),
    );
    for (const [name, command] of Object.entries(aCommandOf)) {
      const at = plan.findIndex((record) => record.target === `${mesh}/${name}`);
      const end = plan.findIndex((record, index) => index > at && record.depth === 0);
      const inside = plan.slice(at + 1, end);
      expect(inside[0]?.kind, name).toBe("command");
      expect(
        inside.every((record) => record.depth === 1 && record.file === `${mesh}/${name}`),
        name,
      ).toBe(true);
      expect(
        inside.filter((record) => record.kind === "command").map((record) => record.text),
        name,
      ).toContain(command);
    }
  });
});
