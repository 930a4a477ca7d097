import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from "yaml";

/** One step of a path into a manifest: a mapping key or a list index. */
export type Segment = string | number;

/** A 1-based line and column in a YAML text. */
export interface Position {
  line: number;
  column: number;
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Writes a path the way Kubernetes documentation does:
 * `spec.rules[0].backendRefs[1].weight`; keys that are not plain words are
 * quoted: `metadata.annotations["linkerd.io/inject"]`.
 */
export function formatPath(path: readonly Segment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * Turns a JSON Pointer (`/spec/rules/0`) into path segments, reading indexes as
 * numbers where the data holds a list at that point.
 */
export function segmentsFromPointer(pointer: string, data: unknown): Segment[] {
  if (pointer === "") return [];
  const segments: Segment[] = [];
  let current: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(current) && /^(0|[1-9][0-9]*)$/.test(key)) {
      const index = Number(key);
      segments.push(index);
      current = current[index];
    } else {
      segments.push(key);
      current =
        current !== null && typeof current === "object"
          ? (current as Record<string, unknown>)[key]
          : undefined;
    }
  }
  return segments;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

function resolve(node: unknown, doc: Document): unknown {
  let current = node;
  for (let hops = 0; isAlias(current) && hops < 100; hops++) current = current.resolve(doc);
  return current;
}

/** A scalar with no text of its own (`key:` with nothing after it) has no useful position. */
function hasOwnText(node: Node): boolean {
  if (!node.range) return false;
  if (isScalar(node)) return node.range[1] > node.range[0];
  return true;
}

function offsetOf(node: unknown): number | undefined {
  if (node && typeof node === "object" && "range" in node) {
    const range = (node as Node).range;
    if (range && hasOwnText(node as Node)) return range[0];
  }
  return undefined;
}

/**
 * Where a path lands in a parsed document: the key of the last step when
 * `at` is `"key"`, otherwise its value. When the path goes further than the
 * document (a field that is missing, or was filled in by a default), it lands
 * on the deepest node that exists. A value with no text of its own is shown at
 * its key.
 */
export function locate(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly Segment[],
  at: "key" | "value" = "value",
): Position {
  let node: unknown = doc.contents;
  let offset = offsetOf(node) ?? doc.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] as Segment;
    node = resolve(node, doc);
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(segment));
      if (!pair) break;
      const keyOffset = offsetOf(pair.key);
      if (i === path.length - 1 && at === "key" && keyOffset !== undefined) {
        offset = keyOffset;
        break;
      }
      next = pair.value;
      const valueOffset = offsetOf(next);
      offset = valueOffset ?? keyOffset ?? offset;
    } else if (isSeq(node) && typeof segment === "number") {
      next = node.items[segment];
      if (next === undefined) break;
      offset = offsetOf(next) ?? offset;
    } else break;
    node = next;
  }
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}
