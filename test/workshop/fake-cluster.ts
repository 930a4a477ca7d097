// A fake Kubernetes cluster with a memory, for the workshop's rehearsals. The fake kubectl, helm,
// linkerd and istioctl (fake-cli.sh) send each call here over TCP and print what comes back, so
// the rehearsal's cluster behaves like one: `apply` stores objects (after checking them against
// the CRDs applied so far, as the API server would), `delete` removes them, `get` lists them, and
// a route whose parent or backend does not exist, or a Gateway whose class does not, is refused
// with a message naming it. After every call that changes something, the cluster keeps a snapshot
// for the Gateway API model (gateway-model.ts) to route Faces' requests through.

import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import {
  crdsFromYaml,
  SchemaSet,
  splitApiVersion,
  validateManifests,
} from "../../src/kube/schema.js";
import type { ClusterView, StoredObject } from "./gateway-model.js";

/** The address the fake cluster gives the ingress Gateway. */
export const INGRESS_IP = "172.18.0.2";

const LINKERD_CRDS = fileURLToPath(
  new URL("../fixtures/crds/linkerd-edge-24.10.4-policy-httproute-crd.yaml", import.meta.url),
);

export interface FakeClusterOptions {
  /** The Kubernetes version the cluster reports, as "MAJOR.MINOR" (default 1.31). */
  readonly kubernetes?: string;
  /** No API server answers. */
  readonly down?: boolean;
}

/** One call of a fake CLI that went through the cluster. */
export interface ClusterCall {
  readonly argv: readonly string[];
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The cluster as it was after a call that changed it. */
export interface Snapshot {
  /** Index into `calls`. */
  readonly call: number;
  readonly argv: readonly string[];
  readonly view: ClusterView;
}

interface KindInfo {
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
  /** Served versions, with the deprecation warning of deprecated ones. */
  readonly versions: ReadonlyMap<string, { readonly warning?: string }>;
}

interface Request {
  readonly argv: string[];
  readonly cwd: string;
  readonly stdin?: string;
}

class Reply {
  out = "";
  err = "";
  status = 0;
  line(text = ""): void {
    this.out += `${text}\n`;
  }
  error(text: string, status = 1): void {
    this.err += `${text}\n`;
    this.status = status;
  }
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.map(obj) : []);
const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

const crdCache = new Map<string, ReturnType<typeof crdsFromYaml>>();
function crdVersions(text: string, file: string): ReturnType<typeof crdsFromYaml> {
  let found = crdCache.get(text);
  if (!found) {
    found = crdsFromYaml(text, file);
    crdCache.set(text, found);
  }
  return found;
}

const docsCache = new Map<string, Json[]>();
function documents(text: string): Json[] {
  let found = docsCache.get(text);
  if (!found) {
    found = parseAllDocuments(text)
      .map((doc) => obj(doc.toJS()))
      .filter((doc) => Object.keys(doc).length > 0);
    docsCache.set(text, found);
  }
  return found;
}

function builtin(
  group: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  shortNames: string[] = [],
): KindInfo {
  return {
    group,
    kind,
    plural,
    singular: kind.toLowerCase(),
    shortNames,
    namespaced,
    versions: new Map([[group === "" ? "v1" : "v1", {}]]),
  };
}

/** kubectl's AGE column. */
function age(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return `${minutes}m${seconds % 60}s`;
  return `${minutes}m`;
}

/** Rows as kubectl prints a table: columns padded to the widest cell plus three spaces. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3)))
      .join("")
      .trimEnd(),
  );
}

export class FakeCluster {
  readonly calls: ClusterCall[] = [];
  readonly snapshots: Snapshot[] = [];
  #server: net.Server;
  #clock = 1_000;
  #kinds = new Map<string, KindInfo>();
  #objects = new Map<string, StoredObject>();
  #replicas = new Map<string, number>();
  /** Counts the changes to the objects and replicas, so that their JSON is made once per change. */
  #changes = 0;
  #state = { at: -1, json: "" };
  #controllers = new Set<string>();
  readonly #options: FakeClusterOptions;

  private constructor(server: net.Server, options: FakeClusterOptions) {
    this.#server = server;
    this.#options = options;
    for (const info of [
      builtin("", "Namespace", "namespaces", false, ["ns"]),
      builtin("", "Service", "services", true, ["svc"]),
      builtin("", "ConfigMap", "configmaps", true, ["cm"]),
      builtin("", "ServiceAccount", "serviceaccounts", true, ["sa"]),
      builtin("apps", "Deployment", "deployments", true, ["deploy"]),
      builtin(
        "apiextensions.k8s.io",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        ["crd"],
      ),
    ]) {
      this.#kinds.set(`${info.group}/${info.kind}`, info);
    }
    for (const ns of ["default", "kube-system", "kube-public"])
      this.#put("", "v1", "Namespace", ns, "", {});
  }

  /** Starts a fake cluster listening on 127.0.0.1. */
  static async start(options: FakeClusterOptions = {}): Promise<FakeCluster> {
    const server = net.createServer();
    const cluster = new FakeCluster(server, options);
    server.on("connection", (socket) => cluster.#serve(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return cluster;
  }

  /** "host:port", for WORKSHOP_FAKE_CLUSTER. */
  get address(): string {
    const address = this.#server.address() as net.AddressInfo;
    return `${address.address}:${address.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  /**
   * The cluster as the model sees it, now. Stored objects are frozen and only ever replaced,
   * never changed, so a view (and every snapshot) can hold them as they are.
   */
  view(): ClusterView {
    return { objects: [...this.#objects.values()], replicas: new Map(this.#replicas) };
  }

  #serve(socket: net.Socket) {
    let buffer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      const end = buffer.indexOf("\n", buffer.length - chunk.length);
      if (end < 0) return;
      const request = JSON.parse(buffer.slice(0, end)) as Request;
      buffer = "";
      const reply = this.#handle(request);
      socket.end(encode(reply));
    });
    socket.on("error", () => {});
  }

  #handle(request: Request): Reply {
    const reply = new Reply();
    this.#clock += 10;
    const before = this.#json();
    const [name, ...args] = request.argv;
    try {
      if (name === "kubectl") this.#kubectl(args, request, reply);
      else if (name === "helm") this.#helm(args, request, reply);
      else if (name === "linkerd") this.#linkerd(args, reply);
      else if (name === "istioctl") this.#istioctl(args, reply);
      else reply.error(`fake cluster: no fake for ${String(name)}`);
    } catch (error) {
      reply.error(`fake cluster: ${(error as Error).message}`);
    }
    this.calls.push({
      argv: request.argv,
      status: reply.status,
      stdout: reply.out,
      stderr: reply.err,
    });
    const after = this.#json();
    if (after !== before) {
      this.snapshots.push({ call: this.calls.length - 1, argv: request.argv, view: this.view() });
    }
    return reply;
  }

  /**
   * The objects and replicas as JSON (two big CRD sets make it megabytes): each object's JSON is
   * made once, when it is stored, not again at every change to another object.
   */
  #json(): string {
    if (this.#state.at !== this.#changes) {
      const objects = [...this.#objects.values()].map((o) => {
        let json = this.#objectJson.get(o);
        if (json === undefined) {
          json = JSON.stringify(o);
          this.#objectJson.set(o, json);
        }
        return json;
      });
      const json = `[${objects.join(",")}]${JSON.stringify([...this.#replicas])}`;
      this.#state = { at: this.#changes, json };
    }
    return this.#state.json;
  }

  #objectJson = new WeakMap<StoredObject, string>();

  // -------------------------------------------------------------------------
  // The store

  #key(group: string, kind: string, namespace: string, name: string): string {
    return `${group}/${kind}/${namespace}/${name}`;
  }

  #get(group: string, kind: string, namespace: string, name: string): StoredObject | undefined {
    return this.#objects.get(this.#key(group, kind, namespace, name));
  }

  #put(
    group: string,
    version: string,
    kind: string,
    name: string,
    namespace: string,
    body: Json,
  ): "created" | "configured" | "unchanged" {
    const key = this.#key(group, kind, namespace, name);
    const old = this.#objects.get(key);
    const comparable = (b: Json) =>
      JSON.stringify({ ...b, metadata: undefined, status: undefined });
    if (old && old.version === version && comparable(old.body) === comparable(body))
      return "unchanged";
    this.#changes++;
    this.#objects.set(
      key,
      deepFreeze({
        group,
        version,
        kind,
        name,
        namespace,
        created: old?.created ?? this.#clock,
        body,
      }),
    );
    if (group === "apps" && kind === "Deployment" && !old)
      this.#replicas.set(`${namespace}/${name}`, 1);
    return old ? "configured" : "created";
  }

  #namespaceExists(name: string): boolean {
    return this.#get("", "Namespace", "", name) !== undefined;
  }

  #label(info: KindInfo): string {
    return info.group === "" ? info.singular : `${info.singular}.${info.group}`;
  }

  /** A resource name as typed on the command line (`httproute`, `deploy`, `grpcroutes`...). */
  #resolve(word: string): KindInfo | undefined {
    const [type, group] = word.includes(".")
      ? [word.slice(0, word.indexOf(".")), word.slice(word.indexOf(".") + 1)]
      : [word, undefined];
    // Like discovery, the first group in alphabetical order wins a name two groups share.
    return [...this.#kinds.values()]
      .filter((k) => group === undefined || k.group === group)
      .sort((a, b) => a.group.localeCompare(b.group))
      .find((k) =>
        [k.plural, k.singular, k.kind.toLowerCase(), ...k.shortNames].includes(type.toLowerCase()),
      );
  }

  // -------------------------------------------------------------------------
  // kubectl

  #kubectl(args: string[], request: Request, reply: Reply) {
    if (this.#options.down) {
      reply.error(
        "The connection to the server 0.0.0.0:6443 was refused - did you specify the right host or port?",
      );
      return;
    }
    const flags = new Map<string, string>();
    const words: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] as string;
      if (arg === "-A" || arg === "--all-namespaces") flags.set("-A", "");
      else if (/^--[a-z-]+=/.test(arg))
        flags.set(arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1));
      else if (
        ["-n", "--namespace", "-f", "-o", "-l", "-c", "--raw", "--timeout", "--for"].includes(arg)
      ) {
        flags.set(arg === "--namespace" ? "-n" : arg, args[++i] ?? "");
      } else if (arg.startsWith("-")) throw new Error(`fake kubectl does not know the flag ${arg}`);
      else words.push(arg);
    }
    const namespace = flags.get("-n") ?? "default";
    const verb = words[0];
    switch (verb) {
      case "get":
        if (flags.has("--raw")) return this.#version(flags.get("--raw") ?? "", reply);
        return this.#kubectlGet(words.slice(1), flags, namespace, reply);
      case "cluster-info":
        reply.line("Kubernetes control plane is running at https://0.0.0.0:6443");
        reply.line(
          "CoreDNS is running at https://0.0.0.0:6443/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy",
        );
        reply.line();
        reply.line(
          "To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.",
        );
        return;
      case "apply": {
        const file = flags.get("-f");
        if (file === undefined) throw new Error("fake kubectl apply needs -f");
        if (file === "-") return this.#apply(request.stdin ?? "", "STDIN", flags.get("-n"), reply);
        const at = path.resolve(request.cwd, file);
        if (!fs.existsSync(at)) return reply.error(`error: the path "${file}" does not exist`);
        return this.#apply(fs.readFileSync(at, "utf8"), file, flags.get("-n"), reply);
      }
      case "create":
        if (words[1] === "namespace" && words[2]) {
          if (this.#namespaceExists(words[2])) {
            return reply.error(
              `Error from server (AlreadyExists): namespaces "${words[2]}" already exists`,
            );
          }
          this.#put("", "v1", "Namespace", words[2], "", { metadata: { name: words[2] } });
          return reply.line(`namespace/${words[2]} created`);
        }
        throw new Error(`fake kubectl cannot create ${words.slice(1).join(" ")}`);
      case "annotate":
      case "label": {
        const ns = words[2];
        if (words[1] !== "namespace" || ns === undefined)
          throw new Error(`fake kubectl cannot ${verb} ${words[1]}`);
        const found = this.#get("", "Namespace", "", ns);
        if (!found)
          return reply.error(`Error from server (NotFound): namespaces "${ns}" not found`);
        const field = verb === "annotate" ? "annotations" : "labels";
        const metadata = obj(found.body.metadata);
        const values = { ...obj(metadata[field]) };
        for (const pair of words.slice(3)) {
          const [k, v] = pair.split("=");
          values[k as string] = v;
        }
        this.#put("", "v1", "Namespace", ns, "", {
          ...found.body,
          metadata: { ...metadata, [field]: values },
        });
        return reply.line(`namespace/${ns} ${verb === "annotate" ? "annotated" : "labeled"}`);
      }
      case "rollout":
        return this.#rolloutStatus(words, namespace, reply);
      case "wait":
        return this.#wait(words[1] ?? "", flags.get("--for") ?? "", namespace, reply);
      case "delete": {
        const info = this.#resolve(words[1] ?? "");
        const name = words[2] ?? "";
        if (!info)
          return reply.error(`error: the server doesn't have a resource type "${words[1]}"`);
        const ns = info.namespaced ? namespace : "";
        this.#changes++;
        if (!this.#objects.delete(this.#key(info.group, info.kind, ns, name))) {
          return reply.error(
            `Error from server (NotFound): ${info.plural}${info.group ? `.${info.group}` : ""} "${name}" not found`,
          );
        }
        return reply.line(`${this.#label(info)} "${name}" deleted`);
      }
      case "scale": {
        const [, deployment] = /^(?:deploy|deployment)\/(.+)$/.exec(words[1] ?? "") ?? [];
        const replicas = Number(flags.get("--replicas"));
        if (!deployment || !Number.isInteger(replicas))
          throw new Error(`fake kubectl cannot scale ${words[1]}`);
        if (!this.#get("apps", "Deployment", namespace, deployment)) {
          return reply.error(
            `Error from server (NotFound): deployments.apps "${deployment}" not found`,
          );
        }
        this.#changes++;
        this.#replicas.set(`${namespace}/${deployment}`, replicas);
        return reply.line(`deployment.apps/${deployment} scaled`);
      }
      case "logs": {
        const [, deployment] = /^(?:deploy|deployment)\/(.+)$/.exec(words[1] ?? "") ?? [];
        if (!deployment || !this.#get("apps", "Deployment", namespace, deployment)) {
          return reply.error(
            `error: error from server (NotFound): deployments.apps "${deployment}" not found in namespace "${namespace}"`,
          );
        }
        reply.line(`time=2024-11-05T10:00:00Z level=INFO msg="Face: smileyService http://smiley"`);
        reply.line(`time=2024-11-05T10:00:00Z level=INFO msg="Face: colorService grpc://color:80"`);
        reply.line(`time=2024-11-05T10:00:01Z level=INFO msg="listening on :8000"`);
        return;
      }
      default:
        throw new Error(`fake kubectl does not know: ${args.join(" ")}`);
    }
  }

  #version(raw: string, reply: Reply) {
    if (raw !== "/version") throw new Error(`fake kubectl has nothing at ${raw}`);
    const [major = "1", minor = "31"] = (this.#options.kubernetes ?? "1.31").split(".");
    reply.line("{");
    reply.line(`  "major": "${major}",`);
    reply.line(`  "minor": "${minor}",`);
    reply.line(`  "gitVersion": "v${major}.${minor}.2+k3s1",`);
    reply.line(`  "platform": "linux/amd64"`);
    reply.line("}");
  }

  #kubectlGet(words: string[], flags: Map<string, string>, namespace: string, reply: Reply) {
    const output = flags.get("-o");
    if (output?.startsWith("jsonpath="))
      return this.#jsonpath(words, flags, namespace, output.slice(9), reply);
    if (output !== undefined || words.length !== 1)
      throw new Error(`fake kubectl cannot get ${words.join(" ")} -o ${output}`);
    const types = (words[0] ?? "").split(",");
    const all = flags.has("-A");
    const sections: string[][] = [];
    for (const type of types) {
      const info = this.#resolve(type);
      if (!info) return reply.error(`error: the server doesn't have a resource type "${type}"`);
      const found = [...this.#objects.values()]
        .filter(
          (o) =>
            o.group === info.group && o.kind === info.kind && (all || o.namespace === namespace),
        )
        .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
      if (found.length === 0) continue;
      const prefix = types.length > 1 ? `${this.#label(info)}/` : "";
      const rows = found.map((o) => [
        ...(all ? [o.namespace] : []),
        `${prefix}${o.name}`,
        (list(obj(o.body.spec).hostnames) as unknown[]).join(","),
        age(this.#clock - o.created),
      ]);
      sections.push(table([[...(all ? ["NAMESPACE"] : []), "NAME", "HOSTNAMES", "AGE"], ...rows]));
    }
    if (sections.length === 0) {
      reply.err += all ? "No resources found\n" : `No resources found in ${namespace} namespace.\n`;
      return;
    }
    sections.forEach((lines, i) => {
      if (i > 0) reply.line();
      for (const line of lines) reply.line(line);
    });
  }

  /** The two jsonpath questions the workshop's get-ingress-ip.sh scripts ask. */
  #jsonpath(
    words: string[],
    flags: Map<string, string>,
    namespace: string,
    expression: string,
    reply: Reply,
  ) {
    if (words[0] === "service" && expression === "{.items[0].status.loadBalancer.ingress[0].ip}") {
      const selector = flags.get("-l") ?? "";
      const found = [...this.#objects.values()].filter(
        (o) =>
          o.kind === "Service" &&
          o.namespace === namespace &&
          selector.split(",").every((pair) => {
            const [k, v] = pair.split("=");
            return obj(obj(o.body.metadata).labels)[k as string] === v;
          }),
      );
      if (found.length === 0)
        return reply.error(
          "error: error executing jsonpath: array index out of bounds: index 0, length 0",
        );
      reply.out +=
        str(list(obj(obj(found[0]?.body.status).loadBalancer).ingress)[0]?.ip) ?? INGRESS_IP;
      return;
    }
    if (words[0] === "gateway" && words[1] && expression === "{.status.addresses[0].value}") {
      const gateway = this.#get("gateway.networking.k8s.io", "Gateway", namespace, words[1]);
      if (!gateway)
        return reply.error(
          `Error from server (NotFound): gateways.gateway.networking.k8s.io "${words[1]}" not found`,
        );
      if (this.#programmed(gateway)) reply.out += INGRESS_IP;
      return;
    }
    throw new Error(`fake kubectl cannot answer ${words.join(" ")} -o jsonpath=${expression}`);
  }

  #programmed(gateway: StoredObject): boolean {
    const className = str(obj(gateway.body.spec).gatewayClassName) ?? "";
    const gatewayClass = this.#get("gateway.networking.k8s.io", "GatewayClass", "", className);
    return (
      gatewayClass !== undefined &&
      this.#controllers.has(str(obj(gatewayClass.body.spec).controllerName) ?? "")
    );
  }

  #rolloutStatus(words: string[], namespace: string, reply: Reply) {
    if (words[1] !== "status") throw new Error(`fake kubectl cannot rollout ${words[1]}`);
    const target = words[2] ?? "";
    const named = /^(?:deploy|deployment)\/(.+)$/.exec(target)?.[1];
    if (!named && target !== "deploy" && target !== "deployment")
      throw new Error(`fake kubectl cannot watch ${target}`);
    const deployments = [...this.#objects.values()].filter(
      (o) => o.kind === "Deployment" && o.namespace === namespace && (!named || o.name === named),
    );
    if (named && deployments.length === 0) {
      return reply.error(`Error from server (NotFound): deployments.apps "${named}" not found`);
    }
    if (deployments.length === 0)
      return reply.error(`error: no deployments found in ${namespace} namespace`);
    for (const d of deployments) reply.line(`deployment "${d.name}" successfully rolled out`);
  }

  #wait(target: string, condition: string, namespace: string, reply: Reply) {
    const [, name] = /^gateway\/(.+)$/.exec(target) ?? [];
    if (!name || condition !== "condition=Programmed")
      throw new Error(`fake kubectl cannot wait for ${condition} on ${target}`);
    const gateway = this.#get("gateway.networking.k8s.io", "Gateway", namespace, name);
    if (!gateway)
      return reply.error(
        `Error from server (NotFound): gateways.gateway.networking.k8s.io "${name}" not found`,
      );
    if (!this.#programmed(gateway)) {
      return reply.error(
        `error: timed out waiting for the condition on gateways/${name} (no controller runs its GatewayClass)`,
      );
    }
    reply.line(`gateway.gateway.networking.k8s.io/${name} condition met`);
  }

  #apply(text: string, file: string, namespaceFlag: string | undefined, reply: Reply) {
    const docs = documents(text);
    // CRDs in the file are known before its other documents are checked, as kubectl applies in order.
    const crds = docs.some((d) => d.kind === "CustomResourceDefinition")
      ? crdVersions(text, file)
      : [];
    const onlyCrds = docs.every((d) => d.kind === "CustomResourceDefinition");
    const report = onlyCrds
      ? { problems: [] }
      : validateManifests(
          text,
          file,
          crds.length > 0 ? new SchemaSet(this.#schemaVersions).add(crds) : this.#schemas,
        );
    if (report.problems.length > 0) {
      for (const p of report.problems)
        reply.error(`error: ${file}:${p.line}: ${p.path}: ${p.message}`);
      return;
    }
    for (const doc of docs) {
      const apiVersion = str(doc.apiVersion) ?? "";
      const kind = str(doc.kind) ?? "";
      const metadata = obj(doc.metadata);
      const name = str(metadata.name) ?? "";
      const gv = splitApiVersion(apiVersion);
      if (kind === "CustomResourceDefinition") this.#register(doc, crds);
      const info = this.#kinds.get(`${gv?.group}/${kind}`);
      const version = info?.versions.get(gv?.version ?? "");
      if (!gv || !info || !version) {
        reply.error(
          `error: resource mapping not found for name: "${name}" namespace: "${str(metadata.namespace) ?? ""}" from "${file}": no matches for kind "${kind}" in version "${apiVersion}"\nensure CRDs are installed first`,
        );
        continue;
      }
      const namespace = info.namespaced
        ? (str(metadata.namespace) ?? namespaceFlag ?? "default")
        : "";
      if (info.namespaced && !this.#namespaceExists(namespace)) {
        reply.error(
          `Error from server (NotFound): error when creating "${file}": namespaces "${namespace}" not found`,
        );
        continue;
      }
      const refused = this.#refusal(info, namespace, doc);
      if (refused) {
        reply.error(
          `error: ${kind} ${namespace ? `${namespace}/` : ""}${name} in "${file}": ${refused}`,
        );
        continue;
      }
      if (version.warning) reply.err += `Warning: ${version.warning}\n`;
      const result = this.#put(info.group, gv.version, kind, name, namespace, doc);
      reply.line(`${this.#label(info)}/${name} ${result}`);
      this.#programGateway(info, namespace, name);
    }
  }

  #schemaVersions: ReturnType<typeof crdsFromYaml> = [];
  #schemas = new SchemaSet();

  #register(doc: Json, crds: ReturnType<typeof crdsFromYaml>) {
    const spec = obj(doc.spec);
    const names = obj(spec.names);
    const group = str(spec.group) ?? "";
    const kind = str(names.kind) ?? "";
    const versions = new Map<string, { warning?: string }>();
    for (const v of list(spec.versions)) {
      if (v.served !== true) continue;
      const warning =
        v.deprecated === true
          ? (str(v.deprecationWarning) ?? `${group}/${str(v.name)} ${kind} is deprecated`)
          : undefined;
      versions.set(str(v.name) ?? "", warning ? { warning } : {});
    }
    this.#kinds.set(`${group}/${kind}`, {
      group,
      kind,
      plural: str(names.plural) ?? `${kind.toLowerCase()}s`,
      singular: str(names.singular) ?? kind.toLowerCase(),
      shortNames: (Array.isArray(names.shortNames) ? names.shortNames : []).map(String),
      namespaced: str(spec.scope) !== "Cluster",
      versions,
    });
    this.#schemaVersions = [
      ...this.#schemaVersions.filter((c) => !(c.group === group && c.kind === kind)),
      ...crds.filter((c) => c.group === group && c.kind === kind),
    ];
    this.#schemas = new SchemaSet(this.#schemaVersions);
  }

  /** Why the cluster (or a controller, through the route's status) would not take this object. */
  #refusal(info: KindInfo, namespace: string, doc: Json): string | undefined {
    const spec = obj(doc.spec);
    if (info.group === "gateway.networking.k8s.io" && info.kind === "Gateway") {
      const className = str(spec.gatewayClassName) ?? "";
      if (!this.#get(info.group, "GatewayClass", "", className))
        return `GatewayClass "${className}" does not exist`;
      return undefined;
    }
    if (!info.kind.endsWith("Route")) return undefined;
    for (const ref of list(spec.parentRefs)) {
      const kind = str(ref.kind) ?? "Gateway";
      const ns = str(ref.namespace) ?? namespace;
      const name = str(ref.name) ?? "";
      const exists =
        kind === "Service"
          ? this.#get("", "Service", ns, name) !== undefined
          : this.#get("gateway.networking.k8s.io", "Gateway", ns, name) !== undefined;
      if (!exists) return `its parent ${kind} ${ns}/${name} does not exist`;
    }
    for (const rule of list(spec.rules)) {
      for (const ref of list(rule.backendRefs)) {
        const ns = str(ref.namespace) ?? namespace;
        const name = str(ref.name) ?? "";
        if (!this.#get("", "Service", ns, name))
          return `its backend Service ${ns}/${name} does not exist`;
      }
    }
    return undefined;
  }

  /** A controller that runs a Gateway's class gives it a Service with an address. */
  #programGateway(info: KindInfo, namespace: string, name: string) {
    if (info.kind !== "Gateway") return;
    const gateway = this.#get(info.group, "Gateway", namespace, name);
    if (!gateway || !this.#programmed(gateway)) return;
    const className = str(obj(gateway.body.spec).gatewayClassName);
    if (className === "envoy-gateway-class") {
      const svc = `envoy-${namespace}-${name}`;
      this.#put("apps", "v1", "Deployment", svc, "envoy-gateway-system", {});
      this.#put("", "v1", "Service", svc, "envoy-gateway-system", {
        metadata: { labels: { "gateway.envoyproxy.io/owning-gateway-name": name } },
        status: { loadBalancer: { ingress: [{ ip: INGRESS_IP }] } },
      });
    }
  }

  // -------------------------------------------------------------------------
  // helm, linkerd, istioctl

  #helm(args: string[], request: Request, reply: Reply) {
    const [verb, release, ...rest] = args;
    const at = (flag: string) => {
      const i = rest.indexOf(flag);
      return i < 0 ? undefined : rest[i + 1];
    };
    const namespace = at("-n") ?? "default";
    const chart = rest.find((a) => a.startsWith("oci://"));
    if (verb !== "install" || !release || !chart)
      throw new Error(`fake helm does not know: ${args.join(" ")}`);
    if (this.#options.down)
      return reply.error("Error: INSTALLATION FAILED: Kubernetes cluster unreachable");
    if (!this.#namespaceExists(namespace)) {
      return reply.error(
        `Error: INSTALLATION FAILED: create: failed to create: namespaces "${namespace}" not found`,
      );
    }
    if (chart === "oci://docker.io/envoyproxy/gateway-helm" && at("--version") === "v1.1.2") {
      const annotations = obj(
        obj(this.#get("", "Namespace", "", namespace)?.body.metadata).annotations,
      );
      const meshed = annotations["linkerd.io/inject"] === "enabled";
      const native = annotations["config.alpha.linkerd.io/proxy-enable-native-sidecar"] === "true";
      const [, minor = "31"] = (this.#options.kubernetes ?? "1.31").split(".");
      if (meshed && (!native || Number(minor) < 29)) {
        // The chart's certgen Job never completes: its ordinary sidecar proxy never exits.
        return reply.error(
          "Error: INSTALLATION FAILED: failed post-install: 1 error occurred:\n\t* timed out waiting for the condition",
        );
      }
      this.#put("apps", "v1", "Deployment", "envoy-gateway", namespace, {});
      this.#controllers.add("gateway.envoyproxy.io/gatewayclass-controller");
    } else if (
      chart === "oci://ghcr.io/buoyantio/faces-chart" &&
      at("--version") === "2.0.0-rc.1"
    ) {
      const valuesFile = at("--values") ?? at("-f");
      const values = valuesFile
        ? obj(documents(fs.readFileSync(path.resolve(request.cwd, valuesFile), "utf8"))[0])
        : {};
      const workloads = ["faces-gui", "face", "smiley", "color"];
      for (const extra of ["smiley2", "smiley3", "color2", "color3"]) {
        if (obj(values[extra]).enabled === true) workloads.push(extra);
      }
      for (const w of workloads) {
        this.#put("", "v1", "Service", w, namespace, { spec: { ports: [{ port: 80 }] } });
        this.#put("apps", "v1", "Deployment", w, namespace, {});
      }
    } else {
      throw new Error(`fake helm does not know the chart ${chart} ${at("--version")}`);
    }
    reply.line(`NAME: ${release}`);
    reply.line("LAST DEPLOYED: Tue Nov  5 10:00:00 2024");
    reply.line(`NAMESPACE: ${namespace}`);
    reply.line("STATUS: deployed");
    reply.line("REVISION: 1");
  }

  #linkerd(args: string[], reply: Reply) {
    const command = args.join(" ");
    const flags =
      "--set enableHttpRoutes=false --set enableTcpRoutes=false --set enableTlsRoutes=false";
    if (command === "version --client") return reply.line("Client version: edge-24.10.4");
    if (command === "check --pre") return reply.line("Status check results are √");
    if (command === "check") {
      if (!this.#get("apps", "Deployment", "linkerd", "linkerd-destination")) {
        return reply.error(
          '× control plane namespace exists\n    The "linkerd" namespace does not exist',
        );
      }
      return reply.line("Status check results are √");
    }
    if (command === `install --crds ${flags}`) {
      reply.out += fs.readFileSync(LINKERD_CRDS, "utf8");
      return;
    }
    if (command === `install ${flags}`) {
      reply.line("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: linkerd");
      reply.line(
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: linkerd-destination\n  namespace: linkerd",
      );
      return;
    }
    if (args[0] === "install") {
      return reply.error(
        `fake linkerd: install without ${flags} would install a second copy of the Gateway API CRDs`,
      );
    }
    throw new Error(`fake linkerd does not know: ${command}`);
  }

  #istioctl(args: string[], reply: Reply) {
    const command = args.join(" ");
    if (command === "version --remote=false") return reply.line("client version: 1.23.3");
    if (command === "x precheck")
      return reply.line(
        "No issues found when checking the cluster. Istio is safe to install or upgrade!",
      );
    if (command === "install --set profile=minimal -y") {
      if (this.#options.down)
        return reply.error("Error: failed to install manifests: Kubernetes cluster unreachable");
      this.#put("", "v1", "Namespace", "istio-system", "", {});
      this.#put("apps", "v1", "Deployment", "istiod", "istio-system", {});
      const gatewayClass = this.#kinds.get("gateway.networking.k8s.io/GatewayClass");
      if (gatewayClass) {
        this.#put("gateway.networking.k8s.io", "v1", "GatewayClass", "istio", "", {
          spec: { controllerName: "istio.io/gateway-controller" },
        });
      }
      this.#controllers.add("istio.io/gateway-controller");
      reply.line("Istio core installed");
      reply.line("Istiod installed");
      reply.line("Installation complete");
      return;
    }
    throw new Error(`fake istioctl does not know: ${command}`);
  }
}

/** `value`, with every object and array in it made read-only (a write then throws). */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * The reply as fake-cli.sh reads it: o:/e: lines, O:/E: for a last line without its newline,
 * x:status, and for a long output, `r:` then the output as is.
 */
function encode(reply: Reply): string {
  const lines: string[] = [];
  const add = (tag: string, text: string) => {
    if (text === "") return;
    const parts = text.split("\n");
    const last = parts.pop() as string;
    for (const part of parts) lines.push(`${tag}:${part}`);
    if (last !== "") lines.push(`${tag.toUpperCase()}:${last}`);
  };
  add("e", reply.err);
  // bash's `read` takes a socket a byte at a time (it must not read past the line): a long
  // output (a set of CRDs) goes after an `r:` line, as is, for one `cat` to copy.
  const raw = reply.out.length > RAW_FROM;
  if (!raw) add("o", reply.out);
  lines.push(`x:${reply.status}`);
  if (raw) lines.push("r:");
  return `${lines.join("\n")}\n${raw ? reply.out : ""}`;
}

/** The length of output from which the reply sends it raw (one `cat` costs more than a few lines). */
const RAW_FROM = 4096;
