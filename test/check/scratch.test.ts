import * as fs from "node:fs";
import * as path from "node:path";
import { it } from "vitest";
import { analyzeDemo } from "../../src/check/check.js";

it("scratch", async () => {
  const cwd = path.resolve(".");
  for (const mesh of ["linkerd", "istio"]) {
    const t0 = Date.now();
    const r = await analyzeDemo(
      {
        file: "README.md",
        args: [],
        env: { DEMO_MESH: mesh, PATH: "/usr/bin", HOME: "/tmp" },
        load: { builtins: true, init: false, home: undefined },
        crds: [],
        format: "text",
        githubActions: false,
        shellCommand: "/usr/bin/demoshts",
      },
      {
        stdout: { write: () => {} },
        stderr: { write: () => {} },
        cwd,
        readFile: (p) => {
          try {
            return { ok: true, data: fs.readFileSync(p) };
          } catch (e) {
            return { ok: false, reason: String(e) };
          }
        },
        kindOf: (p) => {
          try {
            const s = fs.statSync(p);
            return s.isDirectory() ? "dir" : "file";
          } catch {
            return undefined;
          }
        },
        listDir: (p) => fs.readdirSync(p),
        which: () => undefined,
      },
    );
    console.log(
      Date.now() - t0,
      [...r.commands.entries()].map(([k, v]) => `${k} ${v.file}:${v.line}`).join("\n"),
      r.findings
        .map((f) => `${f.file}:${f.line} ${f.severity} ${f.message} (${f.hint})`)
        .join("\n"),
    );
  }
});
