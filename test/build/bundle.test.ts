import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../run/e2e-helpers.js";

// The suite's global setup has built dist/ (scripts/build.mjs) before this file runs.
const DIST = path.join(ROOT, "dist");

interface SourceMap {
  sources: string[];
  sourcesContent?: (string | null)[];
}

const mapOf = (file: string): SourceMap =>
  JSON.parse(fs.readFileSync(`${file}.map`, "utf8")) as SourceMap;

/** The files an ES module imports statically (`from "./x.js"`), transitively, itself included. */
function staticClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, "utf8");
    for (const match of text.matchAll(/(?:from|import)\s*"(\.[^"]+)"/g)) {
      visit(path.resolve(path.dirname(file), match[1] as string));
    }
  };
  visit(entry);
  return [...seen];
}

/** The source files bundled into `files`, from their source maps, relative to the root. */
function sourcesOf(files: readonly string[]): string[] {
  return files.flatMap((file) =>
    mapOf(file).sources.map((s) => path.relative(ROOT, path.resolve(path.dirname(file), s))),
  );
}

describe("the built CLI", () => {
  it("starts by loading only what every run needs; each mode's own code is loaded when used", () => {
    const closure = staticClosure(path.join(DIST, "cli.js"));
    const loaded = sourcesOf(closure);
    expect(loaded).toContain("src/cli.ts");
    expect(loaded).toContain("src/cli/main.ts");
    // The session, with node:child_process and node:net, is for live runs only.
    expect(loaded).not.toContain("src/session/bash.ts");
    for (const file of closure) {
      expect(fs.readFileSync(file, "utf8")).not.toMatch(/from\s*"node:(child_process|net)"/);
    }
    const lazy = [
      /^node_modules\/(marked|chalk|wrap-ansi|string-width|yaml|ajv|execa)\//,
      /^src\/(check|kube|plan|run|walk)\//,
      /^src\/present\/render\.ts$/,
    ];
    for (const source of loaded) {
      for (const pattern of lazy)
        expect(source, `${source} is loaded at start`).not.toMatch(pattern);
    }
  });

  it("has a source map beside every file, with the sources in it, for stack traces into src/", () => {
    const files = [
      ...["cli.js", "index.js"].map((f) => path.join(DIST, f)),
      ...fs
        .readdirSync(path.join(DIST, "chunks"))
        .filter((f) => f.endsWith(".js"))
        .map((f) => path.join(DIST, "chunks", f)),
    ];
    expect(files.length).toBeGreaterThan(4);
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      expect(text).toMatch(new RegExp(`//# sourceMappingURL=${path.basename(file)}\\.map\\s*$`));
      const map = mapOf(file);
      expect(map.sourcesContent?.length).toBe(map.sources.length);
    }
    expect(sourcesOf([path.join(DIST, "cli.js")])).toContain("src/cli.ts");
  });

  it("keeps the native and WebAssembly packages outside the bundle", () => {
    const all = fs
      .readdirSync(path.join(DIST, "chunks"))
      .filter((f) => f.endsWith(".js"))
      .map((f) => path.join(DIST, "chunks", f));
    const bundled = sourcesOf([path.join(DIST, "cli.js"), ...all]);
    for (const source of bundled) {
      expect(source).not.toMatch(
        /^node_modules\/(@lydell|web-tree-sitter|tree-sitter-bash|@kubernetes)\//,
      );
    }
  });
});
