import { homedir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { CheckIo } from "./check/check.js";
import type { Finding } from "./check/report.js";
import { kindOf, listDir, readRegularFile, which } from "./cli/files.js";
import type { PlanRecord } from "./plan/plan.js";
import { type LoadResult, loadScript } from "./reader/load.js";
import type { FileData, ReadHost } from "./reader/read.js";
import type { Diagnostic } from "./script/types.js";
import type { Output } from "./util/output.js";

export type { Finding } from "./check/report.js";
export type { PlanRecord } from "./plan/plan.js";
export type { LoadResult } from "./reader/load.js";
export type { Diagnostic, Loc, Script, Step } from "./script/types.js";
export type { Output } from "./util/output.js";

/** Where and how a demo is read. Every field has a default. */
export interface DemoOptions {
  /** The directory the demo runs in; relative paths are resolved from it. Default: `process.cwd()`. */
  readonly cwd?: string;
  /** The demo's `$1`, `$2`, ... Default: none. */
  readonly args?: readonly string[];
  /** The environment the demo starts with. Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Define the builtin macros first (the CLI's `--no-builtins` turns it off). Default: true. */
  readonly builtins?: boolean;
  /** Read `.demoshrc` / `.demoshrc.md` (the CLI's `--no-init` turns it off). Default: true. */
  readonly init?: boolean;
  /** Where `~/.demoshrc` is looked for. Default: `$HOME`. */
  readonly home?: string;
}

/** What `plan` returns: the dry run's steps, or the error that stops it; warnings either way. */
export type PlanResult =
  | {
      readonly ok: true;
      readonly records: readonly PlanRecord[];
      readonly warnings: readonly Diagnostic[];
    }
  | { readonly ok: false; readonly error: Diagnostic; readonly warnings: readonly Diagnostic[] };

export interface CheckOptions extends DemoOptions {
  /** More CRD files to validate manifests against (the CLI's `--crds`). */
  readonly crds?: readonly string[];
}

/** What `check` found: every finding, sorted by place; `fatal` when the check could not run. */
export interface CheckResult {
  readonly findings: readonly Finding[];
  readonly errors: number;
  readonly fatal?: Diagnostic;
}

export interface RunOptions extends DemoOptions {
  /** After a failure, go on and report every failure at the end (`--keep-going`). */
  readonly keepGoing?: boolean;
  /** Print commands and failures, not commentary (`--quiet`). */
  readonly quiet?: boolean;
  /** Kill any command running longer than this (`--timeout`): `30s`, `2m`, `500ms`. */
  readonly timeout?: string;
  /** Refuse to start unless this is the current Kubernetes context (`--kube-context`). */
  readonly kubeContext?: string;
  /** Where the run's output goes as it comes. Default: collected only. */
  readonly stdout?: Output;
  readonly stderr?: Output;
}

/** How an unattended run ended, with everything it printed. */
export interface RunResult {
  /** 0 every step was fine, 1 a step failed, 2 the demo or the options are wrong, 130 interrupted. */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Files are read as the CLI reads them: regular files only, of bounded size. */
function readFile(absolutePath: string): FileData {
  return readRegularFile(absolutePath);
}

function host(options: DemoOptions): ReadHost {
  return { cwd: path.resolve(options.cwd ?? process.cwd()), readFile };
}

function loadOptions(options: DemoOptions) {
  return {
    builtins: options.builtins ?? true,
    init: options.init ?? true,
    home: options.home ?? process.env.HOME ?? homedir(),
  };
}

const CLI = fileURLToPath(new URL("./cli.js", import.meta.url));

/** Reads a demo and everything it imports into located steps. Never throws for a bad demo. */
export function load(file: string, options: DemoOptions = {}): LoadResult {
  return loadScript(file, loadOptions(options), host(options));
}

/** The dry run: every step the demo would take, as `demoshts --dry-run --json` prints them. Executes nothing. */
export async function plan(file: string, options: DemoOptions = {}): Promise<PlanResult> {
  const { planDemo } = await import("./plan/plan.js");
  const result = await planDemo(
    {
      file,
      args: options.args ?? [],
      env: options.env ?? process.env,
      load: loadOptions(options),
      shellCommand: CLI,
    },
    host(options),
  );
  return result.ok
    ? { ok: true, records: result.records, warnings: result.warnings }
    : { ok: false, error: result.error, warnings: result.warnings };
}

/** `demoshts check`: missing files, bad YAML and manifests, missing commands. Executes nothing. */
export async function check(file: string, options: CheckOptions = {}): Promise<CheckResult> {
  const { analyzeDemo } = await import("./check/check.js");
  const { sortFindings } = await import("./check/report.js");
  const silent: Output = { write: () => {} };
  const io: CheckIo = {
    stdout: silent,
    stderr: silent,
    cwd: host(options).cwd,
    readFile,
    kindOf,
    listDir,
    which,
  };
  const analysis = await analyzeDemo(
    {
      file,
      args: options.args ?? [],
      env: options.env ?? process.env,
      load: loadOptions(options),
      crds: options.crds ?? [],
      format: "text",
      githubActions: false,
      shellCommand: CLI,
    },
    io,
  );
  const findings = sortFindings(analysis.findings);
  const errors = findings.filter((f) => f.severity === "error").length;
  return analysis.fatal
    ? { findings, errors: errors + 1, fatal: analysis.fatal }
    : { findings, errors };
}

/**
 * Runs a demo for real, unattended (`demoshts --ci`), in its own process: the
 * run owns a terminal's signals and its bash session, never the caller's.
 */
export async function run(file: string, options: RunOptions = {}): Promise<RunResult> {
  const { execa } = await import("execa");
  const flags = [
    "--ci",
    ...(options.keepGoing ? ["--keep-going"] : []),
    ...(options.quiet ? ["--quiet"] : []),
    ...(options.builtins === false ? ["--no-builtins"] : []),
    ...(options.init === false ? ["--no-init"] : []),
    ...(options.timeout === undefined ? [] : ["--timeout", options.timeout]),
    ...(options.kubeContext === undefined ? [] : ["--kube-context", options.kubeContext]),
  ];
  const env = { ...(options.env ?? process.env) };
  if (options.home !== undefined) env.HOME = options.home;
  const child = execa(process.execPath, [CLI, ...flags, file, ...(options.args ?? [])], {
    cwd: host(options).cwd,
    env,
    extendEnv: false,
    stdin: "ignore",
    reject: false,
    stripFinalNewline: false,
  });
  const stdout = options.stdout;
  const stderr = options.stderr;
  if (stdout) child.stdout?.on("data", (chunk: Buffer) => stdout.write(chunk.toString()));
  if (stderr) child.stderr?.on("data", (chunk: Buffer) => stderr.write(chunk.toString()));
  const result = await child;
  return {
    exitCode: result.exitCode ?? 1,
    stdout: String(result.stdout ?? ""),
    stderr: String(result.stderr ?? ""),
  };
}
