import * as path from "node:path";
import type { KeyInput } from "../present/keys.js";
import type { LoadOptions } from "../reader/load.js";
import { coverage, describeCoverage, summarizeCoverage } from "../record/coverage.js";
import { RecordedStandIn, type Recording, readRecording } from "../record/playback.js";
import { Recorder } from "../record/recorder.js";
import { ReplayShell } from "../record/replay-shell.js";
import type { BashOptions, BashSession } from "../session/bash.js";
import type { Shell } from "../session/shell.js";
import { loadPty } from "../terminal/pty.js";
import { Screen } from "../terminal/screen.js";
import { PtySession, PtyTerminal } from "../terminal/session.js";
import type { Output } from "../util/output.js";
import type { LiveExtras } from "./live.js";
import { type RunDeps, type RunRequest, runDemo, type ShellStart } from "./run.js";

/** How a live run meets the terminal: on a pty, recorded, replayed, or with a fallback. */
export interface Stage {
  /** `--record FILE`: record the run (asciicast v2, plus FILE.steps). */
  readonly record: string | undefined;
  /** `--replay FILE`: present the demo from the recording; execute nothing. */
  readonly replay: string | undefined;
  /** `--fallback FILE`: run live, with the recording standing in for failed commands. */
  readonly fallback: string | undefined;
  /** Run a presenter's commands on a pty (false: `--no-pty`, or a nested demo). */
  readonly pty: boolean;
  /** The pty's size in CI mode (`--cols`, `--rows`). */
  readonly columns: number;
  readonly rows: number;
}

/** What staging needs from the process, beyond a live run's needs. */
export interface StageIo {
  readonly cwd: string;
  /** The real terminal's input, for raw keys (presenter mode). */
  input(): KeyInput;
  readonly stdoutIsTTY: boolean;
  readonly columns: number;
  readonly rows: number;
  /** Calls `listener` when the window changes size; returns how to stop. */
  onResize(listener: (columns: number, rows: number) => void): () => void;
  /** TERM for the pty. */
  readonly term: string;
  /** Starts a bash session made by `make`, tracked so that a signal can end it. */
  startShell(
    start: ShellStart,
    make: (options: BashOptions) => BashSession,
  ): Shell | Promise<Shell>;
  sleep(ms: number): Promise<void>;
  /** What a dry run needs, to list the steps a recording lacks before a replay. */
  readonly plan: {
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly load: LoadOptions;
    readonly shellCommand: string;
  };
}

function say(out: Output, text: string): void {
  out.write(`demoshts: ${text}\n`);
}

/** Names, on stderr, each command a replay will show as skipped. */
async function listGaps(
  request: RunRequest,
  recording: Recording,
  shown: string,
  io: StageIo,
  deps: RunDeps,
): Promise<void> {
  const err = deps.stderr;
  const { planDemo } = await import("../plan/plan.js");
  const plan = await planDemo(
    // A live run never loads the bash parser.
    { file: request.file, args: request.args, ...io.plan, parse: false },
    deps.host,
  ).catch(() => undefined);
  if (!plan?.ok) return;
  const items = coverage(recording, plan.records);
  const gaps = items.filter((i) => i.state === "stale" || i.state === "missing");
  for (const gap of gaps) err.write(`${describeCoverage(gap)}\n`);
  if (gaps.length > 0)
    say(
      err,
      `${shown}: ${summarizeCoverage(items)}; stale and missing commands are shown as skipped`,
    );
}

/** Runs a demo live as `stage` says; returns the exit code. */
export async function runStaged(
  request: RunRequest,
  deps: RunDeps,
  stage: Stage,
  io: StageIo,
): Promise<number> {
  const ci = request.settings.ci;
  const needs =
    stage.record !== undefined ? "--record" : stage.replay !== undefined ? "--replay" : undefined;
  const onPty = needs !== undefined || (!ci && stage.pty);
  const loaded = onPty ? await loadPty() : undefined;
  if (loaded && !loaded.ok && needs !== undefined) {
    say(
      deps.stderr,
      `${needs} needs a pseudo-terminal, and ${loaded.reason}; ${request.file} was not run: nothing was executed.`,
    );
    return 2;
  }
  const source = stage.replay ?? stage.fallback;
  let recording: Recording | undefined;
  if (source !== undefined) {
    const read = readRecording(path.resolve(io.cwd, source), source);
    if (!read.ok) {
      say(deps.stderr, `${read.reason}; ${request.file} was not run: nothing was executed.`);
      return 2;
    }
    recording = read.recording;
  }
  const playbackIo = (write: (data: string) => void) => ({
    write,
    sleep: (ms: number) => io.sleep(ms),
    now: () => deps.now(),
  });
  if (!loaded?.ok) {
    if (loaded) {
      say(
        deps.stderr,
        `${loaded.reason}; commands run directly on this terminal, and --record and --replay are not available.`,
      );
    }
    const standIn =
      recording &&
      new RecordedStandIn(
        "fallback",
        recording,
        playbackIo((d) => deps.stdout.write(d)),
      );
    return runDemo(request, { ...deps, ...(standIn ? { extras: { standIn } } : {}) });
  }

  const screen = new Screen(
    deps.stdout,
    deps.stderr,
    ci ? stage.columns : io.columns,
    ci ? stage.rows : io.rows,
    io.stdoutIsTTY,
  );
  if (stage.replay !== undefined && recording) {
    await listGaps(request, recording, stage.replay, io, deps);
  }
  let recorder: Recorder | undefined;
  if (stage.record !== undefined) {
    try {
      recorder = new Recorder(screen, {
        target: path.resolve(io.cwd, stage.record),
        title: path.basename(request.file),
        term: io.term,
        now: deps.now,
      });
    } catch (error) {
      say(
        deps.stderr,
        `cannot write the recording ${stage.record}: ${(error as Error).message}; ${request.file} was not run: nothing was executed.`,
      );
      return 2;
    }
  }
  const terminal = new PtyTerminal(loaded.pty, screen, ci ? undefined : io.input(), io.term);
  const stopResize = ci ? () => {} : io.onResize((columns, rows) => screen.resized(columns, rows));
  const standIn =
    recording &&
    new RecordedStandIn(stage.replay !== undefined ? "replay" : "fallback", recording, {
      ...playbackIo((data) => screen.terminalOutput(data)),
      // Keys typed while recorded output plays are not the next step's keys; Ctrl-C cuts it short.
      playing: (on, stop) => terminal.dropKeys(on, stop),
    });
  const extras: LiveExtras = {
    ...(recorder ? { listen: recorder.listen } : {}),
    ...(standIn ? { standIn } : {}),
  };
  terminal.start();
  let code: number | undefined;
  try {
    code = await runDemo(request, {
      ...deps,
      ...(deps.cockpit && !ci
        ? { cockpit: { ...deps.cockpit, alternate: (l) => screen.onAlternate(l) } }
        : {}),
      stdout: screen.out,
      stderr: screen.err,
      keys: terminal.keys,
      startShell:
        stage.replay !== undefined
          ? (start) => new ReplayShell(start)
          : (start) =>
              io.startShell(
                start,
                (options) => new PtySession(options, terminal, start.keepOutput === true),
              ),
      // A replay touches no cluster: the context it was recorded against may be gone.
      ...(stage.replay !== undefined ? { guardContext: async () => ({ ok: true }) } : {}),
      extras,
    });
    return code;
  } finally {
    terminal.stop();
    stopResize();
    // A run that ran no command (it could not start, or Q at once) leaves an older recording be.
    if (recorder && recorder.commands === 0) recorder.discard();
    else recorder?.finish();
  }
}
