/**
 * Checks Kubernetes manifests against the OpenAPI schemas of
 * CustomResourceDefinitions, the way the API server would on `kubectl apply`
 * (with strict field validation), without a cluster.
 *
 * What is checked: the version is served; types, enums, patterns, formats,
 * limits and required fields; unknown fields (with a did-you-mean); repeated
 * entries in `x-kubernetes-list-type: set`/`map` lists; `metadata.name`.
 * Defaults are filled in and null fields dropped first, as the server does.
 * Not checked: CEL rules (`x-kubernetes-validations`) and admission webhooks.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { type Document, isScalar, LineCounter, parseAllDocuments, type YAMLError } from "yaml";
import { KUBERNETES_FORMATS } from "./formats.js";
import { formatPath, locate, type Segment, segmentsFromPointer } from "./locate.js";
import {
  findDuplicate,
  isRecord,
  normalize,
  prepareSchema,
  type SchemaNode,
  type UnknownField,
} from "./structural.js";
import { closestName } from "./suggest.js";

/** One version of a CustomResourceDefinition and its schema. */
export interface CrdVersionSchema {
  /** API group, e.g. `gateway.networking.k8s.io`. */
  group: string;
  kind: string;
  /** Version name, e.g. `v1beta1`. */
  version: string;
  served: boolean;
  storage: boolean;
  deprecated: boolean;
  /** `Namespaced` or `Cluster`. */
  scope: string;
  /** The version's `openAPIV3Schema`. */
  schema: object;
  /** Where the CRD was read from: file and the 1-based line its document starts on. */
  file: string;
  line: number;
}

/** A CRD file that cannot be read: YAML that does not parse, or a CRD with parts missing. */
export class CrdFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${reason}`);
    this.name = "CrdFileError";
  }
}

/** A place in a manifest where the API server would refuse it, and why. */
export interface ManifestProblem {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** The field, e.g. `spec.rules[0].backendRefs[1].weight`; empty for YAML syntax errors. */
  path: string;
  message: string;
}

/** An object whose kind has no schema in the set, so nothing about it was checked. */
export interface UnvalidatedObject {
  file: string;
  line: number;
  apiVersion: string;
  kind: string;
  name?: string;
}

export interface ManifestReport {
  problems: ManifestProblem[];
  notValidated: UnvalidatedObject[];
  /** Documents in the file that hold something (empty and comment-only ones are not counted). */
  documents: number;
}

/** Splits an apiVersion into group and version (`v1` is the core group, `""`). */
export function splitApiVersion(
  apiVersion: string,
): { group: string; version: string } | undefined {
  const parts = apiVersion.split("/");
  if (parts.length === 1 && parts[0] !== "") return { group: "", version: parts[0] as string };
  if (parts.length === 2 && parts[0] !== "" && parts[1] !== "") {
    return { group: parts[0] as string, version: parts[1] as string };
  }
  return undefined;
}

/**
 * The API groups Kubernetes serves itself (no CRD defines them): their kinds have no
 * schema here, and that says nothing about the demo.
 */
const BUILT_IN_GROUPS = new Set([
  "",
  "admissionregistration.k8s.io",
  "apiextensions.k8s.io",
  "apiregistration.k8s.io",
  "apps",
  "authentication.k8s.io",
  "authorization.k8s.io",
  "autoscaling",
  "batch",
  "certificates.k8s.io",
  "coordination.k8s.io",
  "discovery.k8s.io",
  "events.k8s.io",
  "flowcontrol.apiserver.k8s.io",
  "internal.apiserver.k8s.io",
  "networking.k8s.io",
  "node.k8s.io",
  "policy",
  "rbac.authorization.k8s.io",
  "resource.k8s.io",
  "scheduling.k8s.io",
  "storage.k8s.io",
  "storagemigration.k8s.io",
]);

/** Is `apiVersion` one of Kubernetes's own API groups (not one a CRD adds)? */
export function isBuiltInApiVersion(apiVersion: string): boolean {
  const gv = splitApiVersion(apiVersion);
  return gv !== undefined && BUILT_IN_GROUPS.has(gv.group);
}

const KUBE_VERSION = /^v([1-9][0-9]*)(?:(alpha|beta)([1-9][0-9]*))?$/;

/**
 * Orders versions the way Kubernetes ranks them: GA before beta before alpha,
 * higher numbers first, anything else last in alphabetical order.
 */
export function compareKubeVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] | undefined => {
    const m = KUBE_VERSION.exec(v);
    if (!m) return undefined;
    const level = m[2] === undefined ? 2 : m[2] === "beta" ? 1 : 0;
    return [level, Number(m[1]), m[3] === undefined ? 0 : Number(m[3])];
  };
  const ra = rank(a);
  const rb = rank(b);
  if (ra && rb) return rb[0] - ra[0] || rb[1] - ra[1] || rb[2] - ra[2];
  if (ra) return -1;
  if (rb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The objects in a decoded document: the items of a `...List` kind, or the document itself. */
function objectsIn(value: unknown): { object: unknown; at: Segment[] }[] {
  if (
    isRecord(value) &&
    typeof value.kind === "string" &&
    value.kind.endsWith("List") &&
    Array.isArray(value.items)
  ) {
    return value.items.map((object, index) => ({ object, at: ["items", index] }));
  }
  return [{ object: value, at: [] }];
}

/** A document with nothing in it: empty, or only comments (an explicit `null` is something). */
function isEmptyDocument(doc: Document): boolean {
  const contents = doc.contents;
  if (contents === null || contents === undefined) return true;
  return (
    isScalar(contents) && contents.value === null && contents.range?.[0] === contents.range?.[1]
  );
}

/** yaml's message without the " at line L, column C:" and the excerpt it appends. */
function yamlReason(error: YAMLError): string {
  const first = error.message.split("\n")[0] ?? error.message;
  return first.replace(/ at line \d+, column \d+:?$/, "");
}

function yamlPosition(
  error: YAMLError,
  lineCounter: LineCounter,
): { line: number; column: number } {
  const pos = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
  return { line: pos.line, column: pos.col };
}

/** A YAML text's documents, parsed once for every function below that reads it. */
export interface ParsedYaml {
  readonly lineCounter: LineCounter;
  readonly docs: readonly Document[];
}

export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, merge: true });
  return { lineCounter, docs: Array.from(docs) };
}

/** Every CRD (apiextensions.k8s.io/v1 CustomResourceDefinition) document found in a YAML text. */
export function crdsFromYaml(text: string | ParsedYaml, file: string): CrdVersionSchema[] {
  const { lineCounter, docs } = typeof text === "string" ? parseYaml(text) : text;
  const found: CrdVersionSchema[] = [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const { line, column } = yamlPosition(error, lineCounter);
      throw new CrdFileError(file, line, column, yamlReason(error));
    }
    if (isEmptyDocument(doc)) continue;
    for (const { object, at } of objectsIn(doc.toJS())) {
      if (
        !isRecord(object) ||
        object.apiVersion !== "apiextensions.k8s.io/v1" ||
        object.kind !== "CustomResourceDefinition"
      ) {
        continue;
      }
      const { line, column } = locate(doc, lineCounter, at);
      const fail = (reason: string): never => {
        throw new CrdFileError(file, line, column, reason);
      };
      const metadata = isRecord(object.metadata) ? object.metadata : {};
      const label = `CustomResourceDefinition ${String(metadata.name ?? "(unnamed)")}`;
      const spec = isRecord(object.spec) ? object.spec : fail(`${label} has no spec`);
      const group =
        typeof spec.group === "string" ? spec.group : fail(`${label} has no spec.group`);
      const names = isRecord(spec.names) ? spec.names : {};
      const kind =
        typeof names.kind === "string" ? names.kind : fail(`${label} has no spec.names.kind`);
      const scope = typeof spec.scope === "string" ? spec.scope : "Namespaced";
      const versions = Array.isArray(spec.versions)
        ? spec.versions
        : fail(`${label} has no spec.versions`);
      for (const version of versions) {
        if (!isRecord(version) || typeof version.name !== "string") {
          return fail(`${label} has a version with no name`);
        }
        const schema =
          isRecord(version.schema) && isRecord(version.schema.openAPIV3Schema)
            ? version.schema.openAPIV3Schema
            : { type: "object", "x-kubernetes-preserve-unknown-fields": true };
        found.push({
          group,
          kind,
          version: version.name,
          served: version.served === true,
          storage: version.storage === true,
          deprecated: version.deprecated === true,
          scope,
          schema,
          file,
          line,
        });
      }
    }
  }
  return found;
}

/** The CRD versions known to a validator, by group, kind and version. */
export class SchemaSet {
  readonly #kinds = new Map<string, Map<string, CrdVersionSchema>>();

  constructor(crds: Iterable<CrdVersionSchema> = []) {
    this.add(crds);
  }

  static #key(group: string, kind: string): string {
    return `${kind}.${group}`;
  }

  /**
   * Adds CRD versions. Like re-applying a CRD, a batch that mentions a group
   * and kind replaces every version known for it before.
   */
  add(crds: Iterable<CrdVersionSchema>): this {
    const batch = new Map<string, Map<string, CrdVersionSchema>>();
    for (const crd of crds) {
      const key = SchemaSet.#key(crd.group, crd.kind);
      let versions = batch.get(key);
      if (!versions) {
        versions = new Map();
        batch.set(key, versions);
      }
      versions.set(crd.version, crd);
    }
    for (const [key, versions] of batch) this.#kinds.set(key, versions);
    return this;
  }

  /**
   * The version an `apiVersion` and `kind` name, served or not (check
   * `served`); undefined when the kind or that version is not defined.
   */
  lookup(apiVersion: string, kind: string): CrdVersionSchema | undefined {
    const gv = splitApiVersion(apiVersion);
    if (!gv) return undefined;
    return this.#kinds.get(SchemaSet.#key(gv.group, kind))?.get(gv.version);
  }

  hasKind(group: string, kind: string): boolean {
    return this.#kinds.has(SchemaSet.#key(group, kind));
  }

  /** The served versions of a kind, most preferred first (v1, v1beta1, v1alpha2, ...). */
  servedVersions(group: string, kind: string): string[] {
    const versions = this.#kinds.get(SchemaSet.#key(group, kind));
    if (!versions) return [];
    return [...versions.values()]
      .filter((v) => v.served)
      .map((v) => v.version)
      .sort(compareKubeVersions);
  }

  /** Every version in the set. */
  *[Symbol.iterator](): IterableIterator<CrdVersionSchema> {
    for (const versions of this.#kinds.values()) yield* versions.values();
  }
}

// ---------------------------------------------------------------------------
// Compiling schemas

interface Compiled {
  validate: ValidateFunction;
  prepared: SchemaNode;
}

/** Compiled validators by the schema object they were made from, so each is compiled once. */
const compiledSchemas = new WeakMap<object, Compiled>();
/**
 * The same by the schema's text: versions of a kind often share one schema
 * (Gateway API's HTTPRoute v1 and v1beta1), and a large one takes tens of
 * milliseconds to compile.
 */
const compiledByText = new Map<string, Compiled>();
const knownFormats = new Set(Object.keys(KUBERNETES_FORMATS));
let sharedAjv: Ajv | undefined;

/**
 * Reads a CRD pattern (Go RE2 syntax) as a JavaScript RegExp. A leading inline
 * flag group such as `(?i)` becomes a RegExp flag; a pattern JavaScript cannot
 * read at all is not checked rather than failing the whole schema.
 */
function kubePattern(pattern: string, unicode: string): { test(text: string): boolean } {
  let source = pattern;
  let flags = unicode;
  const inline = /^\(\?([imsU]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    for (const flag of inline[1] as string) if ("ims".includes(flag)) flags += flag;
  }
  for (const attempt of [flags, flags.replace("u", "")]) {
    try {
      return new RegExp(source, attempt);
    } catch {
      // try again without the unicode flag, then give up
    }
  }
  return { test: () => true, toString: () => `unchecked:${pattern}` } as {
    test(text: string): boolean;
  };
}
kubePattern.code = "kubePattern";

function kubeAjv(): Ajv {
  if (sharedAjv) return sharedAjv;
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    verbose: true,
    logger: false,
    formats: { ...KUBERNETES_FORMATS },
    // Ajv's optimising passes cost more time than they save on code that runs
    // over a few manifests once.
    code: { regExp: kubePattern, optimize: false },
  });
  ajv.addKeyword({
    keyword: "x-kubernetes-list-type",
    type: "array",
    schemaType: "string",
    errors: false,
    validate: (listType: string, data: unknown[], parentSchema?: Record<string, unknown>) =>
      findDuplicate(listType, parentSchema?.["x-kubernetes-list-map-keys"], data) === undefined,
  });
  sharedAjv = ajv;
  return ajv;
}

function compiled(entry: CrdVersionSchema): Compiled {
  const cached = compiledSchemas.get(entry.schema);
  if (cached) return cached;
  const text = JSON.stringify(entry.schema);
  const same = compiledByText.get(text);
  if (same) {
    compiledSchemas.set(entry.schema, same);
    return same;
  }
  const ajv = kubeAjv();
  const formats = new Set<string>();
  const prepared = prepareSchema(entry.schema, formats);
  for (const format of formats) {
    if (knownFormats.has(format)) continue;
    ajv.addFormat(format, true);
    knownFormats.add(format);
  }
  const validate = ajv.compile(prepared);
  // The validator keeps working; this only lets Ajv's cache forget the schema.
  ajv.removeSchema(prepared);
  const result = { validate, prepared };
  compiledSchemas.set(entry.schema, result);
  if (compiledByText.size >= 64) {
    const oldest = compiledByText.keys().next().value;
    if (oldest !== undefined) compiledByText.delete(oldest);
  }
  compiledByText.set(text, result);
  return result;
}

// ---------------------------------------------------------------------------
// Explaining problems

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  return `${typeof value} ${String(value)}`;
}

function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

interface Explained {
  /** The field the problem is about. */
  path: Segment[];
  /** The node to point at: the field itself, or for a missing field the object it belongs in. */
  locateAt: Segment[];
  message: string;
}

/** Explains an Ajv error about an object found at `at` in its document. */
function explain(error: ErrorObject, data: unknown, at: readonly Segment[]): Explained {
  const path = [...at, ...segmentsFromPointer(error.instancePath, data)];
  const p = formatPath(path) || "(object)";
  const params = error.params as Record<string, unknown>;
  const value = error.data;
  const say = (message: string, where: Segment[] = path, locateAt = where): Explained => ({
    path: where,
    locateAt,
    message,
  });
  switch (error.keyword) {
    case "type": {
      const types = Array.isArray(params.type) ? params.type : String(params.type).split(",");
      return say(`${p}: must be ${types.join(" or ")} (got ${describeValue(value)})`);
    }
    case "required": {
      const missing = [...path, String(params.missingProperty)];
      return say(`missing required field ${formatPath(missing)}`, missing, path);
    }
    case "enum": {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      return say(`${p}: must be one of ${allowed.map(String).join(", ")} (got ${shown(value)})`);
    }
    case "const":
      return say(`${p}: must be ${shown(params.allowedValue)} (got ${shown(value)})`);
    case "pattern":
      return say(`${p}: ${shown(value)} does not match the pattern ${String(params.pattern)}`);
    case "format": {
      const hint = params.format === "duration" ? " (for example 300ms, 10s or 1h30m)" : "";
      return say(`${p}: ${shown(value)} is not a valid ${String(params.format)}${hint}`);
    }
    case "maximum":
    case "minimum":
    case "exclusiveMaximum":
    case "exclusiveMinimum":
      return say(
        `${p}: must be ${String(params.comparison)} ${String(params.limit)} (got ${shown(value)})`,
      );
    case "maxLength":
    case "minLength": {
      const bound = error.keyword === "maxLength" ? "at most" : "at least";
      const length = typeof value === "string" ? [...value].length : 0;
      return say(`${p}: must be ${bound} ${String(params.limit)} characters long (got ${length})`);
    }
    case "maxItems":
    case "minItems": {
      const bound = error.keyword === "maxItems" ? "at most" : "at least";
      const count = Array.isArray(value) ? value.length : 0;
      return say(`${p}: must have ${bound} ${String(params.limit)} entries (got ${count})`);
    }
    case "maxProperties":
    case "minProperties": {
      const bound = error.keyword === "maxProperties" ? "at most" : "at least";
      const count = isRecord(value) ? Object.keys(value).length : 0;
      return say(`${p}: must have ${bound} ${String(params.limit)} keys (got ${count})`);
    }
    case "uniqueItems":
      return say(`${p}: entries ${String(params.j)} and ${String(params.i)} are the same`);
    case "x-kubernetes-list-type": {
      const parent = error.parentSchema as Record<string, unknown> | undefined;
      const items = Array.isArray(value) ? value : [];
      const dup = findDuplicate(
        parent?.["x-kubernetes-list-type"],
        parent?.["x-kubernetes-list-map-keys"],
        items,
      );
      if (!dup) return say(`${p}: has repeated entries`);
      const second = [...path, dup.second];
      return say(
        `${formatPath(second)}: repeats ${formatPath([...path, dup.first])} (${dup.what}); entries must differ`,
        second,
      );
    }
    case "anyOf":
      return say(`${p}: does not match any of the forms the schema allows`);
    case "oneOf":
      return say(
        Array.isArray(params.passingSchemas)
          ? `${p}: matches more than one of the forms the schema allows`
          : `${p}: does not match any of the forms the schema allows`,
      );
    case "not":
      return say(`${p}: this value is not allowed here`);
    default:
      return say(`${p}: ${error.message ?? `fails the ${error.keyword} check`}`);
  }
}

/**
 * Ajv's errors minus the noise: errors inside an `anyOf`/`oneOf` branch are
 * summed up by the junctor's own error, and a value of the wrong type gets only
 * the type error.
 */
function usefulErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const junctors = errors
    .filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf")
    .map((e) => `${e.schemaPath}/`);
  const outside = errors.filter((e) => !junctors.some((prefix) => e.schemaPath.startsWith(prefix)));
  const typeErrors = new Set(
    outside.filter((e) => e.keyword === "type").map((e) => e.instancePath),
  );
  return outside.filter((e) => e.keyword === "type" || !typeErrors.has(e.instancePath));
}

function unknownMessage(field: UnknownField, at: readonly Segment[]): string {
  const name = String(field.path[field.path.length - 1]);
  const where = formatPath([...at, ...field.path]);
  const guess = closestName(name, field.allowed);
  if (guess !== undefined) return `unknown field ${where} (did you mean ${guess}?)`;
  if (field.allowed.length === 0) return `unknown field ${where} (no fields are allowed here)`;
  if (field.allowed.length <= 10) {
    return `unknown field ${where} (allowed: ${[...field.allowed].sort().join(", ")})`;
  }
  return `unknown field ${where}`;
}

// ---------------------------------------------------------------------------
// Validating manifests

interface Context {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
  schemas: SchemaSet;
  report: ManifestReport;
}

function addProblem(
  cx: Context,
  path: readonly Segment[],
  message: string,
  at: "key" | "value" = "value",
  locateAt: readonly Segment[] = path,
): void {
  const { line, column } = locate(cx.doc, cx.lineCounter, locateAt, at);
  cx.report.problems.push({ file: cx.file, line, column, path: formatPath(path), message });
}

function checkObject(cx: Context, object: unknown, at: Segment[]): void {
  if (!isRecord(object)) {
    addProblem(
      cx,
      at,
      `${formatPath(at) || "document"}: expected a Kubernetes object (a mapping with apiVersion and kind), got ${describeValue(object)}`,
    );
    return;
  }
  const { apiVersion, kind } = object;
  for (const [field, value] of [
    ["apiVersion", apiVersion],
    ["kind", kind],
  ] as const) {
    if (typeof value !== "string" || value === "") {
      const path = [...at, field];
      if (value === undefined || value === null) {
        addProblem(cx, path, `missing required field ${formatPath(path)}`, "value", at);
      } else addProblem(cx, path, `${formatPath(path)}: must be a non-empty string`);
      return;
    }
  }
  if (typeof apiVersion !== "string" || typeof kind !== "string") return;
  const apiVersionPath = [...at, "apiVersion"];
  const gv = splitApiVersion(apiVersion);
  if (!gv) {
    addProblem(
      cx,
      apiVersionPath,
      `${formatPath(apiVersionPath)}: ${JSON.stringify(apiVersion)} is not of the form group/version (or just version for the core group)`,
    );
    return;
  }
  const { schemas } = cx;
  if (!schemas.hasKind(gv.group, kind)) {
    const { line } = locate(cx.doc, cx.lineCounter, at);
    const metadata = isRecord(object.metadata) ? object.metadata : {};
    const entry: UnvalidatedObject = { file: cx.file, line, apiVersion, kind };
    if (typeof metadata.name === "string") entry.name = metadata.name;
    cx.report.notValidated.push(entry);
    return;
  }
  const entry = schemas.lookup(apiVersion, kind);
  if (!entry?.served) {
    const served = schemas
      .servedVersions(gv.group, kind)
      .map((v) => (gv.group === "" ? v : `${gv.group}/${v}`));
    const offer = served.length > 0 ? `served: ${served.join(", ")}` : "no version is served";
    const where = formatPath(apiVersionPath);
    addProblem(
      cx,
      apiVersionPath,
      entry
        ? `${where}: ${kind} ${apiVersion} is defined but not served (${offer})`
        : `${where}: ${apiVersion} is not a version of ${kind} (${offer})`,
    );
    return;
  }
  const { validate, prepared } = compiled(entry);
  const data = structuredClone(object);
  const unknown: UnknownField[] = [];
  normalize(data, prepared, [], unknown);
  for (const field of unknown) {
    addProblem(cx, [...at, ...field.path], unknownMessage(field, at), "key");
  }
  if (validate(data)) return;
  for (const error of usefulErrors(validate.errors ?? [])) {
    const { path, locateAt, message } = explain(error, data, at);
    addProblem(cx, path, message, "value", locateAt);
  }
}

/** Parses a multi-document YAML manifest file and validates every document whose kind has a CRD in the set. */
export function validateManifests(
  text: string | ParsedYaml,
  file: string,
  schemas: SchemaSet,
): ManifestReport {
  const { lineCounter, docs } = typeof text === "string" ? parseYaml(text) : text;
  const report: ManifestReport = { problems: [], notValidated: [], documents: 0 };
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const seen = new Set<number>();
      for (const error of doc.errors) {
        const { line, column } = yamlPosition(error, lineCounter);
        if (seen.has(line)) continue;
        seen.add(line);
        report.problems.push({ file, line, column, path: "", message: yamlReason(error) });
      }
      continue;
    }
    if (isEmptyDocument(doc)) continue;
    report.documents++;
    const cx: Context = { file, doc, lineCounter, schemas, report };
    for (const { object, at } of objectsIn(doc.toJS())) checkObject(cx, object, at);
  }
  report.problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return report;
}
