import type { Segment } from "./locate.js";

/** A node of a CRD's openAPIV3Schema, loosely typed. */
export type SchemaNode = { [keyword: string]: unknown };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * The API server checks `metadata` itself rather than through the CRD schema.
 * This is a loose stand-in: a name is required (`kubectl apply` needs one),
 * labels and annotations map strings to strings, anything else is let through.
 */
const METADATA_SCHEMA: SchemaNode = {
  type: "object",
  required: ["name"],
  "x-kubernetes-preserve-unknown-fields": true,
  properties: {
    name: { type: "string", minLength: 1 },
    namespace: { type: "string" },
    labels: { type: "object", additionalProperties: { type: "string" } },
    annotations: { type: "object", additionalProperties: { type: "string" } },
  },
};

/** Keywords that only document a schema; dropping them makes compiling cheaper. */
const DOCUMENTATION = new Set(["description", "example", "externalDocs"]);

function prepareNode(node: unknown, formats: Set<string>): SchemaNode {
  if (!isRecord(node)) return {};
  const out: SchemaNode = {};
  for (const [keyword, value] of Object.entries(node)) {
    if (DOCUMENTATION.has(keyword)) continue;
    switch (keyword) {
      case "properties":
        out.properties = isRecord(value)
          ? Object.fromEntries(
              Object.entries(value).map(([name, sub]) => [name, prepareNode(sub, formats)]),
            )
          : value;
        break;
      case "additionalProperties":
        out.additionalProperties = typeof value === "boolean" ? value : prepareNode(value, formats);
        break;
      case "items":
        out.items = Array.isArray(value)
          ? value.map((sub) => prepareNode(sub, formats))
          : prepareNode(value, formats);
        break;
      case "allOf":
      case "anyOf":
      case "oneOf":
        out[keyword] = Array.isArray(value) ? value.map((sub) => prepareNode(sub, formats)) : value;
        break;
      case "not":
        out.not = prepareNode(value, formats);
        break;
      case "format":
        if (typeof value === "string") formats.add(value);
        out.format = value;
        break;
      default:
        out[keyword] = value;
    }
  }
  // `x-kubernetes-int-or-string: true` stands for "an integer or a string".
  if (out["x-kubernetes-int-or-string"] === true && out.type === undefined) {
    out.type = ["integer", "string"];
  }
  // Ajv reads `nullable` only next to a `type`.
  if (out.nullable !== undefined && out.type === undefined) delete out.nullable;
  return out;
}

/**
 * A copy of a CRD version's openAPIV3Schema ready for Ajv: documentation left
 * out, Kubernetes extensions turned into plain JSON Schema where they change
 * what is valid, and the object's own `apiVersion`, `kind` and `metadata`
 * described as the API server sees them. The formats the schema uses are added
 * to `formats`. The input is not changed.
 */
export function prepareSchema(schema: object, formats: Set<string>): SchemaNode {
  const root = prepareNode(schema, formats);
  root.properties = {
    ...(isRecord(root.properties) ? root.properties : {}),
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: METADATA_SCHEMA,
  };
  return root;
}

/** A field the schema does not know, and the names it would have accepted there. */
export interface UnknownField {
  path: Segment[];
  allowed: string[];
}

const EMBEDDED_KEYS = new Set(["apiVersion", "kind", "metadata"]);

/**
 * Does to a decoded object what the API server does before it validates one:
 * drops fields set to null (unless the schema allows null), removes the fields
 * the schema does not know (reporting them in `unknown`, as `kubectl apply`'s
 * strict field validation does), and fills in defaults. Works in place.
 *
 * A schema object is closed (knows only its `properties`) unless it has
 * `additionalProperties` or `x-kubernetes-preserve-unknown-fields: true`.
 * Junctors (`allOf`, `anyOf`, `oneOf`, `not`) never add fields: in a structural
 * schema every field they mention is also declared outside them.
 */
export function normalize(
  value: unknown,
  schema: SchemaNode,
  path: Segment[],
  unknown: UnknownField[],
): void {
  if (Array.isArray(value)) {
    const items = schema.items;
    if (isRecord(items)) {
      value.forEach((item, index) => {
        normalize(item, items, [...path, index], unknown);
      });
    }
    return;
  }
  if (!isRecord(value)) return;
  const properties = isRecord(schema.properties) ? schema.properties : undefined;
  const additional = schema.additionalProperties;
  const open =
    schema["x-kubernetes-preserve-unknown-fields"] === true ||
    (additional !== undefined && additional !== false) ||
    (properties === undefined && schema.type !== "object");
  const embedded = schema["x-kubernetes-embedded-resource"] === true;
  for (const key of Object.keys(value)) {
    const known = properties !== undefined && Object.hasOwn(properties, key);
    const sub = known ? properties[key] : isRecord(additional) ? additional : undefined;
    if (!known && !open && !(embedded && EMBEDDED_KEYS.has(key))) {
      unknown.push({ path: [...path, key], allowed: Object.keys(properties ?? {}) });
      delete value[key];
      continue;
    }
    const child = value[key];
    if (child === null && !(isRecord(sub) && sub.nullable === true)) {
      delete value[key];
      continue;
    }
    if (isRecord(sub)) normalize(child, sub, [...path, key], unknown);
  }
  if (properties === undefined) return;
  for (const [key, sub] of Object.entries(properties)) {
    if (Object.hasOwn(value, key) || !isRecord(sub) || sub.default === undefined) continue;
    value[key] = structuredClone(sub.default);
    // A default comes from the CRD's author: nothing in it is the manifest's fault.
    normalize(value[key], sub, [...path, key], []);
  }
}

/** Two entries of a list that the schema says must differ, and what they share. */
export interface Duplicate {
  first: number;
  second: number;
  what: string;
}

/**
 * The first repeated entry of a list marked `x-kubernetes-list-type: set`
 * (entries must all differ) or `map` (entries must differ in their
 * `x-kubernetes-list-map-keys`), or undefined when there is none.
 */
export function findDuplicate(
  listType: unknown,
  mapKeys: unknown,
  items: readonly unknown[],
): Duplicate | undefined {
  if (listType !== "set" && listType !== "map") return undefined;
  const keys = Array.isArray(mapKeys) ? mapKeys.filter((k) => typeof k === "string") : [];
  if (listType === "map" && keys.length === 0) return undefined;
  const seen = new Map<string, number>();
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    let identity: string;
    let what: string;
    if (listType === "set") {
      identity = JSON.stringify(item) ?? "undefined";
      what = `the value ${identity}`;
    } else {
      if (!isRecord(item)) continue;
      const values = keys.map((k) => item[k]);
      identity = JSON.stringify(values);
      what = keys.map((k, i) => `${k} ${JSON.stringify(values[i]) ?? "(unset)"}`).join(", ");
    }
    const first = seen.get(identity);
    if (first !== undefined) return { first, second: index, what };
    seen.set(identity, index);
  }
  return undefined;
}
