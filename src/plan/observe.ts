/**
 * Reading a demo for the tools that look at what it would run (`check`,
 * `doctor`): the demo file must be there, and the dry run walks it on the
 * files they read, telling them each script and command it meets. Nothing
 * is executed.
 */
import * as path from "node:path";
import type { LoadOptions } from "../reader/load.js";
import type { FileData } from "../reader/read.js";
import type { Diagnostic } from "../script/types.js";
import type { ShellSyntax } from "../shell/syntax.js";
import { type PlanObservation, type PlanResult, planDemo } from "./plan.js";

/** The demo to read, as a run would be started. */
export interface DemoRequest {
  readonly file: string;
  /** The words after FILE: `$1`, `$2`... */
  readonly args: readonly string[];
  /** The environment the demo would start with. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly load: LoadOptions;
  /** What `$SHELL` holds. */
  readonly shellCommand: string;
}

/** The files a reading tool sees. */
export interface DemoFiles {
  readonly cwd: string;
  readFile(absolutePath: string): FileData;
  /** "file", "dir" or undefined when nothing is there. */
  kindOf(absolutePath: string): "file" | "dir" | undefined;
}

/** Why the demo cannot be read at all (it is missing, or a directory), or undefined. */
export function unreadableDemo(file: string, files: DemoFiles): Diagnostic | undefined {
  const kind = files.kindOf(path.resolve(files.cwd, file));
  if (kind === "file") return undefined;
  return {
    severity: "error",
    loc: { file, line: 1 },
    message: `cannot read ${file}: ${kind === "dir" ? "it is a directory" : "no such file"}`,
    hint: "check the path; it is relative to the current directory",
  };
}

/**
 * Walks the demo as the dry run does, telling `observe` what it meets; with
 * `syntax`, the dry run parses through it (a tool that parses the same
 * commands keeps one cache for both).
 */
export function observeDemo(
  request: DemoRequest,
  files: DemoFiles,
  observe: (observation: PlanObservation) => void,
  syntax?: ShellSyntax,
): Promise<PlanResult> {
  const { file, args, env, load, shellCommand } = request;
  return planDemo(
    { file, args, env, load, shellCommand, observe, ...(syntax ? { syntax } : {}) },
    { cwd: files.cwd, readFile: (p) => files.readFile(p) },
  );
}
