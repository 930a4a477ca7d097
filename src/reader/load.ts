import * as path from "node:path";
import type { Diagnostic, MacroStep, Script, Step } from "../script/types.js";
import { macroCalled } from "../util/words.js";
import { BUILTINS, BUILTINS_LABEL } from "./builtins.js";
import { type FileData, ReadError, type ReadHost, ReadSession } from "./read.js";

export interface LoadOptions {
  /** Define the builtin macros first (demosh's default; `--no-builtins` turns it off). */
  readonly builtins: boolean;
  /** Read the first init file found (demosh's default; `--no-init` turns it off). */
  readonly init: boolean;
  /** The home directory, for `~/.demoshrc`; undefined when there is none. */
  readonly home: string | undefined;
}

export type LoadResult =
  | { readonly ok: true; readonly script: Script }
  | { readonly ok: false; readonly error: Diagnostic; readonly warnings: readonly Diagnostic[] };

/** The init files, in the order they are looked for; the first that exists is read. */
export function initCandidates(home: string | undefined): { label: string; path: string }[] {
  const local = [
    { label: ".demoshrc", path: ".demoshrc" },
    { label: ".demoshrc.md", path: ".demoshrc.md" },
  ];
  if (home === undefined) return local;
  return [
    ...local,
    { label: "~/.demoshrc", path: path.join(home, ".demoshrc") },
    { label: "~/.demoshrc.md", path: path.join(home, ".demoshrc.md") },
  ];
}

/**
 * Reads a demo script and everything it pulls in (builtins, init file, imports)
 * into one located model. Pure apart from `host.readFile`; never throws for bad
 * input: problems come back as a located diagnostic.
 */
export function loadScript(
  file: string,
  options: LoadOptions,
  host: ReadHost,
  label = file,
): LoadResult {
  const session = new ReadSession(host);
  try {
    const steps: Step[] = [];
    if (options.builtins) steps.push(...session.readText(BUILTINS_LABEL, BUILTINS, "shell"));
    if (options.init) {
      for (const candidate of initCandidates(options.home)) {
        const absolute = path.resolve(host.cwd, candidate.path);
        const found = host.readFile(absolute);
        if (found.ok) {
          steps.push(...session.readFile(candidate.label, absolute, found.data));
          break;
        }
      }
    }
    const absolute = path.resolve(host.cwd, file);
    const found: FileData = host.readFile(absolute);
    if (!found.ok) {
      return {
        ok: false,
        error: {
          severity: "error",
          loc: { file: label, line: 1 },
          message: `cannot read ${label}: ${found.reason}`,
          hint: "check the path; it is relative to the current directory",
        },
        warnings: session.warnings,
      };
    }
    steps.push(...session.readFile(label, absolute, found.data));
    const loop = findMacroLoop(session.macros);
    if (loop) return { ok: false, error: loop, warnings: session.warnings };
    return {
      ok: true,
      script: {
        file: label,
        steps,
        macros: session.macros,
        hooks: session.hooks,
        warnings: session.warnings,
        files: session.files,
        kubeContext: session.kubeContext,
      },
    };
  } catch (error) {
    if (error instanceof ReadError) {
      return { ok: false, error: error.diagnostic, warnings: session.warnings };
    }
    throw error;
  }
}

/** Reads a script held in memory, with no other files reachable: for tests and tools. */
export function readScriptText(
  text: string | Uint8Array,
  file: string,
  options: Partial<LoadOptions> = {},
  files: Record<string, string | Uint8Array> = {},
  cwd = "/demo",
): LoadResult {
  const all: Record<string, string | Uint8Array> = { ...files, [file]: text };
  const byPath = new Map(
    Object.entries(all).map(([name, data]) => [path.resolve(cwd, name), data]),
  );
  const host: ReadHost = {
    cwd,
    readFile(absolute) {
      const data = byPath.get(absolute);
      return data === undefined ? { ok: false, reason: "no such file" } : { ok: true, data };
    },
  };
  return loadScript(
    file,
    { builtins: options.builtins ?? false, init: options.init ?? false, home: options.home },
    host,
  );
}

/** The macro calls made by a list of steps (ifhook bodies included), as the walk would resolve them. */
function callsIn(
  steps: readonly Step[],
  macros: ReadonlyMap<string, MacroStep>,
): { readonly step: Step; readonly callee: string }[] {
  return steps.flatMap((step) => {
    if (step.kind === "ifhook") return callsIn(step.body, macros);
    if (step.kind !== "command" && step.kind !== "immediate") return [];
    const callee = macroCalled(step.text, (name) => macros.has(name));
    return callee === undefined ? [] : [{ step, callee }];
  });
}

/** A macro that calls itself, directly or through others, would run forever: report the call that closes the loop. */
function findMacroLoop(macros: ReadonlyMap<string, MacroStep>): Diagnostic | undefined {
  const done = new Set<string>();
  const visit = (chain: readonly string[]): Diagnostic | undefined => {
    const name = chain[chain.length - 1] as string;
    const macro = macros.get(name);
    if (!macro || done.has(name)) return undefined;
    for (const { step, callee } of callsIn(macro.body, macros)) {
      const at = chain.indexOf(callee);
      if (at >= 0) {
        return {
          severity: "error",
          loc: step.loc,
          message: `macro ${callee} calls itself (${[...chain.slice(at), callee].join(" -> ")}), so it would never end`,
          hint: "remove the call that closes the loop",
        };
      }
      const found = visit([...chain, callee]);
      if (found) return found;
    }
    done.add(name);
    return undefined;
  };
  for (const name of macros.keys()) {
    const found = visit([name]);
    if (found) return found;
  }
  return undefined;
}
