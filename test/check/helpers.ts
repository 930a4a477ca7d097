import * as fs from "node:fs";
import * as path from "node:path";
import {
  analyzeDemo,
  type CheckIo,
  type CheckRequest,
  type Finding,
  runCheck,
} from "../../src/check/check.js";
import { sortFindings } from "../../src/check/report.js";

export const CWD = "/demo";

/** A CheckIo over files held in memory (folders are implied by the paths). */
export function memoryIo(
  files: Record<string, string>,
  which: (name: string, pathEnv: string) => string | undefined = (name) => `/usr/bin/${name}`,
  cwd = CWD,
): CheckIo & { out: () => string; err: () => string } {
  const byPath = new Map(
    Object.entries(files).map(([name, text]) => [path.resolve(cwd, name), text]),
  );
  const dirs = new Set<string>(["/"]);
  for (const file of byPath.keys()) {
    for (let d = path.dirname(file); !dirs.has(d); d = path.dirname(d)) dirs.add(d);
  }
  let out = "";
  let err = "";
  return {
    stdout: {
      write: (t) => {
        out += t;
      },
    },
    stderr: {
      write: (t) => {
        err += t;
      },
    },
    cwd,
    readFile(absolute) {
      const data = byPath.get(absolute);
      if (data !== undefined) return { ok: true, data };
      return { ok: false, reason: dirs.has(absolute) ? "is a directory" : "no such file" };
    },
    kindOf: (absolute) => (byPath.has(absolute) ? "file" : dirs.has(absolute) ? "dir" : undefined),
    listDir: (absolute) =>
      [...byPath.keys(), ...dirs]
        .filter((p) => p !== absolute && path.dirname(p) === absolute)
        .map((p) => path.basename(p)),
    which,
    out: () => out,
    err: () => err,
  };
}

/** A CheckIo over the real disk, rooted at `cwd`, with a fake PATH lookup. */
export function diskIo(
  cwd: string,
  which: (name: string, pathEnv: string) => string | undefined = (name) => `/usr/bin/${name}`,
): CheckIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    stdout: {
      write: (t) => {
        out += t;
      },
    },
    stderr: {
      write: (t) => {
        err += t;
      },
    },
    cwd,
    readFile(absolute) {
      try {
        return { ok: true, data: fs.readFileSync(absolute) };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return { ok: false, reason: code === "ENOENT" ? "no such file" : String(code) };
      }
    },
    kindOf(absolute) {
      try {
        return fs.statSync(absolute).isDirectory() ? "dir" : "file";
      } catch {
        return undefined;
      }
    },
    listDir: (absolute) => fs.readdirSync(absolute),
    which,
    out: () => out,
    err: () => err,
  };
}

export function request(
  file: string,
  options: Partial<Omit<CheckRequest, "file">> = {},
): CheckRequest {
  return {
    file,
    args: [],
    env: { PATH: "/usr/bin:/bin", HOME: "/home/me" },
    load: { builtins: true, init: false, home: undefined },
    crds: [],
    format: "text",
    githubActions: false,
    shellCommand: "/usr/local/bin/demoshts",
    ...options,
  };
}

/** A finding in one short line, for comparisons: `file:line[:col] severity rule: message`. */
export function brief(f: Finding): string {
  const where = `${f.file}:${f.line}${f.column === undefined ? "" : `:${f.column}`}`;
  return `${where} ${f.severity} ${f.rule}: ${f.message}`;
}

/** Checks `main` among `files` (in memory) and returns the findings in brief, in report order. */
export async function findings(
  files: Record<string, string>,
  main: string,
  options: Partial<Omit<CheckRequest, "file">> = {},
  which?: (name: string, pathEnv: string) => string | undefined,
): Promise<string[]> {
  const result = await analyzeDemo(request(main, options), memoryIo(files, which));
  if (result.fatal) throw new Error(`unexpected fatal: ${result.fatal.message}`);
  return sortFindings(result.findings).map(brief);
}

/** Runs the whole check (printing) over files in memory. */
export async function run(
  files: Record<string, string>,
  main: string,
  options: Partial<Omit<CheckRequest, "file">> = {},
  which?: (name: string, pathEnv: string) => string | undefined,
): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo(files, which);
  const code = await runCheck(request(main, options), io);
  return { code, out: io.out(), err: io.err() };
}

/** The 1-based line of the first line of `text` that contains `needle`. */
export function lineOf(text: string, needle: string, from = 1): number {
  const lines = text.split("\n");
  for (let i = from - 1; i < lines.length; i++) {
    if ((lines[i] as string).includes(needle)) return i + 1;
  }
  throw new Error(`${JSON.stringify(needle)} not found`);
}

/** Lines joined with newlines, with a final one. */
export const lines = (...text: string[]): string => `${text.join("\n")}\n`;

/** A Markdown demo made of shell blocks, one per argument. */
export function markdown(...blocks: string[]): string {
  return blocks.map((b) => `\`\`\`bash\n${b}\n\`\`\`\n`).join("\n");
}

/** A CRD for the kind Route (example.com/v1), with a small schema. */
export const ROUTE_CRD = lines(
  "apiVersion: apiextensions.k8s.io/v1",
  "kind: CustomResourceDefinition",
  "metadata:",
  "  name: routes.example.com",
  "spec:",
  "  group: example.com",
  "  scope: Namespaced",
  "  names: { kind: Route, plural: routes, singular: route, listKind: RouteList }",
  "  versions:",
  "    - name: v1",
  "      served: true",
  "      storage: true",
  "      schema:",
  "        openAPIV3Schema:",
  "          type: object",
  "          properties:",
  "            apiVersion: { type: string }",
  "            kind: { type: string }",
  "            metadata: { type: object }",
  "            spec:",
  "              type: object",
  "              properties:",
  "                weight: { type: integer, minimum: 0 }",
  "                backend: { type: string }",
  "    - name: v1alpha1",
  "      served: false",
  "      storage: false",
);

/** A Route manifest with this spec. */
export const route = (spec: string, apiVersion = "example.com/v1"): string =>
  lines(`apiVersion: ${apiVersion}`, "kind: Route", "metadata:", "  name: r", "spec:", spec);
