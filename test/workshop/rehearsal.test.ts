import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseAllDocuments } from "yaml";
import { crdsFromYaml, SchemaSet, validateManifests } from "../../src/kube/schema.js";
import { ROOT, type Run, removeWorkspaces, workspace } from "../run/e2e-helpers.js";
import { FakeCluster, type FakeClusterOptions } from "./fake-cluster.js";
import {
  FAKED,
  type FakeCall,
  fakeEnv,
  INGRESS_IP,
  makeFakes,
  readCalls,
  realToolsWithoutFaked,
  runCli,
  spawnAsync,
} from "./fakes.js";
import { type ClusterView, faces, type Mesh, type Position } from "./gateway-model.js";

// Rehearsals of the workshop: the real README.md, run by the built CLI in CI mode from the
// project's root, against fake cluster CLIs (fake-cli.sh) that log every call and keep the
// cluster's state in a fake cluster (fake-cluster.ts). The expected calls below are written by
// hand from the workshop outline (shared/workshop/outline.md): its twenty steps and its per-mesh
// table. Any command added, missing or moved fails the test.

const MESHES: readonly Mesh[] = ["linkerd", "istio"];

/** Where every call must run: the project's root, as getcwd names it. */
const CWD = fs.realpathSync(ROOT);

const GATEWAY_API = "gateway-api/experimental-install.yaml";
const LINKERD_CRD = "test/fixtures/crds/linkerd-edge-24.10.4-policy-httproute-crd.yaml";

// A whole rehearsal runs about a hundred fake CLI calls; give it room on a busy machine.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

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
  readonly cluster: FakeCluster;
  /** The output with terminal escapes (from `clear`) taken out. */
  readonly stdout: string;
  /** The run's HOME. */
  readonly home: string;
}

interface RehearsalOptions {
  /** Environment variables beyond PATH, HOME, LANG, TERM and the fakes' settings. */
  readonly env?: Record<string, string>;
  /** Fakes to leave out, as if the command were not installed. */
  readonly omit?: readonly string[];
  /** The demoshts arguments; `--ci README.md` unless given. */
  readonly args?: readonly string[];
  readonly cluster?: FakeClusterOptions;
}

/**
 * Runs the CLI from the project's root with PATH = fakes, then the real tools minus the faked
 * names: nothing real can answer as kubectl, helm, curl... TERM is left unset, as in many CI
 * jobs: clearing the screen must not fail a rehearsal.
 */
async function rehearse(options: RehearsalOptions = {}): Promise<Rehearsal> {
  const log = path.join(workspace(), "calls.jsonl");
  const home = workspace();
  const cluster = await FakeCluster.start(options.cluster);
  try {
    const run = await runCli(ROOT, options.args ?? ["--ci", "README.md"], {
      PATH: `${makeFakes(options.omit)}${path.delimiter}${realTools}`,
      HOME: home,
      ...fakeEnv(cluster, log),
      ...options.env,
    });
    return {
      run,
      calls: readCalls(log),
      cluster,
      home,
      stdout: stripVTControlCharacters(run.stdout),
    };
  } finally {
    await cluster.close();
  }
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
        ...(online ? ["curl -sSfL https://istio.io/downloadIstio"] : []),
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
    // The requirements check, once DEMO_MESH and the commands are there: is there a cluster, and
    // is it Kubernetes 1.29 or newer?
    "kubectl get --raw /version",
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
    // 11. The operational lesson, with what to check: the routes in every namespace.
    "kubectl logs -n faces deploy/face -c face",
    "kubectl get httproute,grpcroute -A",
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

const fullRuns = new Map<string, Promise<Rehearsal>>();

/**
 * The whole workshop, for `mesh`, downloading its CLI or offline. Offline Linkerd also runs
 * without `bat`, as on Debian and Ubuntu, where only `batcat` is installed.
 */
function fullRun(mesh: Mesh, online: boolean): Promise<Rehearsal> {
  const key = `${mesh} ${online}`;
  let found = fullRuns.get(key);
  if (!found) {
    found = rehearse({
      env: online ? { DEMO_MESH: mesh } : { DEMO_MESH: mesh, DEMO_HOOK_OFFLINE: "1" },
      ...(shownWith(mesh, online) === "batcat" ? { omit: ["bat"] } : {}),
    });
    fullRuns.set(key, found);
  }
  return found;
}

const shownWith = (mesh: Mesh, online: boolean): "bat" | "batcat" =>
  mesh === "linkerd" && !online ? "batcat" : "bat";

const WORKSHOP_CACHE = (home: string) => path.join(home, ".cache", "gateway-api-workshop");

describe.each(MESHES)("DEMO_MESH=%s: the whole workshop against fake CLIs", (mesh) => {
  it.each([
    ["with DEMO_HOOK_OFFLINE=1", false],
    ["downloading the mesh's CLI", true],
  ] as const)("%s: exit 0, and exactly the outline's calls, in order", async (_, online) => {
    const r = await fullRun(mesh, online);
    expect(r.run.status, failure(r)).toBe(0);
    expect(commandLines(r.calls)).toEqual(
      expectedCalls(mesh, { online, show: shownWith(mesh, online) }),
    );
    for (const call of r.calls) {
      expect(
        call.argv.every((arg) => !arg.includes(" ")),
        call.argv.join(" | "),
      ).toBe(true);
      // Istio's installer unpacks where it runs: in the workshop's cache, not in the checkout.
      const where = call.argv[0] === "curl" && mesh === "istio" ? WORKSHOP_CACHE(r.home) : CWD;
      expect(call.cwd, call.argv.join(" ")).toBe(where);
    }
    // Every call the cluster answered went well: nothing refused, nothing unknown.
    for (const call of r.cluster.calls) {
      expect(call.status, `${call.argv.join(" ")}\n${call.stderr}`).toBe(0);
    }
  });

  it("downloads quietly: the installer's output goes to a log in the cache, and the talk says so", async () => {
    const online = await fullRun(mesh, true);
    const log = path.join(WORKSHOP_CACHE(online.home), `${mesh}-install.log`);
    expect(fs.existsSync(log), log).toBe(true);
    const said = (r: Rehearsal) => r.stdout.replace(/\s+/g, " ");
    expect(said(online)).toMatch(
      /CLI,? (`?istioctl`?, )?was just downloaded by (Linkerd|Istio)'s installer/,
    );
    const offline = await fullRun(mesh, false);
    expect(said(offline)).toContain("is the one already on this machine's PATH");
    expect(fs.existsSync(path.join(CWD, "istio-1.23.3")), "nothing unpacked in the checkout").toBe(
      false,
    );
  });

  it("pipes what `linkerd install` prints into `kubectl apply -f -`", async () => {
    const r = await fullRun(mesh, false);
    const piped = r.calls.filter((call) => call.stdin !== undefined).map((call) => call.stdin);
    expect(piped).toEqual(
      mesh === "linkerd"
        ? [
            expect.stringContaining("name: httproutes.policy.linkerd.io"),
            expect.stringContaining("name: linkerd-destination"),
          ]
        : [],
    );
  });

  it(`shows the GUI's address with INGRESS_IP filled in: http://${INGRESS_IP}/gui/`, async () => {
    const r = await fullRun(mesh, false);
    expect(r.run.status, failure(r)).toBe(0);
    expect(r.stdout).toContain(`http://${INGRESS_IP}/gui/`);
    expect(r.stdout).toContain(`The ingress Gateway is at ${INGRESS_IP}`);
    expect(r.stdout).not.toContain("http:///gui/");
  });

  it("prepares the audience for the GRPCRoute v1alpha2 warning before kubectl first prints it", async () => {
    const r = await fullRun(mesh, false);
    const grpcApplies = r.cluster.calls.filter((call) =>
      call.stderr.includes("The v1alpha2 version of GRPCRoute has been deprecated"),
    );
    expect(grpcApplies.map((call) => call.argv.at(-1))).toEqual([
      "k8s/02-unconditional/color-route.yaml",
      "k8s/03-canary/color-canary-25.yaml",
      "k8s/03-canary/color-canary-50.yaml",
      "k8s/03-canary/color-edge.yaml",
      "k8s/04-abtest/color-ab.yaml",
    ]);
    const said = r.stdout.indexOf("prints a deprecation warning");
    expect(said).toBeGreaterThan(0);
    expect(said).toBeLessThan(
      r.stdout.indexOf("$ kubectl apply -f k8s/02-unconditional/color-route.yaml"),
    );
  });
});

// ---------------------------------------------------------------------------
// What the audience sees, step by step: the Gateway API model routes Faces' requests through
// the fake cluster as it was after each command, and the result must be what the talk says.

/** What each backend looks like in the GUI. */
const LOOK: Readonly<Record<string, string>> = {
  smiley: "grinning",
  smiley2: "heart-eyes",
  // The bad release: rolling eyes, and cursing faces for the half of its answers that fail.
  smiley3: "smiley3",
  color: "blue",
  color2: "green",
  color3: "dark blue",
  error: "error",
};

type Looks = Readonly<Record<string, number>>;
/** A cell as the GUI shows it: its face and its background, as shares of the requests. */
interface Cell {
  readonly face: Looks;
  readonly background: Looks;
  /** Rule that decided the background, "namespace/name#rule", when the talk explains it. */
  readonly backgroundBy?: string;
}
type CellKind = "center/other" | "edge/other" | "center/heart" | "edge/heart";
const CELLS: readonly CellKind[] = ["center/other", "edge/other", "center/heart", "edge/heart"];

interface Seen {
  readonly guiLoads: boolean;
  /** "not routed": the cells' calls get no answer from the Gateway (grimace on purple). */
  readonly cells: Readonly<Record<CellKind, Cell>> | "not routed";
  /** Deadlines: face's calls to smiley, and the Gateway's calls to face. */
  readonly smileyTimeout?: string;
  readonly faceTimeout?: string;
}

const looks = (shares: Readonly<Record<string, number>>): Looks =>
  Object.fromEntries(
    Object.entries(shares).map(([backend, share]) => [LOOK[backend] ?? backend, share]),
  );

/** What the model says the audience sees in the cluster as `view` is. */
function seen(view: ClusterView, mesh: Mesh, explain: readonly CellKind[]): Seen {
  const app = faces(view, mesh);
  const cells = {} as Record<CellKind, Cell>;
  let routed = true;
  let smileyTimeout: string | undefined;
  let faceTimeout: string | undefined;
  for (const kind of CELLS) {
    const [position, user] = kind.split("/") as [Position, string];
    const cell = app.cell(position, user === "heart" ? "heart" : "alice");
    if (!cell.smiley || !cell.color) {
      routed = false;
      continue;
    }
    smileyTimeout = cell.smiley.timeout;
    faceTimeout = cell.ingress.timeout;
    cells[kind] = {
      face: looks(cell.smiley.shares),
      background: looks(cell.color.shares),
      ...(explain.includes(kind) && cell.color.decidedBy
        ? { backgroundBy: cell.color.decidedBy }
        : {}),
    };
  }
  return {
    guiLoads: app.guiLoads,
    cells: routed ? cells : "not routed",
    ...(smileyTimeout ? { smileyTimeout } : {}),
    ...(faceTimeout ? { faceTimeout } : {}),
  };
}

interface Expectation {
  /** The command after which it holds, and which of its runs (1 = the first). */
  readonly after: string;
  readonly occurrence?: number;
  /** Phrases of the talk, said around that command, that this outcome proves. */
  readonly said: readonly string[];
  readonly see: Seen;
  /** Cells whose deciding GRPCRoute rule the talk names. */
  readonly explain?: readonly CellKind[];
}

const every = (cell: Cell): Record<CellKind, Cell> =>
  Object.fromEntries(CELLS.map((kind) => [kind, cell])) as Record<CellKind, Cell>;
const cell = (face: Looks, background: Looks, backgroundBy?: string): Cell => ({
  face,
  background,
  ...(backgroundBy ? { backgroundBy } : {}),
});
const GRIN = { grinning: 1 };
const HEARTS = { "heart-eyes": 1 };
const BLUE = { blue: 1 };
const GREEN = { green: 1 };
const DARK = { "dark blue": 1 };
const working = (cells: Record<CellKind, Cell>, more: Partial<Seen> = {}): Seen => ({
  guiLoads: true,
  cells,
  ...more,
});
const apply = (file: string) => `kubectl apply -f ${file}`;

/** The talk's claims, in the order it makes them; `timeouts` depend on the mesh's file. */
function claims(mesh: Mesh): Expectation[] {
  return [
    {
      after: "kubectl rollout status -n faces deploy",
      said: ["It does not load. Nothing tells the Gateway to send anything to Faces yet."],
      see: { guiLoads: false, cells: "not routed" },
    },
    {
      after: apply("k8s/01-base/gui-route.yaml"),
      said: ["The page loads now. But every cell is a grimace on purple."],
      see: { guiLoads: true, cells: "not routed" },
    },
    {
      after: apply("k8s/01-base/face-route.yaml"),
      said: ["Grinning faces on blue. The whole app works through the Gateway."],
      see: working(every(cell(GRIN, BLUE))),
    },
    {
      after: apply("k8s/02-unconditional/smiley-route.yaml"),
      said: ["Every face in the GUI has heart eyes now."],
      see: working(every(cell(HEARTS, BLUE))),
    },
    {
      after: apply("k8s/02-unconditional/color-route.yaml"),
      said: ["Every background is green."],
      see: working(every(cell(HEARTS, GREEN))),
    },
    {
      after: "kubectl delete -n faces grpcroute color-route",
      said: ["The GUI goes back to grinning faces on blue."],
      see: working(every(cell(GRIN, BLUE))),
    },
    {
      after: apply("k8s/03-canary/smiley-canary-10.yaml"),
      said: [
        "We start by giving `smiley2` a tenth of `smiley`'s traffic.",
        "A few heart-eyed faces appear",
      ],
      see: working(every(cell({ grinning: 0.9, "heart-eyes": 0.1 }, BLUE))),
    },
    {
      after: apply("k8s/03-canary/smiley-canary-50.yaml"),
      said: ["Half the faces have heart eyes."],
      see: working(every(cell({ grinning: 0.5, "heart-eyes": 0.5 }, BLUE))),
    },
    {
      after: apply("k8s/03-canary/smiley-canary-100.yaml"),
      said: ["`smiley` keeps its place in the route, with weight 0: it gets nothing at all."],
      see: working(every(cell(HEARTS, BLUE))),
    },
    {
      after: "kubectl scale -n faces deploy/smiley --replicas=0",
      said: ["Watch the GUI: nothing changes."],
      see: working(every(cell(HEARTS, BLUE))),
    },
    {
      after: "kubectl delete -n faces httproute smiley-canary",
      said: ["Grinning faces again, and `smiley` is back."],
      see: working(every(cell(GRIN, BLUE))),
    },
    {
      after: apply("k8s/03-canary/color-canary-25.yaml"),
      said: ["A quarter of the backgrounds go green"],
      see: working(every(cell(GRIN, { blue: 0.75, green: 0.25 }))),
    },
    {
      after: apply("k8s/03-canary/color-canary-50.yaml"),
      said: ["Half the backgrounds are green."],
      see: working(every(cell(GRIN, { blue: 0.5, green: 0.5 }))),
    },
    {
      after: apply("k8s/03-canary/smiley-edge.yaml"),
      said: ["Heart eyes all around the edge, grinning faces in the middle."],
      see: working({
        "center/other": cell(GRIN, { blue: 0.5, green: 0.5 }),
        "center/heart": cell(GRIN, { blue: 0.5, green: 0.5 }),
        "edge/other": cell(HEARTS, { blue: 0.5, green: 0.5 }),
        "edge/heart": cell(HEARTS, { blue: 0.5, green: 0.5 }),
      }),
    },
    {
      after: apply("k8s/03-canary/smiley-edge-canary-50.yaml"),
      said: [
        "Cursing faces appear on the edge",
        "The middle is fine, because the canary only touches the edge.",
      ],
      see: working({
        "center/other": cell(GRIN, { blue: 0.5, green: 0.5 }),
        "center/heart": cell(GRIN, { blue: 0.5, green: 0.5 }),
        "edge/other": cell({ smiley3: 0.5, "heart-eyes": 0.5 }, { blue: 0.5, green: 0.5 }),
        "edge/heart": cell({ smiley3: 0.5, "heart-eyes": 0.5 }, { blue: 0.5, green: 0.5 }),
      }),
    },
    {
      after: apply("k8s/03-canary/smiley-edge.yaml"),
      occurrence: 2,
      said: ["The cursing stops."],
      see: working({
        "center/other": cell(GRIN, { blue: 0.5, green: 0.5 }),
        "center/heart": cell(GRIN, { blue: 0.5, green: 0.5 }),
        "edge/other": cell(HEARTS, { blue: 0.5, green: 0.5 }),
        "edge/heart": cell(HEARTS, { blue: 0.5, green: 0.5 }),
      }),
    },
    {
      // The first prediction: the edge follows color-edge's method match; the centre is a tie
      // between two catch-all rules, which the older route, color-canary, wins.
      after: apply("k8s/03-canary/color-edge.yaml"),
      said: [
        "The edge turns green, as asked.",
        "Some cells there are green too.",
        "That is more specific than anything in the canary, so it wins.",
        "That is a tie. Gateway API breaks ties between routes by age, and the oldest route wins: `color-canary`.",
      ],
      explain: CELLS,
      see: working({
        "center/other": cell(GRIN, { blue: 0.5, green: 0.5 }, "faces/color-canary#0"),
        "center/heart": cell(GRIN, { blue: 0.5, green: 0.5 }, "faces/color-canary#0"),
        "edge/other": cell(GRIN, GREEN, "faces/color-edge#0"),
        "edge/heart": cell(GRIN, GREEN, "faces/color-edge#0"),
      }),
    },
    {
      after: "kubectl delete -n faces grpcroute color-canary",
      said: ["Green edge, blue middle."],
      see: working({
        "center/other": cell(GRIN, BLUE),
        "center/heart": cell(GRIN, BLUE),
        "edge/other": cell(GRIN, GREEN),
        "edge/heart": cell(GRIN, GREEN),
      }),
    },
    {
      after: apply("k8s/04-abtest/smiley-ab.yaml"),
      said: ["`heart` gets heart eyes. The other user still gets grinning faces."],
      see: working({
        "center/other": cell(GRIN, BLUE),
        "center/heart": cell(HEARTS, BLUE),
        "edge/other": cell(GRIN, GREEN),
        "edge/heart": cell(HEARTS, GREEN),
      }),
    },
    {
      after: apply("k8s/04-abtest/smiley2-unconditional.yaml"),
      said: ["Both windows show heart eyes now."],
      see: working({
        "center/other": cell(HEARTS, BLUE),
        "center/heart": cell(HEARTS, BLUE),
        "edge/other": cell(HEARTS, GREEN),
        "edge/heart": cell(HEARTS, GREEN),
      }),
    },
    {
      after: "kubectl delete -n faces httproute smiley-a-b",
      said: ["Both windows go back to grinning faces."],
      see: working({
        "center/other": cell(GRIN, BLUE),
        "center/heart": cell(GRIN, BLUE),
        "edge/other": cell(GRIN, GREEN),
        "edge/heart": cell(GRIN, GREEN),
      }),
    },
    {
      // The second prediction: for heart's edge cells, color-edge's method match outranks
      // color-a-b's header match; age never comes into it.
      after: apply("k8s/04-abtest/color-ab.yaml"),
      said: [
        "In `heart`'s window the middle turns dark blue. The other window does not change.",
        "They stay green, even for `heart`.",
      ],
      explain: ["edge/heart", "center/heart"],
      see: working({
        "center/other": cell(GRIN, BLUE),
        "center/heart": cell(GRIN, DARK, "faces/color-a-b#0"),
        "edge/other": cell(GRIN, GREEN),
        "edge/heart": cell(GRIN, GREEN, "faces/color-edge#0"),
      }),
    },
    {
      after: "kubectl get -n faces grpcroute",
      said: [
        "`color-edge` names `Edge`; `color-a-b` names no method at all. So `color-edge` wins right there.",
        "Its header match would only have counted after that, and age never came into it.",
      ],
      explain: ["edge/heart", "center/heart"],
      see: working({
        "center/other": cell(GRIN, BLUE),
        "center/heart": cell(GRIN, DARK, "faces/color-a-b#0"),
        "edge/other": cell(GRIN, GREEN),
        "edge/heart": cell(GRIN, GREEN, "faces/color-edge#0"),
      }),
    },
    {
      after: "kubectl delete -n faces grpcroute color-edge",
      said: ["`heart` is dark blue all over."],
      see: working({
        "center/other": cell(GRIN, BLUE),
        "center/heart": cell(GRIN, DARK),
        "edge/other": cell(GRIN, BLUE),
        "edge/heart": cell(GRIN, DARK),
      }),
    },
    {
      after: apply("k8s/04-abtest/smiley-ab.yaml"),
      occurrence: 2,
      said: ["In `heart`'s window: heart eyes on dark blue. The other window: grinning on blue."],
      see: working({
        "center/other": cell(GRIN, BLUE),
        "center/heart": cell(HEARTS, DARK),
        "edge/other": cell(GRIN, BLUE),
        "edge/heart": cell(HEARTS, DARK),
      }),
    },
    {
      after: "kubectl delete -n faces grpcroute color-a-b",
      said: ["Both windows go back to grinning faces on blue."],
      see: working(every(cell(GRIN, BLUE))),
    },
    {
      after: apply(`k8s/05-timeouts/smiley-timeout-${mesh}.yaml`),
      said: [
        "This route gives every call to `smiley` 300 milliseconds.",
        "So `color` gets none today.",
      ],
      see: working(every(cell(GRIN, BLUE)), { smileyTimeout: "300ms" }),
    },
    {
      after: apply("k8s/05-timeouts/face-route.yaml"),
      said: ["It can time out the GUI's calls too.", "it keeps the face it had"],
      see: working(every(cell(GRIN, BLUE)), { smileyTimeout: "300ms", faceTimeout: "200ms" }),
    },
  ];
}

/**
 * The talk's text around the `occurrence`th run of `command`: the commentary just before the
 * group of commands it is in, and just after that group.
 */
function talkAround(plan: readonly PlanRecord[], command: string, occurrence: number): string {
  const top = plan.map((r, i) => ({ r, i })).filter(({ r }) => r.depth === 0);
  const isCommand = (r: PlanRecord) => r.kind === "command" || r.kind === "nested";
  const at = top.filter(({ r }) => r.kind === "command" && r.shown === command)[occurrence - 1];
  if (at === undefined) throw new Error(`the talk never runs ${command} (run ${occurrence})`);
  let k = top.indexOf(at);
  while (k > 0 && top[k - 1]?.r.kind !== "commentary") k--;
  while (k > 0 && !isCommand(top[k - 1]?.r as PlanRecord)) k--;
  let e = top.indexOf(at);
  while (e < top.length - 1 && top[e + 1]?.r.kind !== "commentary") e++;
  while (e < top.length - 1 && !isCommand(top[e + 1]?.r as PlanRecord)) e++;
  return top
    .slice(k, e + 1)
    .map(({ r }) => r)
    .filter((r) => r.kind === "commentary")
    .map((r) => r.text ?? "")
    .join(" ")
    .replace(/\s+/g, " ");
}

describe.each(MESHES)("DEMO_MESH=%s: what the audience sees, by the Gateway API model", (mesh) => {
  let plan: PlanRecord[];
  beforeAll(async () => {
    const r = await rehearse({
      env: { DEMO_MESH: mesh },
      args: ["--dry-run", "--json", "README.md"],
    });
    plan = r.run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as PlanRecord);
  });

  it.each(
    claims(mesh).map(
      (c) => [`${c.after}${c.occurrence ? ` (run ${c.occurrence})` : ""}`, c] as const,
    ),
  )("after %s", async (_, claim) => {
    const r = await fullRun(mesh, false);
    const runs = r.cluster.calls.flatMap((call, i) =>
      call.argv.join(" ") === claim.after ? [i] : [],
    );
    const index = runs[(claim.occurrence ?? 1) - 1];
    expect(index, `${claim.after} ran`).toBeDefined();
    const snapshot = r.cluster.snapshots.filter((s) => s.call <= (index as number)).at(-1);
    expect(snapshot).toBeDefined();
    expect(seen(snapshot?.view as ClusterView, mesh, claim.explain ?? [])).toEqual(claim.see);
    const talk = talkAround(plan, claim.after, claim.occurrence ?? 1);
    for (const phrase of claim.said)
      expect(talk, `the talk says "${phrase}"`).toContain(phrase.replace(/\s+/g, " "));
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
  async function appliedFiles(): Promise<string[]> {
    const files = new Set<string>();
    for (const mesh of MESHES) {
      for (const { argv } of (await fullRun(mesh, false)).calls) {
        if (argv[0] === "kubectl" && argv[1] === "apply" && argv[2] === "-f" && argv[3] !== "-") {
          files.add(argv[3] as string);
        }
      }
    }
    return [...files];
  }

  it("are the CRDs, the mesh's gateway and every route in k8s/ but the one only shown", async () => {
    const routes = fs
      .readdirSync(path.join(ROOT, "k8s"), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".yaml"))
      .map((file) => `k8s/${file}`)
      .filter((file) => file !== "k8s/02-unconditional/smiley-simplest.yaml");
    expect(routes.length).toBeGreaterThan(0);
    expect((await appliedFiles()).sort()).toEqual(
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

  it("every other applied file exists and is valid against the CRDs, in a served version", async () => {
    const others = (await appliedFiles()).filter((file) => file !== GATEWAY_API);
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
  ] as const)(
    "%s: exit 1 before any call, naming DEMO_MESH and its values",
    async (_, env, says) => {
      const r = await rehearse({ env });
      expect(r.run.status, failure(r)).toBe(1);
      expect(r.calls).toEqual([]);
      expect(r.run.stderr).toMatch(says);
      expect(r.run.stderr).toMatch(/linkerd/);
      expect(r.run.stderr).toMatch(/istio/);
    },
  );

  it("bat missing, batcat there: the run succeeds and every show goes to batcat", async () => {
    const r = await fullRun("linkerd", false);
    expect(r.run.status, failure(r)).toBe(0);
    expect(commandLines(r.calls)).toEqual(
      expectedCalls("linkerd", { online: false, show: "batcat" }),
    );
  });

  it("neither bat nor batcat: exit 1 before any call, naming bat", async () => {
    const r = await rehearse({ env: { DEMO_MESH: "istio" }, omit: ["bat", "batcat"] });
    expect(r.run.status, failure(r)).toBe(1);
    expect(r.calls).toEqual([]);
    expect(r.run.stderr).toMatch(/^ {2}- bat \(or batcat\)$/m);
  });

  it("lists everything missing at once", async () => {
    const r = await rehearse({
      env: { DEMO_MESH: "istio" },
      omit: ["helm", "bat", "batcat", "curl"],
    });
    expect(r.run.status, failure(r)).toBe(1);
    expect(r.calls).toEqual([]);
    for (const name of ["helm", "curl", "bat \\(or batcat\\)"]) {
      expect(r.run.stderr).toMatch(new RegExp(`^ {2}- ${name}$`, "m"));
    }
  });

  it.each([
    ["linkerd", "linkerd"],
    ["istio", "istioctl"],
  ] as const)(
    "DEMO_MESH=%s offline without %s: exit 1 before any call, naming it",
    async (mesh, cli) => {
      const r = await rehearse({ env: { DEMO_MESH: mesh, DEMO_HOOK_OFFLINE: "1" }, omit: [cli] });
      expect(r.run.status, failure(r)).toBe(1);
      expect(r.calls).toEqual([]);
      expect(r.run.stderr).toMatch(new RegExp(`^ {2}- ${cli} \\(DEMO_HOOK_OFFLINE is set`, "m"));
    },
  );

  it("no cluster answering: exit 1 after the one question, saying so", async () => {
    const r = await rehearse({
      env: { DEMO_MESH: "linkerd", DEMO_HOOK_OFFLINE: "1" },
      cluster: { down: true },
    });
    expect(r.run.status, failure(r)).toBe(1);
    expect(commandLines(r.calls)).toEqual(["kubectl get --raw /version"]);
    expect(r.run.stderr).toMatch(/No Kubernetes cluster answers/);
  });

  it.each(MESHES)(
    "DEMO_MESH=%s, Kubernetes 1.28: exit 1 after the one question, asking for 1.29",
    async (mesh) => {
      const r = await rehearse({
        env: { DEMO_MESH: mesh, DEMO_HOOK_OFFLINE: "1" },
        cluster: { kubernetes: "1.28" },
      });
      expect(r.run.status, failure(r)).toBe(1);
      expect(commandLines(r.calls)).toEqual(["kubectl get --raw /version"]);
      expect(r.run.stderr).toMatch(
        /runs Kubernetes 1\.28; the workshop needs 1\.29 or newer \(native sidecars\)/,
      );
      expect(r.run.stderr).toMatch(/Nothing was installed/);
    },
  );

  it("Kubernetes 1.29 is new enough, and the check then sets bat's frame and line numbers", async () => {
    const cluster = await FakeCluster.start({ kubernetes: "1.29" });
    try {
      const log = path.join(workspace(), "calls.jsonl");
      const script =
        'source tools/check-requirements.sh && printf "%s\\n" "$BAT_STYLE" "$BAT_PAGING"';
      const r = spawnAsync("bash", ["-c", script], {
        PATH: `${makeFakes()}${path.delimiter}${realTools}`,
        HOME: workspace(),
        DEMO_MESH: "linkerd",
        DEMO_HOOK_OFFLINE: "1",
        ...fakeEnv(cluster, log),
      });
      const done = await r;
      expect(done.status, done.stderr).toBe(0);
      expect(done.stdout).toBe("grid,numbers\nnever\n");
      expect(commandLines(readCalls(log))).toEqual(["kubectl get --raw /version"]);
    } finally {
      await cluster.close();
    }
  });
});

// ---------------------------------------------------------------------------
// The fake cluster's memory catches a wrong backend, parent or namespace

describe("a workshop with a mistake planted, against the fake cluster", () => {
  /** A copy of the workshop in which `file` is changed by `change`. */
  function plantedCopy(file: string, change: (text: string) => string): string {
    const dir = workspace();
    for (const entry of ["README.md", "tools", "linkerd", "istio", "k8s", "faces", "gateway-api"]) {
      fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true });
    }
    const at = path.join(dir, file);
    const before = fs.readFileSync(at, "utf8");
    const after = change(before);
    if (after === before) throw new Error(`the change to ${file} changed nothing`);
    fs.writeFileSync(at, after);
    return dir;
  }

  async function rehearseCopy(dir: string): Promise<Run & { cluster: FakeCluster }> {
    const cluster = await FakeCluster.start();
    try {
      const run = await runCli(dir, ["--ci", "README.md"], {
        PATH: `${makeFakes()}${path.delimiter}${realTools}`,
        DEMO_MESH: "istio",
        DEMO_HOOK_OFFLINE: "1",
        ...fakeEnv(cluster, path.join(workspace(), "calls.jsonl")),
      });
      return { ...run, cluster };
    } finally {
      await cluster.close();
    }
  }

  it("a Gateway parent in the wrong namespace: the run stops at that apply, naming file, line and the missing object", async () => {
    const file = "k8s/01-base/gui-route.yaml";
    const r = await rehearseCopy(
      plantedCopy(file, (t) => t.replace("namespace: default", "namespace: faces")),
    );
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/gui-route\.yaml.*its parent Gateway faces\/ingress does not exist/s);
    expect(r.stderr).toMatch(
      /demoshts: README\.md:[0-9]+: failed with status 1: kubectl apply -f k8s\/01-base\/gui-route\.yaml/,
    );
  });

  /** The fake CLIs run in `dir`, one after the other, against `cluster`. */
  async function calls(dir: string, cluster: FakeCluster, lines: readonly string[]) {
    const fakes = makeFakes();
    const log = path.join(workspace(), "calls.jsonl");
    const results: { status: number | null; stdout: string; stderr: string }[] = [];
    for (const line of lines) {
      results.push(
        await spawnAsync(
          "bash",
          ["-c", line],
          {
            PATH: `${fakes}${path.delimiter}${realTools}`,
            ...fakeEnv(cluster, log),
          },
          dir,
        ),
      );
    }
    return results;
  }

  it.each([
    [
      "a backend that does not exist",
      "k8s/03-canary/smiley-edge.yaml",
      (t: string) => t.replace("name: smiley2", "name: smiley4"),
      /smiley-edge\.yaml.*its backend Service faces\/smiley4 does not exist/s,
    ],
    [
      "a parent Service that does not exist",
      "k8s/04-abtest/color-ab.yaml",
      (t: string) => t.replace("name: color\n", "name: colour\n"),
      /color-ab\.yaml.*its parent Service faces\/colour does not exist/s,
    ],
    [
      "a route in the wrong namespace",
      "k8s/02-unconditional/smiley-route.yaml",
      (t: string) => t.replace("namespace: faces", "namespace: default"),
      /its parent Service default\/smiley does not exist/,
    ],
  ])(
    "%s: the fake cluster refuses the apply, naming the file and the missing object",
    async (_, file, change, says) => {
      const dir = plantedCopy(file, change);
      const cluster = await FakeCluster.start();
      try {
        const results = await calls(dir, cluster, [
          "kubectl apply -f gateway-api/experimental-install.yaml",
          "kubectl create namespace faces",
          "helm install faces -n faces oci://ghcr.io/buoyantio/faces-chart --version 2.0.0-rc.1 --values faces/values.yaml",
          `kubectl apply -f ${file}`,
        ]);
        expect(results.slice(0, 3).map((r) => r.status)).toEqual([0, 0, 0]);
        expect(results[3]?.status).toBe(1);
        expect(results[3]?.stderr).toMatch(says);
        expect(cluster.view().objects.filter((o) => o.kind.endsWith("Route"))).toEqual([]);
      } finally {
        await cluster.close();
      }
    },
  );

  it("deleting a route that was never made fails, and get lists what is there", async () => {
    const cluster = await FakeCluster.start();
    try {
      const results = await calls(ROOT, cluster, [
        "kubectl apply -f gateway-api/experimental-install.yaml",
        "kubectl create namespace faces",
        "helm install faces -n faces oci://ghcr.io/buoyantio/faces-chart --version 2.0.0-rc.1 --values faces/values.yaml",
        "kubectl apply -f k8s/02-unconditional/smiley-route.yaml",
        "kubectl delete -n faces httproute smiley-rout",
        "kubectl get -n faces httproute",
        "kubectl delete -n faces httproute smiley-route",
        "kubectl get -n faces httproute",
      ]);
      expect(results.map((r) => r.status)).toEqual([0, 0, 0, 0, 1, 0, 0, 0]);
      expect(results[4]?.stderr).toMatch(
        /httproutes\.gateway\.networking\.k8s\.io "smiley-rout" not found/,
      );
      expect(results[5]?.stdout).toMatch(/^NAME +HOSTNAMES +AGE\nsmiley-route +[0-9]+s\n$/);
      expect(results[6]?.stdout).toBe(
        'httproute.gateway.networking.k8s.io "smiley-route" deleted\n',
      );
      expect(results[7]?.stderr).toBe("No resources found in faces namespace.\n");
    } finally {
      await cluster.close();
    }
  });
});

// ---------------------------------------------------------------------------
// The dry run

interface PlanRecord {
  kind: string;
  file: string;
  depth: number;
  text?: string;
  shown?: string;
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

  it("plans the three nested demos inline, and calls nothing", async () => {
    const r = await rehearse({
      env: { DEMO_MESH: mesh },
      args: ["--dry-run", "--json", "README.md"],
    });
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
