import * as path from "node:path";
import { type PlanRecord, planDemo } from "../../src/plan/plan.js";
import type { ReadHost } from "../../src/reader/read.js";
import type { Diagnostic } from "../../src/script/types.js";

export const CWD = "/demo";

/** A read host over files held in memory, rooted at /demo. */
export function memoryHost(files: Record<string, string>, cwd = CWD): ReadHost {
  const byPath = new Map(
    Object.entries(files).map(([name, text]) => [path.resolve(cwd, name), text]),
  );
  return {
    cwd,
    readFile(absolute) {
      const data = byPath.get(absolute);
      return data === undefined ? { ok: false, reason: "no such file" } : { ok: true, data };
    },
  };
}

export interface PlanOptions {
  env?: Record<string, string>;
  args?: string[];
  builtins?: boolean;
  init?: boolean;
  home?: string;
  /** false: plan as a live run counts its steps, without the bash parser. */
  parse?: boolean;
}

/** Plans `main` among `files` and returns the records, failing the test on a read error. */
export async function plan(
  files: Record<string, string>,
  main: string,
  options: PlanOptions = {},
): Promise<PlanRecord[]> {
  const result = await planResult(files, main, options);
  if (!result.ok) throw new Error(`unexpected error: ${JSON.stringify(result.error)}`);
  return [...result.records];
}

export async function planResult(
  files: Record<string, string>,
  main: string,
  options: PlanOptions = {},
) {
  return planDemo(
    {
      file: main,
      args: options.args ?? [],
      env: options.env ?? {},
      load: {
        builtins: options.builtins ?? true,
        init: options.init ?? false,
        home: options.home,
      },
      shellCommand: "/usr/local/bin/demoshts",
      ...(options.parse === undefined ? {} : { parse: options.parse }),
    },
    memoryHost(files),
  );
}

/** The records reduced to what a reader compares: kind, location, and the key facts. */
export function brief(records: readonly PlanRecord[]): string[] {
  return records.map(briefOne);
}

function briefOne(r: PlanRecord): string {
  {
    const at = `${"  ".repeat(r.depth)}${r.file}:${r.line}`;
    switch (r.kind) {
      case "command": {
        const flags = [
          r.display,
          r.waitBefore ? "key-before" : "",
          r.waitAfter ? "key-after" : "",
          r.runs ? "" : "not-run",
        ].filter(Boolean);
        return `${at} command [${flags.join(",")}] ${r.text}`;
      }
      case "macro":
        return `${at} macro ${r.name} [${r.display}${r.waitBefore ? ",key-before" : ""}]`;
      case "macro-end":
        return `${at} macro-end ${r.name}${r.waitAfter ? " [key-after]" : ""}`;
      case "commentary":
        return `${at} commentary ${JSON.stringify(r.text)}`;
      case "print":
        return `${at} print ${r.text}`;
      case "wait":
        return `${at} wait`;
      case "ifhook":
        return `${at} ifhook ${r.name} ${r.live ? "live" : "not-live"}`;
      case "nested":
        return `${at} nested ${r.target} ${r.args.join(" ")}`.trimEnd();
    }
  }
}

export function errorOf(result: Awaited<ReturnType<typeof planResult>>): Diagnostic {
  if (result.ok) throw new Error("expected a read error, got a plan");
  return result.error;
}
