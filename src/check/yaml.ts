import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from "yaml";
import type { ParsedYaml } from "../kube/schema.js";

/** A place where a YAML text does not parse. */
export interface YamlSyntaxError {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  readonly message: string;
}

export interface YamlSummary {
  /** Where it does not parse: at most one error a line. */
  readonly errors: readonly YamlSyntaxError[];
  /** Documents that hold something (empty and comment-only ones are not counted). */
  readonly documents: number;
  /** Every document holding something is a mapping with a string apiVersion and kind. */
  readonly allKubernetes: boolean;
  /** Every document holding something is a CustomResourceDefinition. */
  readonly allCrds: boolean;
}

/** The yaml library's message without the position and excerpt it appends. */
function reason(message: string): string {
  const first = message.split("\n")[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, "");
}

/** The syntax errors of a parsed YAML text, and what it holds. */
export function summarizeYaml({ lineCounter, docs }: ParsedYaml): YamlSummary {
  const errors: YamlSyntaxError[] = [];
  const seen = new Set<number>();
  let documents = 0;
  let allKubernetes = true;
  let allCrds = true;
  for (const doc of docs) {
    for (const error of doc.errors) {
      const pos = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
      if (seen.has(pos.line)) continue;
      seen.add(pos.line);
      errors.push({ line: pos.line, column: pos.col, message: reason(error.message) });
    }
    if (doc.errors.length > 0) continue;
    const contents = doc.contents;
    const empty =
      contents === null ||
      contents === undefined ||
      (isScalar(contents) &&
        contents.value === null &&
        contents.range?.[0] === contents.range?.[1]);
    if (empty) continue;
    documents++;
    const apiVersion = isMap(contents) ? doc.get("apiVersion") : undefined;
    const kind = isMap(contents) ? doc.get("kind") : undefined;
    if (typeof apiVersion !== "string" || typeof kind !== "string") allKubernetes = false;
    if (apiVersion !== "apiextensions.k8s.io/v1" || kind !== "CustomResourceDefinition") {
      allCrds = false;
    }
  }
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  return {
    errors,
    documents,
    allKubernetes: allKubernetes && documents > 0,
    allCrds: allCrds && documents > 0,
  };
}

/** An entry of a kustomization's `resources:` (or `bases:`, `components:`), with its line. */
export interface KustomizationEntry {
  readonly path: string;
  readonly line: number;
}

/** The local paths a kustomization.yaml lists; URLs and remote bases are left out. */
export function kustomizationResources(text: string): KustomizationEntry[] {
  const lines = new LineCounter();
  const out: KustomizationEntry[] = [];
  for (const doc of parseAllDocuments(text, { lineCounter: lines })) {
    if (!("contents" in doc) || doc.errors.length > 0 || !isMap(doc.contents)) continue;
    for (const item of doc.contents.items) {
      if (
        !isScalar(item.key) ||
        !["resources", "bases", "components"].includes(String(item.key.value))
      )
        continue;
      if (!isSeq(item.value)) continue;
      for (const entry of item.value.items) {
        if (!isScalar(entry) || typeof entry.value !== "string") continue;
        if (/^[a-z][a-z0-9+.-]*:\/\/|^git@|^github\.com\//i.test(entry.value)) continue;
        out.push({ path: entry.value, line: lines.linePos(entry.range?.[0] ?? 0).line });
      }
    }
  }
  return out;
}
