import { createHash } from "node:crypto";
import * as path from "node:path";
import type { Script, Step } from "../script/types.js";
import { nextPath, stepAt } from "./position.js";

/** What is saved after each step of a presenter run, to resume it after a crash. */
export interface SavedState {
  readonly version: 1;
  /** The demo's absolute path and its arguments: the key of the state file. */
  readonly demo: string;
  readonly args: readonly string[];
  /** The path (through the script and `@ifhook` bodies) of the last step done. */
  readonly done: readonly number[];
  /** That step as it was, to tell whether the file changed under it. */
  readonly step: {
    readonly kind: string;
    readonly file: string;
    readonly line: number;
    readonly text: string;
  };
  readonly section: string;
  /** Milliseconds into the talk when the step was done. */
  readonly elapsedMs: number;
  readonly saved: string;
  /** A bash script that recreates the session: variables, functions, aliases, options, directory. */
  readonly session: string;
}

/** `$XDG_STATE_HOME/demoshts`, else `~/.local/state/demoshts` (a relative XDG path is ignored). */
export function stateDir(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const xdg = env.XDG_STATE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(home, ".local", "state");
  return path.join(base, "demoshts");
}

/** The state file of a demo run with these arguments. */
export function stateFile(dir: string, demo: string, args: readonly string[]): string {
  const key = createHash("sha256")
    .update(JSON.stringify([demo, args]))
    .digest("hex")
    .slice(0, 32);
  return path.join(dir, `${path.basename(demo).replace(/[^A-Za-z0-9._-]/g, "_")}-${key}.json`);
}

function textOf(step: Step): string {
  return "text" in step ? step.text : "";
}

export function describeStep(step: Step): SavedState["step"] {
  return { kind: step.kind, file: step.loc.file, line: step.loc.line, text: textOf(step) };
}

function same(step: Step | undefined, saved: SavedState["step"]): boolean {
  return step !== undefined && step.kind === saved.kind && textOf(step) === saved.text;
}

/** Reads a state file; a message when it is not one. */
export function parseState(text: string): SavedState | string {
  try {
    const data = JSON.parse(text) as Partial<SavedState>;
    if (
      data.version === 1 &&
      typeof data.demo === "string" &&
      Array.isArray(data.done) &&
      typeof data.session === "string" &&
      typeof data.step?.text === "string"
    ) {
      return data as SavedState;
    }
    return "it is not a demoshts state file";
  } catch (error) {
    return `it is not JSON (${(error as Error).message})`;
  }
}

export type ResumePoint =
  | { readonly ok: true; readonly path: readonly number[] | undefined; readonly moved: boolean }
  | { readonly ok: false; readonly message: string };

/**
 * Where to go on: the step after the last one done. When the file changed, the same
 * step (same kind and text) is looked for; if it is gone or no longer one of a kind,
 * the position means nothing and resuming is refused.
 */
export function resumePoint(script: Script, saved: SavedState): ResumePoint {
  let done: readonly number[] | undefined = saved.done;
  let moved = false;
  if (!same(stepAt(script, saved.done), saved.step)) {
    const matches: number[][] = [];
    const search = (steps: readonly Step[], prefix: number[]): void => {
      steps.forEach((step, i) => {
        if (same(step, saved.step) && step.loc.file === saved.step.file)
          matches.push([...prefix, i]);
        if (step.kind === "ifhook") search(step.body, [...prefix, i]);
      });
    };
    search(script.steps, []);
    const where = `${saved.step.file}:${saved.step.line}`;
    const first = saved.step.text.split("\n")[0];
    if (matches.length !== 1) {
      return {
        ok: false,
        message:
          matches.length === 0
            ? `the demo changed since the state was saved: the last step done (${where}: ${first}) is no longer in it`
            : `the demo changed since the state was saved: the last step done (${where}: ${first}) is now in it ${matches.length} times`,
      };
    }
    done = matches[0];
    moved = true;
  }
  return { ok: true, path: done === undefined ? undefined : nextPath(script, done), moved };
}
