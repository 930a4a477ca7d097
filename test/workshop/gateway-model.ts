// A small model of how Gateway API v1.1.1 picks a route rule and a backend for one request, as
// the specification text in the CRDs (gateway-api/experimental-install.yaml) states it:
//
// - HTTPRoute: across every rule of every route attached to the parent, the match with an Exact
//   path wins, then the longest PathPrefix, then a method match, then the most header matches,
//   then the most query-parameter matches. A rule without matches is a PathPrefix "/" match.
// - GRPCRoute: the most characters in a matching service, then in a matching method, then the most
//   header matches. A rule without matches matches every request.
// - Ties between routes: the oldest (creationTimestamp), then "{namespace}/{name}" alphabetically;
//   within the winning route, the first matching rule in list order.
// - A backend's share is weight / sum of weights (an omitted weight is 1, weight 0 gets nothing).
//   A rule without backendRefs on a mesh Service parent sends the request on to that Service.
//
// The mesh decides which route types it reads and where it honours `timeouts`.

export type Mesh = "linkerd" | "istio";

/** An object as the fake cluster stores it. */
export interface StoredObject {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly name: string;
  /** Empty for cluster-scoped objects. */
  readonly namespace: string;
  /** A logical clock reading: smaller is older. */
  readonly created: number;
  readonly body: Record<string, unknown>;
}

/** What the model needs to know about the cluster. */
export interface ClusterView {
  readonly objects: readonly StoredObject[];
  /** Ready replicas of each Deployment, by "namespace/name". */
  readonly replicas: ReadonlyMap<string, number>;
}

export type Request =
  | {
      readonly protocol: "http";
      readonly path: string;
      readonly method?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | {
      readonly protocol: "grpc";
      readonly service: string;
      readonly method: string;
      readonly headers?: Readonly<Record<string, string>>;
    };

/** Where a request is sent from: the ingress Gateway, or a meshed client calling a Service. */
export type Parent =
  | { readonly kind: "Gateway"; readonly namespace: string; readonly name: string }
  | { readonly kind: "Service"; readonly namespace: string; readonly name: string };

/** Shares of the requests, by backend Service name; "error" for requests that fail. */
export type Shares = Readonly<Record<string, number>>;

export interface Outcome {
  readonly shares: Shares;
  /** The route and rule that decided, as "namespace/name#rule"; undefined when none matched. */
  readonly decidedBy?: string;
  /** The request deadline the data plane applies, when the mesh honours the rule's one. */
  readonly timeout?: string;
  /** The path the backend sees, after URL rewrites (HTTP only). */
  readonly path?: string;
  /** No rule matched: 404 at a Gateway. */
  readonly notFound?: boolean;
}

const GATEWAY_GROUP = "gateway.networking.k8s.io";
const LINKERD_POLICY_GROUP = "policy.linkerd.io";

type Json = Record<string, unknown>;
const obj = (value: unknown): Json =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.map(obj) : []);
const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** The route types a data plane reads for requests of `protocol`, for a parent of `kind`. */
function routeTypes(mesh: Mesh, parent: Parent, protocol: Request["protocol"]): string[] {
  if (protocol === "grpc") return [`${GATEWAY_GROUP}/GRPCRoute`];
  const types = [`${GATEWAY_GROUP}/HTTPRoute`];
  if (mesh === "linkerd" && parent.kind === "Service")
    types.push(`${LINKERD_POLICY_GROUP}/HTTPRoute`);
  return types;
}

/** Does the route honour `timeouts` on its rules, on this mesh and this parent? */
function honoursTimeouts(mesh: Mesh, parent: Parent, route: StoredObject): boolean {
  if (parent.kind === "Gateway") return route.kind === "HTTPRoute"; // both ingresses do
  if (route.kind !== "HTTPRoute") return false; // GRPCRoute has no timeouts in v1.1
  if (mesh === "linkerd")
    return route.group === LINKERD_POLICY_GROUP && route.version === "v1beta3";
  return route.group === GATEWAY_GROUP;
}

/** Does `ref` (a parentRef of a route in `routeNamespace`) name `parent`? */
function refersTo(ref: Json, routeNamespace: string, parent: Parent): boolean {
  const namespace = str(ref.namespace) ?? routeNamespace;
  if (str(ref.name) !== parent.name || namespace !== parent.namespace) return false;
  const kind = str(ref.kind) ?? "Gateway";
  const group = str(ref.group) ?? GATEWAY_GROUP;
  if (parent.kind === "Gateway") return kind === "Gateway" && group === GATEWAY_GROUP;
  return kind === "Service" && (group === "" || group === "core");
}

interface Candidate {
  readonly route: StoredObject;
  readonly ruleIndex: number;
  readonly rule: Json;
  /** Larger is more specific, compared element by element. */
  readonly specificity: readonly number[];
}

function headersMatch(wanted: Json[], headers: Readonly<Record<string, string>>): boolean {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const seen = new Set<string>();
  for (const header of wanted) {
    const name = (str(header.name) ?? "").toLowerCase();
    if (seen.has(name)) continue; // only the first entry of a name counts
    seen.add(name);
    const type = str(header.type) ?? "Exact";
    const value = lower.get(name);
    if (value === undefined) return false;
    if (
      type === "Exact"
        ? value !== str(header.value)
        : !new RegExp(str(header.value) ?? "").test(value)
    ) {
      return false;
    }
  }
  return true;
}

function pathOf(path: string): string {
  const at = path.indexOf("?");
  return at < 0 ? path : path.slice(0, at);
}

/** PathPrefix matching is by whole path elements, and a trailing slash is ignored. */
function prefixMatches(prefix: string, path: string): boolean {
  const p = prefix.replace(/\/+$/, "");
  return p === "" || path === p || path.startsWith(`${p}/`);
}

/** The specificity of an HTTP match that matches the request, or undefined when it does not. */
function httpSpecificity(
  match: Json,
  request: Extract<Request, { protocol: "http" }>,
): number[] | undefined {
  const path = obj(match.path);
  const type = str(path.type) ?? "PathPrefix";
  const value = str(path.value) ?? "/";
  const requestPath = pathOf(request.path);
  let exact = 0;
  let prefix = 0;
  if (type === "Exact") {
    if (requestPath !== value) return undefined;
    exact = 1;
  } else if (type === "PathPrefix") {
    if (!prefixMatches(value, requestPath)) return undefined;
    prefix = value.length;
  } else {
    throw new Error(`the model does not decide ${type} path matches (implementation-specific)`);
  }
  const method = str(match.method);
  if (method !== undefined && method !== (request.method ?? "GET")) return undefined;
  const headers = list(match.headers);
  if (!headersMatch(headers, request.headers ?? {})) return undefined;
  const query = list(match.queryParams);
  const params = new URLSearchParams(
    request.path.includes("?") ? request.path.slice(request.path.indexOf("?")) : "",
  );
  for (const q of query) if (params.get(str(q.name) ?? "") !== str(q.value)) return undefined;
  return [exact, prefix, method === undefined ? 0 : 1, headers.length, query.length];
}

function grpcSpecificity(
  match: Json,
  request: Extract<Request, { protocol: "grpc" }>,
): number[] | undefined {
  const method = obj(match.method);
  if ((str(method.type) ?? "Exact") !== "Exact") {
    throw new Error("the model does not decide RegularExpression gRPC method matches");
  }
  const service = str(method.service);
  const name = str(method.method);
  if (service !== undefined && service !== request.service) return undefined;
  if (name !== undefined && name !== request.method) return undefined;
  const headers = list(match.headers);
  if (!headersMatch(headers, request.headers ?? {})) return undefined;
  return [service?.length ?? 0, name?.length ?? 0, headers.length];
}

function compareSpecificity(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (b[i] ?? 0) - (a[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The routes of the types the data plane reads that are attached to `parent`. */
export function attachedRoutes(
  view: ClusterView,
  mesh: Mesh,
  parent: Parent,
  protocol: Request["protocol"],
): StoredObject[] {
  const types = routeTypes(mesh, parent, protocol);
  return view.objects.filter(
    (o) =>
      types.includes(`${o.group}/${o.kind}`) &&
      list(obj(o.body.spec).parentRefs).some((ref) => refersTo(ref, o.namespace, parent)),
  );
}

/** Which rule wins for `request`, by the precedence rules above; undefined when none matches. */
export function winningRule(
  view: ClusterView,
  mesh: Mesh,
  parent: Parent,
  request: Request,
): Candidate | undefined {
  const candidates: Candidate[] = [];
  for (const route of attachedRoutes(view, mesh, parent, request.protocol)) {
    const rules = list(obj(route.body.spec).rules);
    // An HTTPRoute with no rules has one default rule (match "/", no backends).
    const effective = rules.length === 0 && route.kind === "HTTPRoute" ? [{}] : rules;
    effective.forEach((rule, ruleIndex) => {
      const matches = list(rule.matches);
      const all = matches.length === 0 ? [{}] : matches;
      let best: number[] | undefined;
      for (const match of all) {
        const s =
          request.protocol === "http"
            ? httpSpecificity(match, request)
            : grpcSpecificity(match, request);
        if (s && (!best || compareSpecificity(s, best) < 0)) best = s;
      }
      if (best) candidates.push({ route, ruleIndex, rule, specificity: best });
    });
  }
  candidates.sort(
    (a, b) =>
      compareSpecificity(a.specificity, b.specificity) ||
      a.route.created - b.route.created ||
      `${a.route.namespace}/${a.route.name}`.localeCompare(
        `${b.route.namespace}/${b.route.name}`,
      ) ||
      a.ruleIndex - b.ruleIndex,
  );
  return candidates[0];
}

function serviceExists(view: ClusterView, namespace: string, name: string): boolean {
  return view.objects.some(
    (o) => o.group === "" && o.kind === "Service" && o.namespace === namespace && o.name === name,
  );
}

/** Where `request`, sent through `parent`, ends up. */
export function route(view: ClusterView, mesh: Mesh, parent: Parent, request: Request): Outcome {
  const winner = winningRule(view, mesh, parent, request);
  const path = request.protocol === "http" ? request.path : undefined;
  if (!winner) {
    if (parent.kind === "Gateway") return { shares: {}, notFound: true };
    // No route: the mesh sends the call to the Service it was made to.
    return {
      shares: shareOf(view, parent.namespace, [{ name: parent.name, weight: 1 }]),
      ...(path ? { path } : {}),
    };
  }
  const refs = list(winner.rule.backendRefs);
  const backends =
    refs.length === 0 && parent.kind === "Service"
      ? [{ name: parent.name, weight: 1, namespace: parent.namespace }]
      : refs.map((ref) => ({
          name: str(ref.name) ?? "",
          weight: typeof ref.weight === "number" ? ref.weight : 1,
          namespace: str(ref.namespace) ?? winner.route.namespace,
        }));
  const timeouts = obj(winner.rule.timeouts);
  const timeout = honoursTimeouts(mesh, parent, winner.route) ? str(timeouts.request) : undefined;
  return {
    shares: backends.length === 0 ? { error: 1 } : shareOf(view, winner.route.namespace, backends),
    decidedBy: `${winner.route.namespace}/${winner.route.name}#${winner.ruleIndex}`,
    ...(timeout ? { timeout } : {}),
    ...(request.protocol === "http" ? { path: rewrite(winner, request.path) } : {}),
  };
}

function shareOf(
  view: ClusterView,
  namespace: string,
  backends: readonly { name: string; weight: number; namespace?: string }[],
): Shares {
  const total = backends.reduce((sum, b) => sum + b.weight, 0);
  if (total === 0) return { error: 1 };
  const shares: Record<string, number> = {};
  for (const b of backends) {
    if (b.weight === 0) continue;
    const ns = b.namespace ?? namespace;
    const ready = (view.replicas.get(`${ns}/${b.name}`) ?? 0) > 0;
    const key = serviceExists(view, ns, b.name) && ready ? b.name : "error";
    shares[key] = (shares[key] ?? 0) + b.weight / total;
  }
  return shares;
}

/** The path after the winning rule's URLRewrite filter, if any. */
function rewrite(winner: Candidate, path: string): string {
  const query = path.includes("?") ? path.slice(path.indexOf("?")) : "";
  const bare = pathOf(path);
  for (const filter of list(winner.rule.filters)) {
    if (str(filter.type) !== "URLRewrite") continue;
    const p = obj(obj(filter.urlRewrite).path);
    if (str(p.type) === "ReplaceFullPath") return `${str(p.replaceFullPath) ?? "/"}${query}`;
    if (str(p.type) === "ReplacePrefixMatch") {
      const matched = list(winner.rule.matches)
        .map((m) => str(obj(m.path).value) ?? "/")
        .filter((prefix) => prefixMatches(prefix, bare))
        .sort((a, b) => b.length - a.length)[0];
      if (matched === undefined) return path;
      const rest = bare.slice(matched.replace(/\/+$/, "").length);
      const replacement = (str(p.replacePrefixMatch) ?? "/").replace(/\/+$/, "");
      const joined = `${replacement}${rest}`;
      return `${joined.startsWith("/") ? joined : `/${joined}`}${query}`;
    }
  }
  return path;
}

// ---------------------------------------------------------------------------
// Faces, request by request

export type Position = "center" | "edge";

/** What one kind of cell request reaches: the face service, then smiley and color. */
export interface CellOutcome {
  /** The ingress's answer to the GUI's call for the cell. */
  readonly ingress: Outcome;
  /** face's call to smiley (absent when the cell's call never reached face). */
  readonly smiley?: Outcome;
  /** face's call to color. */
  readonly color?: Outcome;
}

export interface FacesView {
  /** Does GET /gui/ through the Gateway reach faces-gui, at "/"? */
  readonly guiLoads: boolean;
  readonly cell: (position: Position, user: string) => CellOutcome;
}

const INGRESS: Parent = { kind: "Gateway", namespace: "default", name: "ingress" };
const USER_HEADER = "x-faces-user";

/** Faces as the GUI drives it: the page, then a call per cell, which face turns into two calls. */
export function faces(view: ClusterView, mesh: Mesh): FacesView {
  const gui = route(view, mesh, INGRESS, { protocol: "http", path: "/gui/" });
  return {
    guiLoads: gui.shares["faces-gui"] === 1 && gui.path === "/",
    cell(position, user) {
      const headers = { [USER_HEADER]: user };
      const ingress = route(view, mesh, INGRESS, {
        protocol: "http",
        path: `/face/${position}/?row=2&col=3`,
        headers,
      });
      // face serves the cell when the rewritten path names the cell's kind.
      if (ingress.shares.face !== 1 || !ingress.path?.startsWith(`/${position}/`))
        return { ingress };
      const smiley = route(
        view,
        mesh,
        { kind: "Service", namespace: "faces", name: "smiley" },
        {
          protocol: "http",
          path: `/${position}/?row=2&col=3`,
          headers,
        },
      );
      const color = route(
        view,
        mesh,
        { kind: "Service", namespace: "faces", name: "color" },
        {
          protocol: "grpc",
          service: "ColorService",
          method: position === "center" ? "Center" : "Edge",
          headers,
        },
      );
      return { ingress, smiley, color };
    },
  };
}
