import { describe, expect, it } from "vitest";
import { LineCounter, parseDocument } from "yaml";
import { isKubernetesDuration } from "../../src/kube/formats.js";
import { formatPath, locate, segmentsFromPointer } from "../../src/kube/locate.js";
import { findDuplicate, normalize, prepareSchema } from "../../src/kube/structural.js";
import { closestName, editDistance } from "../../src/kube/suggest.js";

describe("isKubernetesDuration", () => {
  it.each(["300ms", "1h30m", "1.5h", ".5s", "0", "-1s", "+2m", "10us", "10µs", "1h0m0s"])(
    "accepts Go's syntax: %s",
    (text) => expect(isKubernetesDuration(text)).toBe(true),
  );
  it.each(["300 ms", "5 minutes", "2 days", "1w", "3 hours 5 sec"])(
    "accepts the API server's looser syntax: %s",
    (text) => expect(isKubernetesDuration(text)).toBe(true),
  );
  it.each(["", "soon", "5", "5 parsecs", "ms", "1.5 hours", "PT5M"])("rejects %j", (text) =>
    expect(isKubernetesDuration(text)).toBe(false),
  );
});

describe("closestName", () => {
  it("finds near misses: a typo, a swap, a missing letter, letter case, a prefix", () => {
    const rule = ["matches", "filters", "backendRefs", "timeouts", "sessionPersistence"];
    expect(closestName("timeout", rule)).toBe("timeouts");
    expect(closestName("fitlers", rule)).toBe("filters");
    expect(closestName("backendrefs", rule)).toBe("backendRefs");
    expect(closestName("backend", rule)).toBe("backendRefs");
    expect(closestName("weigth", ["name", "port", "weight"])).toBe("weight");
  });
  it("offers nothing when no name is close", () => {
    expect(closestName("status", ["spec"])).toBeUndefined();
    expect(closestName("idle", ["request", "backendRequest"])).toBeUndefined();
    expect(closestName("x", [])).toBeUndefined();
  });
  it("counts edits", () => {
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("weigth", "weight")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });
});

describe("paths", () => {
  it("are written the Kubernetes way", () => {
    expect(formatPath(["spec", "rules", 0, "backendRefs", 1, "weight"])).toBe(
      "spec.rules[0].backendRefs[1].weight",
    );
    expect(formatPath(["metadata", "annotations", "linkerd.io/inject"])).toBe(
      'metadata.annotations["linkerd.io/inject"]',
    );
    expect(formatPath(["metadata", "labels", "x-faces-user"])).toBe("metadata.labels.x-faces-user");
    expect(formatPath([])).toBe("");
  });

  it("come from JSON Pointers, indexes as numbers only inside lists", () => {
    const data = { spec: { rules: [{ "0": "key", "a/b": 1 }] } };
    expect(segmentsFromPointer("/spec/rules/0/0", data)).toEqual(["spec", "rules", 0, "0"]);
    expect(segmentsFromPointer("/spec/rules/0/a~1b", data)).toEqual(["spec", "rules", 0, "a/b"]);
    expect(segmentsFromPointer("", data)).toEqual([]);
  });

  it("are located in the YAML: values, keys, aliases, and the deepest node that exists", () => {
    const text = [
      "base: &ref",
      "  port: 80",
      "spec:",
      "  rules:",
      "    - backendRefs:",
      "        - name: smiley",
      "          weight:",
      "    - *ref",
      "",
    ].join("\n");
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter });
    const at = (path: (string | number)[], where: "key" | "value" = "value") =>
      locate(doc, lineCounter, path, where);
    expect(at(["spec", "rules", 0, "backendRefs", 0, "name"])).toEqual({ line: 6, column: 17 });
    expect(at(["spec", "rules", 0, "backendRefs", 0, "name"], "key")).toEqual({
      line: 6,
      column: 11,
    });
    // `weight:` has no value of its own: point at its key.
    expect(at(["spec", "rules", 0, "backendRefs", 0, "weight"])).toEqual({ line: 7, column: 11 });
    // Through the alias to the anchored mapping.
    expect(at(["spec", "rules", 1, "port"])).toEqual({ line: 2, column: 9 });
    // Missing beyond `rules[0]`: the deepest node that exists.
    expect(at(["spec", "rules", 0, "matches", 0])).toEqual({ line: 5, column: 7 });
    expect(at([])).toEqual({ line: 1, column: 1 });
  });
});

describe("structural helpers", () => {
  it("prepareSchema leaves its input alone and describes apiVersion, kind and metadata", () => {
    const input = {
      type: "object",
      description: "doc",
      properties: { spec: { type: "object", description: "doc" } },
    };
    const copy = structuredClone(input);
    const formats = new Set<string>();
    const prepared = prepareSchema(input, formats);
    expect(input).toEqual(copy);
    expect(Object.keys(prepared.properties as object).sort()).toEqual([
      "apiVersion",
      "kind",
      "metadata",
      "spec",
    ]);
    expect(JSON.stringify(prepared)).not.toContain("description");
  });

  it("normalize drops nulls, fills defaults and reports unknown fields", () => {
    const schema = prepareSchema(
      {
        type: "object",
        properties: {
          spec: {
            type: "object",
            properties: {
              mode: { type: "string", default: "fast" },
              note: { type: "string", nullable: true },
              nested: {
                type: "object",
                default: {},
                properties: { depth: { type: "integer", default: 1 } },
              },
            },
          },
        },
      },
      new Set(),
    );
    const data = {
      apiVersion: "x/v1",
      kind: "X",
      metadata: { name: "n", anything: true },
      spec: { mode: null, note: null, other: 1 },
    };
    const unknown: { path: (string | number)[]; allowed: string[] }[] = [];
    normalize(data, schema, [], unknown);
    expect(data.spec).toEqual({ mode: "fast", note: null, nested: { depth: 1 } });
    expect(unknown).toEqual([{ path: ["spec", "other"], allowed: ["mode", "note", "nested"] }]);
  });

  it("findDuplicate follows x-kubernetes-list-type", () => {
    expect(findDuplicate("set", undefined, ["a", "b", "a"])).toEqual({
      first: 0,
      second: 2,
      what: 'the value "a"',
    });
    const headers = [
      { name: "a", value: "1" },
      { name: "b", value: "1" },
      { name: "a", value: "2" },
    ];
    expect(findDuplicate("map", ["name"], headers)).toEqual({
      first: 0,
      second: 2,
      what: 'name "a"',
    });
    expect(findDuplicate("map", ["name", "value"], headers)).toBeUndefined();
    expect(findDuplicate("atomic", undefined, ["a", "a"])).toBeUndefined();
  });
});
