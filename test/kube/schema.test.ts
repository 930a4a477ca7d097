import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import {
  CrdFileError,
  type CrdVersionSchema,
  compareKubeVersions,
  crdsFromYaml,
  type ManifestReport,
  SchemaSet,
  splitApiVersion,
  validateManifests,
} from "../../src/kube/schema.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const GATEWAY_API = "gateway-api/experimental-install.yaml";
const LINKERD_CRD = "test/fixtures/crds/linkerd-edge-24.10.4-policy-httproute-crd.yaml";
const GATEWAY_GROUP = "gateway.networking.k8s.io";

const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");
const lines = (...text: string[]): string => `${text.join("\n")}\n`;

/** The 1-based line and column of the `nth` occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string, nth = 0): { line: number; column: number } {
  let index = -1;
  for (let i = 0; i <= nth; i++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`${JSON.stringify(needle)} not found`);
  }
  const before = text.slice(0, index);
  return { line: before.split("\n").length, column: index - before.lastIndexOf("\n") };
}

/** Every version of a CRD set as `Kind version flags`, e.g. `GRPCRoute v1alpha2 served deprecated`. */
function versionTable(crds: readonly CrdVersionSchema[]): string[] {
  return crds.map((c) =>
    [
      c.kind,
      c.version,
      c.served ? "served" : "",
      c.storage ? "storage" : "",
      c.deprecated ? "deprecated" : "",
    ]
      .filter(Boolean)
      .join(" "),
  );
}

/** The field names a version's HTTPRoute/GRPCRoute rule schema allows. */
function ruleFields(crd: CrdVersionSchema): string[] {
  const schema = crd.schema as {
    properties: { spec: { properties: { rules: { items: { properties: object } } } } };
  };
  return Object.keys(schema.properties.spec.properties.rules.items.properties).sort();
}

let gatewayCrds: CrdVersionSchema[];
let linkerdCrds: CrdVersionSchema[];
let schemas: SchemaSet;

beforeAll(() => {
  gatewayCrds = crdsFromYaml(read(GATEWAY_API), GATEWAY_API);
  linkerdCrds = crdsFromYaml(read(LINKERD_CRD), LINKERD_CRD);
  schemas = new SchemaSet(gatewayCrds).add(linkerdCrds);
});

describe("crdsFromYaml", () => {
  it("finds the ten Gateway API v1.1.1 kinds with their served, storage and deprecated versions", () => {
    expect(new Set(gatewayCrds.map((c) => c.group))).toEqual(new Set([GATEWAY_GROUP]));
    expect(versionTable(gatewayCrds)).toEqual([
      "BackendLBPolicy v1alpha2 served storage",
      "BackendTLSPolicy v1alpha3 served storage",
      "GatewayClass v1 served storage",
      "GatewayClass v1beta1 served",
      "Gateway v1 served storage",
      "Gateway v1beta1 served",
      "GRPCRoute v1 served storage",
      "GRPCRoute v1alpha2 served deprecated",
      "HTTPRoute v1 served storage",
      "HTTPRoute v1beta1 served",
      "ReferenceGrant v1alpha2 served deprecated",
      "ReferenceGrant v1beta1 served storage",
      "TCPRoute v1alpha2 served storage",
      "TLSRoute v1alpha2 served storage",
      "UDPRoute v1alpha2 served storage",
    ]);
    const cluster = gatewayCrds.filter((c) => c.scope === "Cluster").map((c) => c.kind);
    expect(new Set(cluster)).toEqual(new Set(["GatewayClass"]));
    expect(gatewayCrds.every((c) => c.file === GATEWAY_API && c.line > 1)).toBe(true);
  });

  it("keeps each version's schema: experimental HTTPRoute rules have timeouts, GRPCRoute rules do not", () => {
    const rules = (kind: string, version: string) =>
      ruleFields(gatewayCrds.find((c) => c.kind === kind && c.version === version) as never);
    const http = ["backendRefs", "filters", "matches", "sessionPersistence", "timeouts"];
    expect(rules("HTTPRoute", "v1")).toEqual(http);
    expect(rules("HTTPRoute", "v1beta1")).toEqual(http);
    expect(rules("GRPCRoute", "v1")).not.toContain("timeouts");
    expect(rules("GRPCRoute", "v1alpha2")).not.toContain("timeouts");
  });

  it("finds Linkerd's policy.linkerd.io HTTPRoute, v1alpha1 to v1beta3, timeouts only in v1beta3", () => {
    expect(linkerdCrds.map((c) => `${c.group} ${c.kind}`)).toEqual(
      Array(4).fill("policy.linkerd.io HTTPRoute"),
    );
    expect(versionTable(linkerdCrds)).toEqual([
      "HTTPRoute v1alpha1 served",
      "HTTPRoute v1beta1 served",
      "HTTPRoute v1beta2 served",
      "HTTPRoute v1beta3 served storage",
    ]);
    expect(linkerdCrds.map((c) => ruleFields(c).includes("timeouts"))).toEqual([
      false,
      false,
      false,
      true,
    ]);
  });

  it("ignores documents that are not CRDs and reads CRDs inside a List", () => {
    const text = lines(
      "apiVersion: v1",
      "kind: Namespace",
      "metadata: {name: faces}",
      "---",
      "apiVersion: v1",
      "kind: List",
      "items:",
      "  - apiVersion: apiextensions.k8s.io/v1",
      "    kind: CustomResourceDefinition",
      "    metadata: {name: things.example.com}",
      "    spec:",
      "      group: example.com",
      "      scope: Cluster",
      "      names: {kind: Thing, plural: things}",
      "      versions:",
      "        - {name: v1, served: true, storage: true}",
    );
    const [thing, ...rest] = crdsFromYaml(text, "list.yaml");
    expect(rest).toEqual([]);
    expect(thing).toMatchObject({
      group: "example.com",
      kind: "Thing",
      version: "v1",
      scope: "Cluster",
      file: "list.yaml",
      line: 8,
    });
    // A version without a schema lets anything through, as the API server does.
    expect(thing?.schema).toEqual({ type: "object", "x-kubernetes-preserve-unknown-fields": true });
  });

  it("throws a CrdFileError with the position of YAML that does not parse", () => {
    const text = lines("apiVersion: apiextensions.k8s.io/v1", "kind: [CustomResourceDefinition");
    expect(() => crdsFromYaml(text, "broken.yaml")).toThrow(CrdFileError);
    try {
      crdsFromYaml(text, "broken.yaml");
    } catch (error) {
      expect(error).toMatchObject({ file: "broken.yaml", line: 3, column: 1 });
      expect(String((error as Error).message)).toMatch(/^broken\.yaml:3:1: /);
    }
  });

  it("throws a CrdFileError naming a CRD that has no group", () => {
    const text = lines(
      "---",
      "apiVersion: apiextensions.k8s.io/v1",
      "kind: CustomResourceDefinition",
      "metadata: {name: broken.example.com}",
      "spec:",
      "  names: {kind: Broken}",
      "  versions: []",
    );
    expect(() => crdsFromYaml(text, "crd.yaml")).toThrow(
      "crd.yaml:2:1: CustomResourceDefinition broken.example.com has no spec.group",
    );
  });
});

describe("SchemaSet", () => {
  it("looks versions up by apiVersion and kind, served or not", () => {
    expect(schemas.lookup(`${GATEWAY_GROUP}/v1beta1`, "HTTPRoute")).toMatchObject({
      group: GATEWAY_GROUP,
      kind: "HTTPRoute",
      version: "v1beta1",
      served: true,
    });
    expect(schemas.lookup("policy.linkerd.io/v1beta3", "HTTPRoute")?.group).toBe(
      "policy.linkerd.io",
    );
    expect(schemas.lookup(`${GATEWAY_GROUP}/v1alpha9`, "HTTPRoute")).toBeUndefined();
    expect(schemas.lookup("v1", "Service")).toBeUndefined();
    expect(schemas.lookup("a/b/c", "HTTPRoute")).toBeUndefined();
    expect(schemas.hasKind(GATEWAY_GROUP, "GRPCRoute")).toBe(true);
    expect(schemas.hasKind(GATEWAY_GROUP, "grpcroute")).toBe(false);
    expect(schemas.hasKind("", "Service")).toBe(false);
  });

  it("lists served versions most preferred first", () => {
    expect(schemas.servedVersions(GATEWAY_GROUP, "GRPCRoute")).toEqual(["v1", "v1alpha2"]);
    expect(schemas.servedVersions("policy.linkerd.io", "HTTPRoute")).toEqual([
      "v1beta3",
      "v1beta2",
      "v1beta1",
      "v1alpha1",
    ]);
    expect(schemas.servedVersions("", "Service")).toEqual([]);
    expect([...schemas]).toHaveLength(gatewayCrds.length + linkerdCrds.length);
  });

  it("lets a later CRD for the same kind replace all of its versions, like re-applying it", () => {
    const base = { group: "example.com", kind: "Thing", scope: "Namespaced", file: "f", line: 1 };
    const version = (name: string) => ({
      ...base,
      version: name,
      served: true,
      storage: false,
      deprecated: false,
      schema: {},
    });
    const set = new SchemaSet([version("v1alpha1"), version("v1")]);
    expect(set.servedVersions("example.com", "Thing")).toEqual(["v1", "v1alpha1"]);
    set.add([version("v2")]);
    expect(set.servedVersions("example.com", "Thing")).toEqual(["v2"]);
    expect(set.lookup("example.com/v1", "Thing")).toBeUndefined();
  });

  it("splits apiVersions and orders versions the Kubernetes way", () => {
    expect(splitApiVersion("v1")).toEqual({ group: "", version: "v1" });
    expect(splitApiVersion("policy.linkerd.io/v1beta3")).toEqual({
      group: "policy.linkerd.io",
      version: "v1beta3",
    });
    expect(splitApiVersion("")).toBeUndefined();
    expect(splitApiVersion("a/b/c")).toBeUndefined();
    expect(splitApiVersion("/v1")).toBeUndefined();
    const versions = ["v1alpha1", "foo", "v2beta1", "v1", "v1beta2", "v2", "v1beta10", "bar"];
    expect(versions.sort(compareKubeVersions)).toEqual([
      "v2",
      "v1",
      "v2beta1",
      "v1beta10",
      "v1beta2",
      "v1alpha1",
      "bar",
      "foo",
    ]);
  });
});

// ---------------------------------------------------------------------------
// The workshop's own YAML

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
    .sort();
}

type Json = Record<string, unknown>;

const meshParent = (name: string, group = "") => [{ group, kind: "Service", name, port: 80 }];
const INGRESS_PARENT = [{ name: "ingress", namespace: "default" }];
const V1 = `${GATEWAY_GROUP}/v1`;
const V1BETA1 = `${GATEWAY_GROUP}/v1beta1`;
const V1ALPHA2 = `${GATEWAY_GROUP}/v1alpha2`;

interface RouteFacts {
  kind: "HTTPRoute" | "GRPCRoute";
  apiVersion: string;
  name: string;
  parentRefs: Json[];
  /** Each rule in a few words: matches; filters; backends; timeouts (undefined: no rules). */
  rules?: string[];
}

/** The outline's table of manifests, file by file. */
const ROUTES: Record<string, RouteFacts> = {
  "k8s/01-base/gui-route.yaml": {
    kind: "HTTPRoute",
    apiVersion: V1,
    name: "faces-gui-route",
    parentRefs: INGRESS_PARENT,
    rules: ["path PathPrefix /gui/; rewrite ReplaceFullPath /; to faces-gui:80"],
  },
  "k8s/01-base/face-route.yaml": {
    kind: "HTTPRoute",
    apiVersion: V1,
    name: "face-route",
    parentRefs: INGRESS_PARENT,
    rules: ["path PathPrefix /face; rewrite ReplacePrefixMatch /; to face:80"],
  },
  "k8s/02-unconditional/smiley-simplest.yaml": {
    kind: "HTTPRoute",
    apiVersion: V1BETA1,
    name: "simple-smiley-route",
    parentRefs: meshParent("smiley"),
  },
  "k8s/02-unconditional/smiley-route.yaml": {
    kind: "HTTPRoute",
    apiVersion: V1BETA1,
    name: "smiley-route",
    parentRefs: meshParent("smiley"),
    rules: ["to smiley2:80"],
  },
  "k8s/02-unconditional/color-route.yaml": {
    kind: "GRPCRoute",
    apiVersion: V1ALPHA2,
    name: "color-route",
    parentRefs: meshParent("color"),
    rules: ["to color2:80"],
  },
  "k8s/03-canary/smiley-canary-10.yaml": {
    kind: "HTTPRoute",
    apiVersion: V1BETA1,
    name: "smiley-canary",
    parentRefs: meshParent("smiley"),
    rules: ["to smiley:80 weight 90, smiley2:80 weight 10"],
  },
  "k8s/03-canary/smiley-canary-50.yaml": {
    kind: "HTTPRoute",
    apiVersion: V1BETA1,
    name: "smiley-canary",
    parentRefs: meshParent("smiley"),
    rules: ["to smiley:80 weight 50, smiley2:80 weight 50"],
  },
  "k8s/03-canary/smiley-canary-100.yaml": {
    kind: "HTTPRoute",
    apiVersion: V1BETA1,
    name: "smiley-canary",
    parentRefs: meshParent("smiley"),
    rules: ["to smiley:80 weight 0, smiley2:80 weight 100"],
  },
  "k8s/03-canary/color-canary-25.yaml": {
    kind: "GRPCRoute",
    apiVersion: V1ALPHA2,
    name: "color-canary",
    parentRefs: meshParent("color"),
    rules: ["to color:80 weight 75, color2:80 weight 25"],
  },
  "k8s/03-canary/color-canary-50.yaml": {
    kind: "GRPCRoute",
    apiVersion: V1ALPHA2,
    name: "color-canary",
    parentRefs: meshParent("color"),
    rules: ["to color:80 weight 50, color2:80 weight 50"],
  },
  "k8s/03-canary/smiley-edge.yaml": {
    kind: "HTTPRoute",
    apiVersion: V1BETA1,
    name: "smiley-edge",
    parentRefs: meshParent("smiley"),
    rules: ["path PathPrefix /edge; to smiley2:80", "to smiley:80"],
  },
  "k8s/03-canary/smiley-edge-canary-50.yaml": {
    kind: "HTTPRoute",
    apiVersion: V1BETA1,
    name: "smiley-edge",
    parentRefs: meshParent("smiley"),
    rules: ["path PathPrefix /edge; to smiley3:80 weight 50, smiley2:80 weight 50", "to smiley:80"],
  },
  "k8s/03-canary/color-edge.yaml": {
    kind: "GRPCRoute",
    apiVersion: V1ALPHA2,
    name: "color-edge",
    parentRefs: meshParent("color"),
    rules: ["method ColorService/Edge; to color2:80", "to color:80"],
  },
  "k8s/04-abtest/smiley-ab.yaml": {
    kind: "HTTPRoute",
    apiVersion: V1BETA1,
    name: "smiley-a-b",
    parentRefs: meshParent("smiley"),
    rules: ["header x-faces-user=heart; to smiley2:80", "to smiley:80"],
  },
  "k8s/04-abtest/smiley2-unconditional.yaml": {
    kind: "HTTPRoute",
    apiVersion: V1BETA1,
    name: "smiley-a-b",
    parentRefs: meshParent("smiley"),
    rules: ["to smiley2:80"],
  },
  "k8s/04-abtest/color-ab.yaml": {
    kind: "GRPCRoute",
    apiVersion: V1ALPHA2,
    name: "color-a-b",
    parentRefs: meshParent("color"),
    rules: ["method ColorService/* and header x-faces-user=heart; to color3:80", "to color:80"],
  },
  "k8s/05-timeouts/smiley-timeout-linkerd.yaml": {
    kind: "HTTPRoute",
    apiVersion: "policy.linkerd.io/v1beta3",
    name: "smiley-timeout",
    parentRefs: meshParent("smiley", "core"),
    rules: ["to smiley:80; timeout request=300ms"],
  },
  "k8s/05-timeouts/smiley-timeout-istio.yaml": {
    kind: "HTTPRoute",
    apiVersion: V1,
    name: "smiley-timeout",
    parentRefs: meshParent("smiley"),
    rules: ["to smiley:80; timeout request=300ms"],
  },
  "k8s/05-timeouts/face-route.yaml": {
    kind: "HTTPRoute",
    apiVersion: V1,
    name: "face-route",
    parentRefs: INGRESS_PARENT,
    rules: [
      "path PathPrefix /face; rewrite ReplacePrefixMatch /; to face:80; timeout request=200ms",
    ],
  },
};

function describeMatch(match: Json): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(match)) {
    const v = value as Json;
    if (key === "path") parts.push(`path ${v.type} ${v.value}`);
    else if (key === "method") {
      const type = v.type === undefined ? "" : ` (${v.type})`;
      parts.push(`method ${v.service ?? "*"}/${v.method ?? "*"}${type}`);
    } else if (key === "headers") {
      for (const h of value as Json[]) {
        parts.push(`header ${h.name}=${h.value}${h.type === undefined ? "" : ` (${h.type})`}`);
      }
    } else parts.push(`${key} ${JSON.stringify(value)}`);
  }
  return parts.join(" and ");
}

function describeFilter(filter: Json): string {
  if (filter.type !== "URLRewrite") return JSON.stringify(filter);
  const path = (filter.urlRewrite as { path: Json }).path;
  const type = path.type as string;
  const value = path[type === "ReplaceFullPath" ? "replaceFullPath" : "replacePrefixMatch"];
  return `rewrite ${type} ${value}`;
}

function describeBackend(ref: Json): string {
  const { name, port, weight, ...rest } = ref;
  const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : "";
  return `${name}:${port}${weight === undefined ? "" : ` weight ${weight}`}${extra}`;
}

function describeRule(rule: Json): string {
  const { matches, filters, backendRefs, timeouts, ...rest } = rule;
  const parts: string[] = [];
  if (matches) parts.push((matches as Json[]).map(describeMatch).join(" or "));
  for (const filter of (filters as Json[] | undefined) ?? []) parts.push(describeFilter(filter));
  parts.push(`to ${((backendRefs as Json[] | undefined) ?? []).map(describeBackend).join(", ")}`);
  if (timeouts) {
    const t = Object.entries(timeouts as Json).map(([k, v]) => `${k}=${v}`);
    parts.push(`timeout ${t.join(" ")}`);
  }
  if (Object.keys(rest).length > 0) parts.push(JSON.stringify(rest));
  return parts.join("; ");
}

describe("the workshop's manifests", () => {
  const gatewayFiles = ["linkerd/gateway.yaml", "istio/gateway.yaml"];

  it("k8s/ holds exactly the outline's files", () => {
    expect(yamlFilesUnder("k8s")).toEqual(Object.keys(ROUTES).sort());
  });

  it.each([...Object.keys(ROUTES), ...gatewayFiles])(
    "%s is valid against the CRDs, with a schema for every kind",
    (file) => {
      const report: ManifestReport = validateManifests(read(file), file, schemas);
      expect(report.problems).toEqual([]);
      expect(report.notValidated).toEqual([]);
      expect(report.documents).toBe(file === "linkerd/gateway.yaml" ? 2 : 1);
    },
  );

  it.each(Object.entries(ROUTES))("%s says what the outline says", (file, facts) => {
    const text = read(file);
    expect(text.startsWith("apiVersion: "), "starts with its apiVersion: no comment header").toBe(
      true,
    );
    const docs = parseAllDocuments(text) as unknown as { toJS(): Json }[];
    expect(docs).toHaveLength(1);
    const route = docs[0]?.toJS() as Json;
    const metadata = route.metadata as Json;
    const spec = route.spec as Json;
    expect({
      kind: route.kind,
      apiVersion: route.apiVersion,
      name: metadata.name,
      namespace: metadata.namespace,
    }).toEqual({
      kind: facts.kind,
      apiVersion: facts.apiVersion,
      name: facts.name,
      namespace: "faces",
    });
    expect(Object.keys(metadata).sort()).toEqual(["name", "namespace"]);
    expect(spec.parentRefs).toEqual(facts.parentRefs);
    const rules = spec.rules as Json[] | undefined;
    expect(rules?.map(describeRule)).toEqual(facts.rules);
  });

  it("linkerd/gateway.yaml: an Envoy Gateway class and the ingress Gateway", () => {
    const docs = parseAllDocuments(read("linkerd/gateway.yaml")).map((d) => d.toJS());
    expect(docs).toEqual([
      {
        apiVersion: V1,
        kind: "GatewayClass",
        metadata: { name: "envoy-gateway-class" },
        spec: { controllerName: "gateway.envoyproxy.io/gatewayclass-controller" },
      },
      {
        apiVersion: V1,
        kind: "Gateway",
        metadata: { name: "ingress", namespace: "default" },
        spec: {
          gatewayClassName: "envoy-gateway-class",
          listeners: [
            {
              name: "http",
              protocol: "HTTP",
              port: 80,
              allowedRoutes: { namespaces: { from: "All" } },
            },
          ],
        },
      },
    ]);
  });

  it("istio/gateway.yaml: the ingress Gateway of class istio", () => {
    const docs = parseAllDocuments(read("istio/gateway.yaml")).map((d) => d.toJS());
    expect(docs).toEqual([
      {
        apiVersion: V1,
        kind: "Gateway",
        metadata: { name: "ingress", namespace: "default" },
        spec: {
          gatewayClassName: "istio",
          listeners: [
            {
              name: "http",
              protocol: "HTTP",
              port: 80,
              allowedRoutes: { namespaces: { from: "All" } },
            },
          ],
        },
      },
    ]);
  });

  it("faces/values.yaml has the outline's Helm values", () => {
    expect(parse(read("faces/values.yaml"))).toEqual({
      face: { errorFraction: 0 },
      backend: { errorFraction: 0 },
      smiley2: { enabled: true },
      smiley3: { enabled: true, errorFraction: 50 },
      color2: { enabled: true },
      color3: { enabled: true },
    });
  });
});

// ---------------------------------------------------------------------------
// Planted problems

/** The start of an HTTPRoute attached to the smiley Service (8 lines; `rest` starts at line 9). */
const httpRoute = (apiVersion: string, ...rest: string[]) =>
  lines(
    `apiVersion: ${apiVersion}`,
    "kind: HTTPRoute",
    "metadata:",
    "  name: planted",
    "  namespace: faces",
    "spec:",
    "  parentRefs:",
    '    - {group: "", kind: Service, name: smiley, port: 80}',
    ...rest,
  );

const grpcRoute = (apiVersion: string, ...rest: string[]) =>
  httpRoute(apiVersion, ...rest).replace("kind: HTTPRoute", "kind: GRPCRoute");

function check(text: string, file = "planted.yaml"): ManifestReport {
  return validateManifests(text, file, schemas);
}

describe("planted problems", () => {
  it("a weight that is not a number: at the value, with the path", () => {
    const text = httpRoute(
      V1BETA1,
      "  rules:",
      "    - backendRefs:",
      "        - name: smiley",
      "          port: 80",
      "          weight: ninety",
    );
    expect(check(text).problems).toEqual([
      {
        file: "planted.yaml",
        line: 13,
        column: 19,
        path: "spec.rules[0].backendRefs[0].weight",
        message: 'spec.rules[0].backendRefs[0].weight: must be integer (got string "ninety")',
      },
    ]);
  });

  it("unknown fields: at the key, with a did-you-mean when a name is close", () => {
    const text = httpRoute(
      V1,
      "  rules:",
      "    - backendRefs:",
      "        - name: smiley",
      "          port: 80",
      "          weigth: 10",
      "      timeout:",
      "        request: 300ms",
      "  hostname: smiley",
      "specs: {}",
    );
    const problems = check(text).problems;
    expect(problems.map((p) => [p.line, p.column, p.path, p.message])).toEqual([
      [
        13,
        11,
        "spec.rules[0].backendRefs[0].weigth",
        "unknown field spec.rules[0].backendRefs[0].weigth (did you mean weight?)",
      ],
      [
        14,
        7,
        "spec.rules[0].timeout",
        "unknown field spec.rules[0].timeout (did you mean timeouts?)",
      ],
      [16, 3, "spec.hostname", "unknown field spec.hostname (did you mean hostnames?)"],
      [17, 1, "specs", "unknown field specs (did you mean spec?)"],
    ]);
  });

  it("a GRPCRoute backendRef without a name: at the object the name is missing from", () => {
    const text = grpcRoute(
      V1ALPHA2,
      "  rules:",
      "    - backendRefs:",
      "        - port: 80",
      "          weight: 1",
    );
    expect(check(text).problems).toEqual([
      {
        file: "planted.yaml",
        ...positionOf(text, "port: 80", 1),
        path: "spec.rules[0].backendRefs[0].name",
        message: "missing required field spec.rules[0].backendRefs[0].name",
      },
    ]);
  });

  it("a path match type that is not in the enum", () => {
    const text = httpRoute(
      V1BETA1,
      "  rules:",
      "    - matches:",
      "        - path: {type: Prefix, value: /edge}",
      "      backendRefs: [{name: smiley2, port: 80}]",
    );
    expect(check(text).problems).toEqual([
      {
        file: "planted.yaml",
        ...positionOf(text, "Prefix,"),
        path: "spec.rules[0].matches[0].path.type",
        message:
          'spec.rules[0].matches[0].path.type: must be one of Exact, PathPrefix, RegularExpression (got "Prefix")',
      },
    ]);
  });

  it("a request timeout that does not match Gateway API's duration pattern", () => {
    const text = httpRoute(
      V1,
      "  rules:",
      "    - backendRefs: [{name: smiley, port: 80}]",
      "      timeouts:",
      '        request: "300 ms"',
      "        backendRequest: 1.5s",
    );
    const problems = check(text).problems;
    expect(problems.map((p) => [p.line, p.column, p.path])).toEqual([
      [12, 18, "spec.rules[0].timeouts.request"],
      [13, 25, "spec.rules[0].timeouts.backendRequest"],
    ]);
    expect(problems[0]?.message).toBe(
      'spec.rules[0].timeouts.request: "300 ms" does not match the pattern ^([0-9]{1,5}(h|m|s|ms)){1,4}$',
    );
  });

  it("a weight above the schema's maximum, and one below its minimum", () => {
    const text = httpRoute(
      V1BETA1,
      "  rules:",
      "    - backendRefs:",
      "        - {name: smiley, port: 80, weight: 1000001}",
      "        - {name: smiley2, port: 80, weight: -1}",
    );
    expect(check(text).problems).toEqual([
      {
        file: "planted.yaml",
        ...positionOf(text, "1000001"),
        path: "spec.rules[0].backendRefs[0].weight",
        message: "spec.rules[0].backendRefs[0].weight: must be <= 1000000 (got 1000001)",
      },
      {
        file: "planted.yaml",
        ...positionOf(text, "-1"),
        path: "spec.rules[0].backendRefs[1].weight",
        message: "spec.rules[0].backendRefs[1].weight: must be >= 0 (got -1)",
      },
    ]);
  });

  it("timeouts on a GRPCRoute: not in its schema, v1 or v1alpha2", () => {
    for (const version of [V1, V1ALPHA2]) {
      const text = grpcRoute(
        version,
        "  rules:",
        "    - backendRefs: [{name: color, port: 80}]",
        "      timeouts: {request: 300ms}",
      );
      const problems = check(text).problems;
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({
        ...positionOf(text, "timeouts"),
        path: "spec.rules[0].timeouts",
      });
      expect(problems[0]?.message).toMatch(/^unknown field spec\.rules\[0\]\.timeouts \(allowed: /);
      expect(problems[0]?.message).not.toContain("timeouts,");
    }
  });

  it("a version the CRD does not define: at the apiVersion, naming the served versions", () => {
    const text = httpRoute(`${GATEWAY_GROUP}/v1alpha9`, "  rules: [{backendRefs: [{name: x}]}]");
    expect(check(text)).toEqual({
      problems: [
        {
          file: "planted.yaml",
          line: 1,
          column: 13,
          path: "apiVersion",
          message:
            "apiVersion: gateway.networking.k8s.io/v1alpha9 is not a version of HTTPRoute (served: gateway.networking.k8s.io/v1, gateway.networking.k8s.io/v1beta1)",
        },
      ],
      notValidated: [],
      documents: 1,
    });
  });

  it("Linkerd's HTTPRoute has timeouts in v1beta3 only", () => {
    const rule = ["  rules:", "    - backendRefs: [{name: smiley, port: 80}]", "      timeouts:"];
    const v1beta2 = httpRoute("policy.linkerd.io/v1beta2", ...rule, "        request: 300ms");
    expect(check(v1beta2).problems).toEqual([
      {
        file: "planted.yaml",
        ...positionOf(v1beta2, "timeouts"),
        path: "spec.rules[0].timeouts",
        message: "unknown field spec.rules[0].timeouts (allowed: backendRefs, filters, matches)",
      },
    ]);
    const v1beta3 = httpRoute("policy.linkerd.io/v1beta3", ...rule, "        request: 300ms");
    expect(check(v1beta3).problems).toEqual([]);
    // format: duration, as the API server reads it; and there is no idle timeout.
    const wrong = httpRoute(
      "policy.linkerd.io/v1beta3",
      ...rule,
      "        request: soon",
      "        idle: 5s",
    );
    expect(check(wrong).problems.map((p) => p.message)).toEqual([
      'spec.rules[0].timeouts.request: "soon" is not a valid duration (for example 300ms, 10s or 1h30m)',
      "unknown field spec.rules[0].timeouts.idle (allowed: backendRequest, request)",
    ]);
  });

  it("YAML that does not parse: at yaml's own line and column, other documents still checked", () => {
    const text = lines(
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:",
      "  name: ok",
      "---",
      "apiVersion: gateway.networking.k8s.io/v1",
      "kind: HTTPRoute",
      "metadata:",
      "  name: broken",
      "  labels: {app: faces",
      "spec: {}",
      "---",
      "apiVersion: gateway.networking.k8s.io/v1",
      "kind: HTTPRoute",
      "metadata: {name: second}",
      "spec: {rules: [{backendRefs: [{name: face, port: eighty}]}]}",
    );
    const report = check(text);
    expect(report.problems.map((p) => [p.line, p.column, p.path])).toEqual([
      [11, 1, ""],
      [16, positionOf(text, "eighty").column, "spec.rules[0].backendRefs[0].port"],
    ]);
    expect(report.problems[0]?.message).toMatch(/flow/i);
    expect(report.problems[0]?.message).not.toContain("\n");
    expect(report.documents).toBe(2);
    expect(report.notValidated.map((n) => n.kind)).toEqual(["ConfigMap"]);
  });

  it("a duplicate key is a YAML problem too", () => {
    const text = lines("apiVersion: v1", "kind: Service", "metadata:", "  name: a", "  name: b");
    expect(check(text).problems).toEqual([
      expect.objectContaining({ line: 5, column: 3, path: "", message: "Map keys must be unique" }),
    ]);
  });

  it("kinds with no CRD are listed as not validated, not as problems", () => {
    const text = lines(
      "# comment-only documents and empty ones do not count",
      "---",
      "---",
      "apiVersion: v1",
      "kind: Service",
      "metadata: {name: smiley, namespace: faces}",
      "spec: {ports: [{port: 80}]}",
      "---",
      "apiVersion: gateway.networking.k8s.io/v1",
      "kind: HTTPRoute",
      "metadata: {name: fine, namespace: faces}",
      "spec: {}",
      "---",
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata: {name: smiley}",
    );
    expect(check(text, "mixed.yaml")).toEqual({
      problems: [],
      notValidated: [
        { file: "mixed.yaml", line: 4, apiVersion: "v1", kind: "Service", name: "smiley" },
        { file: "mixed.yaml", line: 14, apiVersion: "apps/v1", kind: "Deployment", name: "smiley" },
      ],
      documents: 3,
    });
  });

  it("objects without apiVersion, kind or metadata.name, and documents that are not objects", () => {
    const text = lines(
      "kind: HTTPRoute",
      "metadata: {name: a}",
      "---",
      "apiVersion: gateway.networking.k8s.io/v1",
      "kind: HTTPRoute",
      "metadata: {namespace: faces}",
      "spec: {}",
      "---",
      "- just a list",
      "---",
      "apiVersion: a/b/c",
      "kind: Thing",
      "metadata: {name: c}",
    );
    expect(check(text).problems.map((p) => [p.line, p.column, p.path, p.message])).toEqual([
      [1, 1, "apiVersion", "missing required field apiVersion"],
      [6, 11, "metadata.name", "missing required field metadata.name"],
      [
        9,
        1,
        "",
        "document: expected a Kubernetes object (a mapping with apiVersion and kind), got a list",
      ],
      [
        11,
        13,
        "apiVersion",
        'apiVersion: "a/b/c" is not of the form group/version (or just version for the core group)',
      ],
    ]);
  });

  it("repeated header names in a match (a list-type map) are reported at the repeat", () => {
    const text = grpcRoute(
      V1ALPHA2,
      "  rules:",
      "    - matches:",
      "        - headers:",
      "            - {name: x-faces-user, value: heart}",
      "            - {name: x-faces-user, value: spade}",
      "      backendRefs: [{name: color3, port: 80}]",
    );
    expect(check(text).problems).toEqual([
      {
        file: "planted.yaml",
        ...positionOf(text, "{name: x-faces-user", 1),
        path: "spec.rules[0].matches[0].headers[1]",
        message:
          'spec.rules[0].matches[0].headers[1]: repeats spec.rules[0].matches[0].headers[0] (name "x-faces-user"); entries must differ',
      },
    ]);
  });

  it("objects inside a List are checked with their path in the List", () => {
    const text = lines(
      "apiVersion: v1",
      "kind: List",
      "items:",
      "  - apiVersion: gateway.networking.k8s.io/v1",
      "    kind: HTTPRoute",
      "    metadata: {name: a}",
      '    spec: {rules: [{backendRefs: [{name: face, port: "80"}]}]}',
      "  - apiVersion: v1",
      "    kind: Service",
      "    metadata: {name: face}",
    );
    const report = check(text);
    expect(report.problems).toEqual([
      {
        file: "planted.yaml",
        ...positionOf(text, '"80"'),
        path: "items[0].spec.rules[0].backendRefs[0].port",
        message: 'items[0].spec.rules[0].backendRefs[0].port: must be integer (got string "80")',
      },
    ]);
    expect(report.notValidated).toEqual([
      { file: "planted.yaml", line: 8, apiVersion: "v1", kind: "Service", name: "face" },
    ]);
  });

  it("a Gateway address that fits none of the schema's oneOf forms", () => {
    const text = lines(
      "apiVersion: gateway.networking.k8s.io/v1",
      "kind: Gateway",
      "metadata: {name: ingress, namespace: default}",
      "spec:",
      "  gatewayClassName: istio",
      "  listeners: [{name: http, protocol: HTTP, port: 80}]",
      "  addresses:",
      "    - value: 10.0.0.1",
      "    - type: IPAddress",
      "      value: not-an-ip",
    );
    expect(check(text).problems).toEqual([
      {
        file: "planted.yaml",
        ...positionOf(text, "type: IPAddress"),
        path: "spec.addresses[1]",
        message: "spec.addresses[1]: does not match any of the forms the schema allows",
      },
    ]);
  });
});

// ---------------------------------------------------------------------------
// General CRD features, on a made-up CRD

const WIDGET_CRD = lines(
  "apiVersion: apiextensions.k8s.io/v1",
  "kind: CustomResourceDefinition",
  "metadata: {name: widgets.example.com}",
  "spec:",
  "  group: example.com",
  "  scope: Namespaced",
  "  names: {kind: Widget, plural: widgets, listKind: WidgetList}",
  "  versions:",
  "    - name: v1alpha1",
  "      served: false",
  "      storage: false",
  "      schema:",
  "        openAPIV3Schema: {type: object}",
  "    - name: v1",
  "      served: true",
  "      storage: true",
  "      schema:",
  "        openAPIV3Schema:",
  "          type: object",
  "          properties:",
  "            spec:",
  "              type: object",
  "              required: [size]",
  "              properties:",
  "                size: {x-kubernetes-int-or-string: true}",
  "                port: {type: integer, format: int32, minimum: 1, default: 8080}",
  "                mode: {type: string, enum: [fast, slow], default: fast}",
  "                tags:",
  "                  type: array",
  "                  items: {type: string}",
  "                  x-kubernetes-list-type: set",
  "                wait: {type: string, format: duration}",
  "                since: {type: string, format: date-time}",
  "                note: {type: string, nullable: true}",
  "                code: {type: string, pattern: '(?i)^[a-z]+$'}",
  "                extra: {type: object, x-kubernetes-preserve-unknown-fields: true}",
  "                labels: {type: object, additionalProperties: {type: string}}",
  "                secret: {type: string, format: password}",
  "                template:",
  "                  type: object",
  "                  x-kubernetes-embedded-resource: true",
  "                  properties: {spec: {type: object, x-kubernetes-preserve-unknown-fields: true}}",
);

describe("Kubernetes schema extensions, on a made-up CRD", () => {
  let widgets: SchemaSet;
  beforeAll(() => {
    widgets = new SchemaSet(crdsFromYaml(WIDGET_CRD, "widget-crd.yaml"));
  });

  const widget = (...spec: string[]) =>
    lines("apiVersion: example.com/v1", "kind: Widget", "metadata: {name: w}", "spec:", ...spec);
  const messages = (text: string) =>
    validateManifests(text, "w.yaml", widgets).problems.map((p) => p.message);

  it("accepts what the API server accepts", () => {
    const text = widget(
      "  size: 50%",
      "  port:", // null: dropped, then defaulted
      "  tags: [a, b]",
      "  wait: 5 minutes",
      "  since: 2024-10-31T12:00:00Z",
      "  note: null",
      "  code: ABC",
      "  extra: {anything: [1, 2, {goes: true}]}",
      "  labels: {a: b}",
      "  secret: hunter2",
      "  template:",
      "    apiVersion: v1",
      "    kind: Pod",
      "    metadata: {name: p}",
      "    spec: {containers: []}",
    );
    expect(messages(text)).toEqual([]);
    expect(messages(widget("  size: 3"))).toEqual([]);
  });

  it("rejects what it rejects", () => {
    const text = widget(
      "  size: true",
      "  port: 0",
      "  mode: medium",
      "  tags: [a, b, a]",
      "  wait: soon",
      "  since: yesterday",
      "  code: abc1",
      "  labels: {a: 1}",
      "  template: {spec: {}, status: {}}",
    );
    expect(messages(text)).toEqual([
      "spec.size: must be integer or string (got boolean true)",
      "spec.port: must be >= 1 (got 0)",
      'spec.mode: must be one of fast, slow (got "medium")',
      'spec.tags[2]: repeats spec.tags[0] (the value "a"); entries must differ',
      'spec.wait: "soon" is not a valid duration (for example 300ms, 10s or 1h30m)',
      'spec.since: "yesterday" is not a valid date-time',
      'spec.code: "abc1" does not match the pattern (?i)^[a-z]+$',
      "spec.labels.a: must be string (got number 1)",
      "unknown field spec.template.status (allowed: spec)",
    ]);
  });

  it("requires what the schema requires, after dropping nulls", () => {
    expect(messages(widget("  size:"))).toEqual(["missing required field spec.size"]);
  });

  it("names served versions for one that is defined but not served", () => {
    const text = lines("apiVersion: example.com/v1alpha1", "kind: Widget", "metadata: {name: w}");
    expect(messages(text)).toEqual([
      "apiVersion: Widget example.com/v1alpha1 is defined but not served (served: example.com/v1)",
    ]);
  });

  it("compiles each schema once: validating again is cheap", () => {
    // Compiling HTTPRoute v1 takes a few hundred milliseconds; fifty compiles would take seconds.
    const text = httpRoute(V1, "  rules: [{backendRefs: [{name: smiley, port: 80}]}]");
    const started = performance.now();
    for (let i = 0; i < 50; i++) expect(check(text).problems).toEqual([]);
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
