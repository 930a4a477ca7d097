import * as path from "node:path";
import type { Diagnostic, Script, Step } from "../script/types.js";
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
    return {
      ok: true,
      script: {
        file: label,
        steps,
        macros: session.macros,
        hooks: session.hooks,
        warnings: session.warnings,
        files: session.files,
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
