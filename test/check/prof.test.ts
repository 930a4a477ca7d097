import * as fs from "node:fs";
import * as path from "node:path";
import { it } from "vitest";
import { analyzeDemo } from "../../src/check/check.js";

it("p", async () => {
  const cwd = path.resolve(".");
  const io = {
      stdout: { write: () => {} }, stderr: { write: () => {} }, cwd,
      readFile: (p: string) => { try { return { ok: true as const, data: fs.readFileSync(p) }; } catch (e) { return { ok: false as const, reason: String(e) }; } },
      kindOf: (p: string) => { try { const s = fs.statSync(p); return s.isDirectory() ? "dir" as const : "file" as const; } catch { return undefined; } },
      listDir: (p: string) => fs.readdirSync(p),
      which: () => "/x",
    };
  const req = { file: "README.md", args: [], env: { DEMO_MESH: "istio", PATH: "/usr/bin", HOME: "/tmp" }, load: { builtins: true, init: false, home: undefined }, crds: [], format: "text" as const, githubActions: false, shellCommand: "/usr/bin/demoshts" };
  for (let i = 0; i < 3; i++) await analyzeDemo(req, io);
});
