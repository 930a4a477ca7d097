import * as path from "node:path";
import type { Script, Step } from "../script/types.js";
import type { WalkStart } from "../walk/walker.js";
import { headingsIn } from "./journal.js";

/** Every step reachable by a walk's path (the script and `@ifhook` bodies), with its path. */
function* walkable(
  steps: readonly Step[],
  prefix: readonly number[] = [],
): Generator<{ step: Step; path: number[] }> {
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as Step;
    const here = [...prefix, i];
    yield { step, path: here };
    if (step.kind === "ifhook") yield* walkable(step.body, here);
  }
}

export function stepAt(script: Script, at: readonly number[]): Step | undefined {
  let steps: readonly Step[] = script.steps;
  let step: Step | undefined;
  for (const index of at) {
    step = steps[index];
    if (!step) return undefined;
    steps = step.kind === "ifhook" ? step.body : [];
  }
  return step;
}

/** The step after the one at `at`: the next in its list, or after the `@ifhook` that holds it. */
export function nextPath(script: Script, at: readonly number[]): number[] | undefined {
  for (let depth = at.length; depth > 0; depth--) {
    const next = [...at.slice(0, depth - 1), (at[depth - 1] as number) + 1];
    if (stepAt(script, next)) return next;
  }
  return undefined;
}

/** The last heading at or before the step at `at`, in reading order. */
export function sectionAt(script: Script, at: readonly number[]): string {
  let section = "";
  for (const { step, path: p } of walkable(script.steps)) {
    if (before(at, p)) break;
    if (step.kind === "commentary" && step.format === "markdown") {
      const found = headingsIn(step.text);
      const last = found[found.length - 1];
      if (last) section = last.title;
    }
  }
  return section;
}

function before(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if ((a[i] as number) !== (b[i] as number)) return (a[i] as number) < (b[i] as number);
  }
  return false;
}

export type Located =
  | { readonly ok: true; readonly start: WalkStart }
  | { readonly ok: false; readonly message: string };

/**
 * Where `--from LOCATION` starts: `file:line` (the first step at or after that line of
 * that file, a command or commentary containing the line), or a heading's text
 * (exact, ignoring case; else the only heading containing it).
 */
export function locate(script: Script, location: string, cwd: string): Located {
  const all = [...walkable(script.steps)];
  const at = /^(.+):([0-9]+)$/.exec(location);
  if (at) {
    const wanted = path.resolve(cwd, at[1] as string);
    const line = Number(at[2]);
    const inFile = all.filter((s) => path.resolve(cwd, s.step.loc.file) === wanted);
    if (inFile.length === 0) {
      return { ok: false, message: `--from ${location}: the demo has no steps in ${at[1]}` };
    }
    const end = (s: Step) => ("endLine" in s ? s.endLine : s.loc.line + lineCount(s) - 1);
    const hit =
      inFile.find(
        (s) => s.step.loc.line <= line && line <= end(s.step) && s.step.kind !== "ifhook",
      ) ?? inFile.find((s) => s.step.loc.line >= line);
    if (!hit)
      return {
        ok: false,
        message: `--from ${location}: ${at[1]} has no step at or after line ${line}`,
      };
    return {
      ok: true,
      start: { path: hit.path, line: Math.max(line, hit.step.loc.line), setup: true },
    };
  }
  const headings = all.flatMap(({ step, path: p }) =>
    step.kind === "commentary" && step.format === "markdown"
      ? headingsIn(step.text).map((h) => ({ ...h, step, path: p }))
      : [],
  );
  const wanted = location.trim().toLowerCase();
  const exact = headings.filter((h) => h.title.toLowerCase() === wanted);
  const partial = headings.filter((h) => h.title.toLowerCase().includes(wanted));
  const found = exact.length > 0 ? exact : partial;
  if (found.length === 0) {
    const some = headings.slice(0, 8).map((h) => `"${h.title}"`);
    return {
      ok: false,
      message: `--from ${location}: no heading says that, and it is not FILE:LINE${some.length > 0 ? ` (headings: ${some.join(", ")}${headings.length > 8 ? ", ..." : ""})` : ""}`,
    };
  }
  if (exact.length === 0 && partial.length > 1) {
    return {
      ok: false,
      message: `--from ${location}: ${partial.length} headings contain it: ${partial.map((h) => `"${h.title}" (${h.step.loc.file}:${h.step.loc.line + h.offset})`).join(", ")}`,
    };
  }
  const first = found[0] as (typeof found)[number];
  return {
    ok: true,
    start: { path: first.path, line: first.step.loc.line + first.offset, setup: true },
  };
}

function lineCount(step: Step): number {
  return step.kind === "commentary" ? step.text.split("\n").length : 1;
}
