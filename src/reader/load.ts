import * as path from "node:path";
import type { Diagnostic, MacroStep, Script, Step } from "../script/types.js";
import { BUILTINS, BUILTINS_LABEL } from "./builtins.js";
import { describeChain, MAX_EXPANDED_STEPS, MAX_MACRO_CALL_DEPTH } from "./limits.js";
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
    const add = (more: readonly Step[]): void => {
      for (const step of more) steps.push(step);
    };
    if (options.builtins) add(session.readText(BUILTINS_LABEL, BUILTINS, "shell"));
    if (options.init) {
      for (const candidate of initCandidates(options.home)) {
        const absolute = path.resolve(host.cwd, candidate.path);
        const found = host.readFile(absolute);
        if (found.ok) {
          add(session.readFile(candidate.label, absolute, found.data));
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
    add(session.readFile(label, absolute, found.data));
    const loop = checkMacros(steps, session.macros);
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

interface Call {
  readonly step: Step;
  readonly callee: string;
}

/** The macro calls made by a list of steps (ifhook bodies included), as the walk would resolve them. */
function callsIn(steps: readonly Step[], macros: ReadonlyMap<string, MacroStep>): Call[] {
  const calls: Call[] = [];
  // In order, depth first: each open list and how far it has been read.
  const pending: { list: readonly Step[]; at: number }[] = [{ list: steps, at: 0 }];
  while (pending.length > 0) {
    const top = pending[pending.length - 1] as { list: readonly Step[]; at: number };
    if (top.at >= top.list.length) {
      pending.pop();
      continue;
    }
    const step = top.list[top.at++] as Step;
    if (step.kind === "ifhook") {
      pending.push({ list: step.body, at: 0 });
      continue;
    }
    if (step.kind !== "command" && step.kind !== "immediate") continue;
    const callee = step.calls;
    if (callee !== undefined && macros.has(callee)) calls.push({ step, callee });
  }
  return calls;
}

/** Adds without overflowing: anything past the limit is just "past the limit". */
function capped(a: number, b: number): number {
  return Math.min(a + b, MAX_EXPANDED_STEPS + 1);
}

/**
 * Follows the macro calls without recursion (how long a chain is, is the
 * input's choice): a macro that calls itself would never end; a call from the
 * demo that starts a chain deeper than MAX_MACRO_CALL_DEPTH is refused, and so
 * are calls that together expand to more than MAX_EXPANDED_STEPS steps
 * (macros that call others several times multiply).
 */
function checkMacros(
  steps: readonly Step[],
  macros: ReadonlyMap<string, MacroStep>,
): Diagnostic | undefined {
  const callsOf = new Map<string, Call[]>();
  const calls = (name: string): Call[] => {
    let found = callsOf.get(name);
    if (!found) {
      found = callsIn(macros.get(name)?.body ?? [], macros);
      callsOf.set(name, found);
    }
    return found;
  };
  /** Steps a call to the macro expands to, and the longest chain of calls it starts. */
  const size = new Map<string, number>();
  const height = new Map<string, number>();
  for (const root of macros.keys()) {
    if (size.has(root)) continue;
    const stack: { name: string; next: number }[] = [{ name: root, next: 0 }];
    const onStack = new Map<string, number>([[root, 0]]);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as (typeof stack)[number];
      const own = calls(frame.name);
      if (frame.next < own.length) {
        const call = own[frame.next++] as Call;
        const at = onStack.get(call.callee);
        if (at !== undefined) {
          const loop = describeChain(
            stack
              .slice(at)
              .map((f) => f.name)
              .concat(call.callee),
          );
          return {
            severity: "error",
            loc: call.step.loc,
            message: `macro ${call.callee} calls itself (${loop}), so it would never end`,
            hint: "remove the call that closes the loop",
          };
        }
        if (size.has(call.callee)) continue;
        onStack.set(call.callee, stack.length);
        stack.push({ name: call.callee, next: 0 });
        continue;
      }
      const body = macros.get(frame.name)?.body ?? [];
      let total = countSteps(body);
      let deepest = 0;
      for (const call of own) {
        total = capped(total, size.get(call.callee) ?? 0);
        deepest = Math.max(deepest, height.get(call.callee) ?? 0);
      }
      size.set(frame.name, total);
      height.set(frame.name, deepest + 1);
      onStack.delete(frame.name);
      stack.pop();
    }
  }
  let total = 0;
  for (const call of callsIn(steps, macros)) {
    const chainHeight = height.get(call.callee) ?? 0;
    if (chainHeight > MAX_MACRO_CALL_DEPTH) {
      return {
        severity: "error",
        loc: call.step.loc,
        message: `calling ${call.callee} here starts macro calls more than ${MAX_MACRO_CALL_DEPTH} macros deep (${describeChain(heaviest(call.callee, calls, height))})`,
        hint: "macros may call each other at most that deep",
      };
    }
    total = capped(total, size.get(call.callee) ?? 0);
    if (total > MAX_EXPANDED_STEPS) {
      return {
        severity: "error",
        loc: call.step.loc,
        message: `the macro calls up to here would run more than ${MAX_EXPANDED_STEPS.toLocaleString("en")} steps (${describeChain(heaviest(call.callee, calls, size))}: macros that call others several times multiply)`,
        hint: "call each macro fewer times, or split the demo",
      };
    }
  }
  return undefined;
}

/** Steps in a body, ifhook bodies included, without recursion. */
function countSteps(steps: readonly Step[]): number {
  let count = 0;
  const lists: (readonly Step[])[] = [steps];
  while (lists.length > 0) {
    const list = lists.pop() as readonly Step[];
    count = capped(count, list.length);
    for (const step of list) if (step.kind === "ifhook") lists.push(step.body);
  }
  return count;
}

/** The chain of calls from `name` that always follows the callee with the most of `measure`. */
function heaviest(
  name: string,
  calls: (name: string) => readonly Call[],
  measure: ReadonlyMap<string, number>,
): string[] {
  const chain = [name];
  const seen = new Set(chain);
  let current = name;
  for (;;) {
    let best: string | undefined;
    for (const call of calls(current)) {
      if (best === undefined || (measure.get(call.callee) ?? 0) > (measure.get(best) ?? 0)) {
        best = call.callee;
      }
    }
    if (best === undefined || seen.has(best)) return chain;
    chain.push(best);
    seen.add(best);
    current = best;
  }
}
