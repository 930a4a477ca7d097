import * as path from "node:path";
import { formatDiagnostic, nothingShownNotice } from "../plan/format.js";
import type { Keys } from "../present/keys.js";
import { Presenter, type Typing } from "../present/presenter.js";
import { type LoadOptions, loadScript } from "../reader/load.js";
import type { ReadHost } from "../reader/read.js";
import type { HookStep, Script } from "../script/types.js";
import type { Shell } from "../session/shell.js";
import type { Output } from "../util/output.js";
import { Walker } from "../walk/walker.js";
import type { Cockpit, CockpitDeps, CockpitRequest } from "./cockpit.js";
import { LiveDriver, type LiveExtras, type LiveSettings } from "./live.js";

/** What a live run needs to know, beyond the script. */
export interface RunRequest {
  readonly file: string;
  readonly args: readonly string[];
  readonly load: LoadOptions;
  readonly settings: LiveSettings;
  readonly typing: Typing;
  /**
   * Show the notice about the keys, and wait for RETURN, before the first step
   * the audience sees (the hidden setup before it runs first, so a broken setup
   * fails before anyone presses a key).
   */
  readonly blurb: boolean;
  /** In CI mode, end with a one-line summary (the outermost demo does; nested ones do not). */
  readonly summary: boolean;
  /** The bash to run the session with; `bash` from PATH when undefined. */
  readonly bash?: string | undefined;
  /** The Kubernetes context the run must use (--kube-context or DEMOSH_KUBE_CONTEXT); a script's @kube-context applies otherwise. */
  readonly kubeContext: string | undefined;
  /** The status line, timings, resuming, reports: what the cockpit was asked for. */
  readonly cockpit?: Omit<CockpitRequest, "file" | "args" | "load" | "ci">;
}

/**
 * What the demos of one run tell each other (a nested demo is another process):
 * `Q` in any of them ends them all, and the outermost learns whether any showed
 * the audience something.
 */
export interface RunChannel {
  /** This demo's presenter pressed `Q`: every demo of the run ends, with status 0. */
  quit(): void;
  /** Did a demo of this run (a nested one) press `Q`? */
  quitting(): boolean;
  /** This demo showed the audience something. */
  shown(): void;
  /** Did a demo of this run show the audience anything? */
  anyShown(): boolean;
  /** Forgets it all: the outermost demo calls this at its end. */
  clear(): void;
}

/** What the cluster guard found: the context may be used, or why not. */
export type GuardVerdict =
  | {
      readonly ok: true;
      /** The API server found answering, when one was asked (see ANSWERED_VAR). */
      readonly server?: string;
    }
  | { readonly ok: false; readonly message: string };

/**
 * Where a run tells its nested demos which context's server it found answering:
 * `{"context":...,"server":...}`. A nested demo still checks that the current context is
 * the one expected; when it is that context on that server, it does not ask the server
 * again (loading the Kubernetes client to do so takes most of a second).
 */
export const ANSWERED_VAR = "DEMOSHTS_KUBE_ANSWERED";

/** The server an outer run found answering for `context` (from ANSWERED_VAR), if any. */
function outerAnswer(text: string | undefined, context: string): string | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== "object") return undefined;
    const fields = value as Record<string, unknown>;
    return fields.context === context && typeof fields.server === "string" && fields.server !== ""
      ? fields.server
      : undefined;
  } catch {
    return undefined;
  }
}

export interface ShellStart {
  /** The bash to run (--bash, DEMOSHTS_BASH); `bash` from PATH when undefined. */
  readonly bash?: string | undefined;
  readonly argv0: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Keep each command's output for a report, where that changes nothing the command sees. */
  readonly keepOutput?: boolean;
}

/** The outside world, for a live run. */
export interface RunDeps {
  readonly host: ReadHost;
  readonly stdout: Output;
  readonly stderr: Output;
  /** The environment the session starts with (SHELL and inherited options already set). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Starts the session (its module may load first). */
  startShell(start: ShellStart): Shell | Promise<Shell>;
  /** The presenter's keys; undefined in CI. */
  readonly keys: Keys | undefined;
  readonly random: () => number;
  /** Calls `listener` when the run is interrupted (SIGINT); returns how to stop listening. */
  onInterrupt(listener: () => void): () => void;
  readonly now: () => number;
  /**
   * Checks that the current Kubernetes context is `expected` and that its API server
   * answers. `answered`: the server an outer run found answering for that context; when the
   * context is still on it, the server need not be asked again.
   */
  guardContext(expected: string, answered?: string): Promise<GuardVerdict>;
  /** What the cockpit needs beyond the above (absent: no cockpit, as in unit tests). */
  readonly cockpit?: Pick<
    CockpitDeps,
    "home" | "files" | "screen" | "terminal" | "onResize" | "alternate"
  >;
  /** Shared with the nested demos of this run; the outermost demo owns it. */
  readonly channel: RunChannel;
  /** Is this the outermost demo of the run (not `$SHELL other.md`)? */
  readonly outermost: boolean;
  /** Listeners of the run, and a recording standing in for the shell. */
  readonly extras?: LiveExtras;
}

/** The key that shows or hides the status line during a talk. */
export const STATUS_KEY = "s";

export const BLURB =
  "demoshts: RETURN runs the next step, SPACE finishes typing, - goes back, + skips it, " +
  "Q quits. Ctrl-C interrupts a running command, never the demo. Press RETURN to start.";

/** A shell function per hook, running its DEMO_HOOK_ variable's text (nothing when empty). */
export function hookDefinitions(hooks: readonly HookStep[]): string {
  return hooks.map((h) => `${h.name}() { eval "\${DEMO_HOOK_${h.suffix}:-:}"; }`).join("\n");
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Why a demo showed nothing, and where `@SHOW` would go. */
function nothingShown(script: Script): string {
  const first = script.steps.find(
    (s) => s.loc.file === script.file && (s.kind === "commentary" || s.kind === "command"),
  );
  return nothingShownNotice(script.file, first?.loc.line ?? 1);
}

/** Runs a demo live (presenter or CI) and returns the exit code. */
export async function runDemo(request: RunRequest, deps: RunDeps): Promise<number> {
  const loaded = loadScript(request.file, request.load, deps.host);
  const warnings = loaded.ok ? loaded.script.warnings : loaded.warnings;
  for (const warning of warnings) deps.stderr.write(`${formatDiagnostic(warning)}\n`);
  if (!loaded.ok) {
    deps.stderr.write(`${formatDiagnostic(loaded.error)}\n`);
    deps.stderr.write(`demoshts: ${request.file} was not run: nothing was executed.\n`);
    return 2;
  }
  const script = loaded.script;
  const expected = request.kubeContext ?? script.kubeContext?.name;
  let answered: string | undefined;
  if (expected !== undefined) {
    const verdict = await deps.guardContext(
      expected,
      outerAnswer(deps.env[ANSWERED_VAR], expected),
    );
    if (!verdict.ok) {
      const where =
        request.kubeContext === undefined && script.kubeContext
          ? ` (${script.kubeContext.loc.file}:${script.kubeContext.loc.line} asks for it)`
          : "";
      deps.stderr.write(`demoshts: ${verdict.message}${where}\n`);
      deps.stderr.write(`demoshts: ${request.file} was not run: nothing was executed.\n`);
      return 2;
    }
    if (verdict.server) answered = JSON.stringify({ context: expected, server: verdict.server });
  }
  let cockpit: Cockpit | undefined;
  if (request.cockpit && deps.cockpit) {
    const { Cockpit } = await import("./cockpit.js");
    const opened = await Cockpit.open(
      {
        ...request.cockpit,
        file: request.file,
        args: request.args,
        load: request.load,
        ci: request.settings.ci,
      },
      {
        ...deps.cockpit,
        host: deps.host,
        stdout: deps.stdout,
        stderr: deps.stderr,
        env: deps.env,
        now: deps.now,
      },
      script,
    );
    if (typeof opened === "string") {
      deps.stderr.write(`demoshts: ${opened}\n`);
      deps.stderr.write(`demoshts: ${request.file} was not run: nothing was executed.\n`);
      return 2;
    }
    cockpit = opened;
  }
  const started = deps.now();
  const env = { ...deps.env, ...cockpit?.env };
  const shell = await deps.startShell({
    bash: request.bash,
    argv0: path.resolve(deps.host.cwd, request.file),
    args: request.args,
    // Nested demos check the same context again when they start.
    env:
      expected === undefined
        ? env
        : {
            ...env,
            DEMOSH_KUBE_CONTEXT: expected,
            ...(answered === undefined ? {} : { [ANSWERED_VAR]: answered }),
          },
    cwd: deps.host.cwd,
    ...(cockpit?.keepOutput ? { keepOutput: true } : {}),
  });
  const ready = await shell.ready();
  if (!ready.ok) {
    await shell.close();
    deps.stderr.write(`demoshts: ${ready.message}\n`);
    deps.stderr.write(`demoshts: ${request.file} was not run: nothing was executed.\n`);
    return 2;
  }
  const presenter = deps.keys
    ? new Presenter(
        deps.stdout,
        deps.keys,
        deps.random,
        request.typing,
        deps.extras?.standIn?.mode === "fallback",
      )
    : undefined;
  if (presenter && cockpit) {
    const toggle = cockpit;
    presenter.onKey = (key) => {
      if (key !== STATUS_KEY) return false;
      toggle.toggleStatus();
      return true;
    };
  }
  const style = { width: request.settings.width, level: request.settings.colorLevel };
  const opening =
    presenter && request.blurb
      ? async () => {
          const { renderNotice } = await import("../present/render.js");
          const blurb =
            deps.extras?.standIn?.mode === "fallback"
              ? BLURB.replace("Q quits.", "R plays the recording instead, Q quits.")
              : BLURB;
          deps.stdout.write(`${renderNotice(blurb, style)}\n`);
          return presenter.waitKey();
        }
      : undefined;
  const driver = new LiveDriver(
    shell,
    deps.stdout,
    deps.stderr,
    presenter,
    request.settings,
    deps.channel,
    opening,
    deps.extras,
    cockpit?.hooks,
    (f) => path.resolve(deps.host.cwd, f),
  );
  const onInterrupt = (): void => {
    driver.interrupted = true;
    shell.interrupt();
  };
  // On stage Ctrl-C belongs to the running command; only an unattended run can be interrupted.
  const unsubscribe = request.settings.ci ? deps.onInterrupt(onInterrupt) : () => {};
  try {
    if (script.hooks.length > 0) await shell.run(hookDefinitions(script.hooks));
    await cockpit?.begin(shell);
    const walker = new Walker(script, driver, cockpit?.start);
    if (cockpit) cockpit.walker = walker;
    const outcome = await walker.walk();
    if (outcome.kind === "quit" || driver.quitting) deps.channel.quit();
    if (driver.shownAnything) deps.channel.shown();
    if (
      presenter &&
      deps.outermost &&
      outcome.kind !== "quit" &&
      !driver.quitting &&
      !deps.channel.anyShown()
    ) {
      deps.stderr.write(`demoshts: ${nothingShown(script)}\n`);
    }
    if (driver.interrupted) {
      deps.stderr.write(`demoshts: interrupted; ${request.file} did not finish.\n`);
      return (await cockpit?.finish(outcome, 130)) ?? 130;
    }
    // An unattended run with a failure never ends green, even if the demo then ran `exit 0`.
    const failedInCi = request.settings.ci && driver.failures.length > 0;
    let code =
      outcome.kind === "exited"
        ? outcome.status === 0 && failedInCi
          ? 1
          : outcome.status
        : outcome.kind === "failed" || failedInCi
          ? 1
          : 0;
    if (request.settings.ci && request.summary) {
      const seconds = ((deps.now() - started) / 1000).toFixed(1);
      const failed = driver.failures.length;
      const how = driver.died
        ? "stopped: the shell session ended"
        : outcome.kind === "failed"
          ? request.settings.keepGoing
            ? "stopped by set -e"
            : "stopped at the first failure"
          : outcome.kind === "exited"
            ? `ended by exit ${outcome.status}`
            : "finished";
      deps.stderr.write(
        `demoshts: ${request.file}: ${how}: ${plural(driver.commandCount, "command")} run, ${failed} failed (${seconds}s)\n`,
      );
      for (const f of request.settings.keepGoing ? driver.failures : []) {
        deps.stderr.write(`  ${f.step.loc.file}:${f.step.loc.line}: ${f.message}\n`);
      }
    }
    if (cockpit) code = await cockpit.finish(outcome, code);
    return code;
  } finally {
    cockpit?.close();
    unsubscribe();
    presenter?.release();
    await shell.close();
    if (deps.outermost) deps.channel.clear();
  }
}
