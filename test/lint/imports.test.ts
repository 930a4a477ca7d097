import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../../src", import.meta.url));

/** Every source file with the folders (under src/) of the modules it imports, static or dynamic. */
function imports(): { file: string; targets: string[] }[] {
  const out: { file: string; targets: string[] }[] = [];
  const stack = [SRC];
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.name.endsWith(".ts")) {
        const text = fs.readFileSync(full, "utf8");
        const targets = [...text.matchAll(/(?:from|import\()\s*"(\.[^"]+)"/g)].map((m) =>
          path.relative(SRC, path.resolve(path.dirname(full), m[1] as string)),
        );
        out.push({ file: path.relative(SRC, full), targets });
      }
    }
  }
  return out;
}

const folder = (p: string): string => (p.includes(path.sep) ? (p.split(path.sep)[0] as string) : p);

describe("import directions", () => {
  const all = imports();

  it("finds the sources", () => {
    expect(all.some((f) => f.file === path.join("check", "check.ts"))).toBe(true);
  });

  it("keeps the command line on top: nothing below it imports cli/ or cli.ts", () => {
    // The entry points (the command and the API) sit beside it, at the top.
    const wrong = all.flatMap(({ file, targets }) =>
      folder(file) === "cli" || file === "cli.ts" || file === "index.ts"
        ? []
        : targets
            .filter((t) => folder(t) === "cli" || t === "cli.js")
            .map((t) => `${file} -> ${t}`),
    );
    expect(wrong).toEqual([]);
  });

  it("keeps kube/ and the shell analysis free of check/ and doctor/", () => {
    const wrong = all.flatMap(({ file, targets }) =>
      ["kube", "shell"].includes(folder(file))
        ? targets
            .filter((t) => ["check", "doctor"].includes(folder(t)))
            .map((t) => `${file} -> ${t}`)
        : [],
    );
    expect(wrong).toEqual([]);
  });

  it("keeps check/ and doctor/ apart: each is a command of its own", () => {
    const wrong = all.flatMap(({ file, targets }) => {
      const from = folder(file);
      const other = from === "check" ? "doctor" : from === "doctor" ? "check" : undefined;
      return other ? targets.filter((t) => folder(t) === other).map((t) => `${file} -> ${t}`) : [];
    });
    expect(wrong).toEqual([]);
  });

  it("keeps demosh's word splitting in the reader: after it, only the plan reads its words", () => {
    const words = path.join("reader", "words");
    const wrong = all.flatMap(({ file, targets }) =>
      ["reader", "plan"].includes(folder(file))
        ? []
        : targets.filter((t) => t.startsWith(words)).map((t) => `${file} -> ${t}`),
    );
    expect(wrong).toEqual([]);
    expect(fs.existsSync(path.join(SRC, "util", "words.ts"))).toBe(false);
    expect(fs.existsSync(path.join(SRC, "util", "expand.ts"))).toBe(false);
  });

  it("loads the bash grammar only where it is needed, never at a live run's start", () => {
    const loaders = all.filter(({ targets }) =>
      targets.some((t) => t.startsWith("web-tree-sitter")),
    );
    expect(loaders).toEqual([]);
    const text = fs.readFileSync(path.join(SRC, "shell", "syntax.ts"), "utf8");
    expect(text).toMatch(/await import\("web-tree-sitter"\)/);
    expect(text).not.toMatch(/^import [^t].*from "web-tree-sitter"/m);
    const runSide = all.filter(({ file }) =>
      ["run", "session", "present", "walk", "reader"].includes(folder(file)),
    );
    const wrong = runSide.flatMap(({ file, targets }) =>
      targets.filter((t) => folder(t) === "shell").map((t) => `${file} -> ${t}`),
    );
    expect(wrong).toEqual([]);
  });
});
