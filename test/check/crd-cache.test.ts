/**
 * The CRDs check keeps between runs: a second check of the same demo finds
 * the same problems from the stored CRDs, a changed CRD file is read again,
 * and a store entry that is damaged or written by another build is passed over.
 * Each check here starts from a fresh copy of the checker, as a new process would.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { sortFindings } from "../../src/check/report.js";
import { brief, lines, memoryIo, ROUTE_CRD, request, route } from "./helpers.js";

const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function storeDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "demoshts-crd-cache-"));
  made.push(dir);
  return path.join(dir, "crds");
}

async function check(
  files: Record<string, string>,
  store: { dir: string; stamp: string } | undefined,
): Promise<string[]> {
  const io = { ...memoryIo(files), crdCache: () => store };
  // A fresh copy of the checker, as in a new process: nothing kept in memory.
  vi.resetModules();
  const { analyzeDemo } = await import("../../src/check/check.js");
  const result = await analyzeDemo(request("demo.sh"), io);
  if (result.fatal) throw new Error(`unexpected fatal: ${result.fatal.message}`);
  return sortFindings(result.findings).map(brief);
}

const stored = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

const FILES = {
  "demo.sh": lines("kubectl apply -f crds.yaml", "kubectl apply -f route.yaml"),
  "crds.yaml": ROUTE_CRD,
  "route.yaml": route("  weight: -1\n  backend: 3"),
};
const PROBLEMS = [
  "route.yaml:6:11 error manifest: spec.weight: must be >= 0 (got -1)",
  "route.yaml:7:12 error manifest: spec.backend: must be string (got number 3)",
];

describe("CRDs kept between checks", () => {
  it("finds the same problems from the stored CRDs as from the file", async () => {
    const dir = storeDir();
    const store = { dir, stamp: "build 1" };
    expect(await check(FILES, undefined)).toEqual(PROBLEMS);
    expect(await check(FILES, store)).toEqual(PROBLEMS);
    expect(stored(dir)).toHaveLength(1);
    const entry = path.join(dir, stored(dir)[0] as string);
    const written = fs.statSync(entry).mtimeMs;
    expect(await check(FILES, store)).toEqual(PROBLEMS);
    // Read back, not written again.
    expect(fs.statSync(entry).mtimeMs).toBe(written);
    expect(stored(dir)).toHaveLength(1);
  });

  it("reads a changed CRD file again", async () => {
    const dir = storeDir();
    const store = { dir, stamp: "build 1" };
    expect(await check(FILES, store)).toEqual(PROBLEMS);
    const changed = {
      ...FILES,
      "crds.yaml": ROUTE_CRD.replace("backend: { type: string }", "backend: { type: integer }"),
    };
    expect(await check(changed, store)).toEqual([PROBLEMS[0]]);
    expect(stored(dir)).toHaveLength(2);
  });

  it("passes over an entry that is damaged or was written by another build", async () => {
    const dir = storeDir();
    expect(await check(FILES, { dir, stamp: "build 1" })).toEqual(PROBLEMS);
    const entry = path.join(dir, stored(dir)[0] as string);
    // Another build: its entry is not used, and this build's replaces it.
    const lying = JSON.parse(fs.readFileSync(entry, "utf8"));
    lying.crds = [];
    fs.writeFileSync(entry, JSON.stringify(lying));
    expect(await check(FILES, { dir, stamp: "build 2" })).toEqual(PROBLEMS);
    expect(JSON.parse(fs.readFileSync(entry, "utf8")).stamp).toBe("build 2");
    fs.writeFileSync(entry, "{ not json");
    expect(await check(FILES, { dir, stamp: "build 2" })).toEqual(PROBLEMS);
    fs.writeFileSync(entry, JSON.stringify({ stamp: "build 2", crds: [{ kind: 1 }] }));
    expect(await check(FILES, { dir, stamp: "build 2" })).toEqual(PROBLEMS);
  });

  it("stores nothing for a CRD file that does not parse or holds more than CRDs", async () => {
    const dir = storeDir();
    const store = { dir, stamp: "build 1" };
    const broken = { ...FILES, "crds.yaml": `${ROUTE_CRD}  bad: [\n` };
    const first = await check(broken, store);
    expect(first.some((f) => f.startsWith("crds.yaml:") && f.includes("yaml-syntax"))).toBe(true);
    expect(await check(broken, store)).toEqual(first);
    const mixed = { ...FILES, "crds.yaml": `${ROUTE_CRD}---\n${route("  weight: 1")}` };
    expect(await check(mixed, store)).toEqual(PROBLEMS);
    expect(stored(dir)).toEqual([]);
  });

  it("keeps working when the store cannot be written", async () => {
    const dir = storeDir();
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.writeFileSync(dir, "a file where the directory would go");
    expect(await check(FILES, { dir, stamp: "build 1" })).toEqual(PROBLEMS);
  });
});

describe("CRDs kept in one process", () => {
  it("finds the same problems when the same CRD file is checked again, or changed", async () => {
    vi.resetModules();
    const { analyzeDemo } = await import("../../src/check/check.js");
    const run = async (files: Record<string, string>) =>
      sortFindings((await analyzeDemo(request("demo.sh"), memoryIo(files))).findings).map(brief);
    expect(await run(FILES)).toEqual(PROBLEMS);
    expect(await run(FILES)).toEqual(PROBLEMS);
    const changed = {
      ...FILES,
      "crds.yaml": ROUTE_CRD.replace("minimum: 0", "minimum: -5"),
    };
    expect(await run(changed)).toEqual([PROBLEMS[1]]);
    expect(await run(FILES)).toEqual(PROBLEMS);
    // The same CRDs in a file under another name are that file's.
    const moved = {
      ...FILES,
      "demo.sh": lines("kubectl apply -f other.yaml", "kubectl apply -f route.yaml"),
      "other.yaml": ROUTE_CRD,
    };
    expect(await run(moved)).toEqual(PROBLEMS);
  });
});
