import * as path from "node:path";
import { formatStatus as formatLine, type Screen, StatusLine } from "../present/status.js";
import type { LoadOptions } from "../reader/load.js";
import type { ReadHost } from "../reader/read.js";
import type { Script, Step } from "../script/types.js";
import type { Shell } from "../session/shell.js";
import type { Output } from "../util/output.js";
import type { Presentation, Walker, WalkOutcome, WalkStart } from "../walk/walker.js";
import { clock, headingsIn, type NestedRun } from "./journal.js";
import type { RunHooks } from "./live.js";
import { locate, nextPath, sectionAt, stepAt } from "./position.js";
import type { ReportTargets } from "./report.js";
import {
  describeStep,
  parseState,
  resumePoint,
  type SavedState,
  stateDir,
  stateFile,
} from "./resume.js";
import { behind, parseTimings, type Timings, timingsOf } from "./timings.js";
import { type Channel, type PlannedStep, type Position, Tracker } from "./tracker.js";

/** Files a run reads and writes besides the demo: state, timings, reports. */
export interface RunFiles {
  read(file: string): string | undefined;
  /** Writes all of `text` or nothing: a temporary file renamed over `file`; folders made. */
  write(file: string, text: string, mode?: number): void;
  append(file: string, text: string): void;
  remove(file: string): void;
  list(dir: string): string[];
  /** A new private directory for this run. */
  tempDir(): string;
}

/** What the presenter's cockpit and CI's reports were asked for. */
export interface CockpitRequest {
  readonly file: string;
  readonly args: readonly string[];
  readonly load: LoadOptions;
  readonly ci: boolean;
  /** Started by another demo (`$SHELL other.md`). */
  readonly nested: boolean;
  readonly status: boolean;
  readonly timings: string | undefined;
  readonly reports: ReportTargets;
  readonly resume: boolean;
  readonly from: string | undefined;
  /** `$GITHUB_STEP_SUMMARY`, where a summary table is appended. */
  readonly stepSummary: string | undefined;
}

export interface CockpitDeps {
  readonly host: ReadHost;
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string;
  readonly files: RunFiles;
  readonly now: () => number;
  /** The terminal, when standard output is one (presenter mode). */
  readonly screen: Screen | undefined;
  /** Where the status line is written: the terminal itself, never a recording. */
  readonly terminal?: Output;
  onResize(listener: () => void): () => void;
  /** Calls `listener` when a full-screen program takes the screen or gives it back. */
  readonly alternate?: (listener: (on: boolean) => void) => () => void;
}

const CHANNEL = "DEMOSHTS_CHANNEL";

/** Reads a shown-steps plan (what `step N/M` counts) without running anything. */
async function planSteps(
  request: CockpitRequest,
  deps: CockpitDeps,
): Promise<PlannedStep[] | undefined> {
  const { planDemo } = await import("../plan/plan.js");
  const plan = await planDemo(
    {
      file: request.file,
      args: request.args,
      env: deps.env,
      load: request.load,
      shellCommand: deps.env.SHELL ?? "",
      // A live run never loads the bash parser: the count follows what the reader knows.
      parse: false,
    },
    deps.host,
  );
  if (!plan.ok) return undefined;
  return plan.records.flatMap((r) =>
    r.kind === "command" && r.runs && r.display !== "hidden"
      ? [{ file: r.file, line: r.line, depth: r.depth }]
      : [],
  );
}

function fileChannel(dir: string, files: RunFiles, status: () => boolean): Channel {
  // Hidden commands in a row share one position: it is written only when it changes.
  let written: string | undefined;
  return {
    writePosition(position) {
      const text = JSON.stringify({ ...position, status: status() });
      if (text === written) return;
      files.write(path.join(dir, "position.json"), text);
      written = text;
    },
    takeNested() {
      const found: NestedRun[] = [];
      for (const name of files
        .list(dir)
        .filter((n) => n.startsWith("nested-"))
        .sort()) {
        const file = path.join(dir, name);
        try {
          found.push(JSON.parse(files.read(file) ?? "") as NestedRun);
        } catch {
          // A nested demo killed while writing leaves nothing usable.
        }
        files.remove(file);
      }
      return found;
    },
  };
}

/**
 * The presenter's cockpit (status line, timings, resume state) and CI's reports, around
 * one live run. `open` reads and checks everything before anything runs.
 */
export class Cockpit {
  readonly hooks: RunHooks;
  start: WalkStart | undefined;
  walker: Walker | undefined;
  private tracker!: Tracker;
  private status: StatusLine | undefined;
  private statePath: string | undefined;
  private restore: string | undefined;
  private channelDir: string | undefined;
  private ownChannel = false;
  private timer: NodeJS.Timeout | undefined;
  private unresize: (() => void) | undefined;
  private unalternate: (() => void) | undefined;
  /** A full-screen program has the screen. */
  private away = false;
  private running = false;
  private shell: Shell | undefined;
  private saving: Promise<void> = Promise.resolve();
  private rehearsal: Timings | undefined;

  private constructor(
    private readonly request: CockpitRequest,
    private readonly deps: CockpitDeps,
    private readonly script: Script,
  ) {
    this.hooks = {
      reached: (step) => this.tracker.reached(step),
      presented: (p) => this.tracker.presented(p),
      started: (p) => this.started(p),
      finished: (p, result, failure) => {
        this.running = false;
        this.tracker.finished(p, result, failure);
        this.status?.show();
        // Asking bash for its state takes tens of milliseconds, which a run of hidden
        // commands must not pay after each of them: the state is saved after shown
        // commands. A resume then runs again the hidden commands after the last shown one,
        // on a state taken before them, so state and position always agree.
        if (p.display !== "hidden") this.saveState();
      },
      // A skipped step is done as far as a resume goes: it goes on after it.
      skipped: () => this.saveState(),
    };
  }

  /** Reports show the end of each command's output. */
  get keepOutput(): boolean {
    const r = this.request;
    return Boolean(r.reports.junit || r.reports.json || (r.nested && this.channelDir));
  }

  /** Extra environment for the session: where nested demos find this run. */
  get env(): Record<string, string> {
    return this.channelDir === undefined ? {} : { [CHANNEL]: this.channelDir };
  }

  /** Reads the timings, the saved state, the plan; a message (exit 2) when one is wrong. */
  static async open(
    request: CockpitRequest,
    deps: CockpitDeps,
    script: Script,
  ): Promise<Cockpit | string> {
    const cockpit = new Cockpit(request, deps, script);
    const problem = await cockpit.prepare();
    return problem ?? cockpit;
  }

  private async prepare(): Promise<string | undefined> {
    const { request, deps } = this;
    if (request.resume && request.from !== undefined)
      return "--resume and --from do not go together";
    let rehearsal: Timings | undefined;
    if (request.timings !== undefined) {
      const text = deps.files.read(path.resolve(deps.host.cwd, request.timings));
      if (text !== undefined) {
        const parsed = parseTimings(text);
        if (typeof parsed === "string") return `--timings ${request.timings}: ${parsed}`;
        rehearsal = parsed;
        this.rehearsal = parsed;
      }
    }
    const inherited = deps.env[CHANNEL];
    let outer: (Position & { status?: boolean }) | undefined;
    if (request.nested && inherited) {
      this.channelDir = inherited;
      try {
        outer = JSON.parse(deps.files.read(path.join(inherited, "position.json")) ?? "");
      } catch {
        outer = undefined;
      }
    } else if (
      request.reports.junit ||
      request.reports.json ||
      request.timings ||
      request.stepSummary ||
      (!request.ci && deps.screen)
    ) {
      this.channelDir = deps.files.tempDir();
      this.ownChannel = true;
    }
    const presenter = !request.ci && deps.screen !== undefined;
    const plan =
      presenter || request.resume || request.from ? await planSteps(request, deps) : undefined;
    let startedAt = deps.now();
    const absolute = path.resolve(deps.host.cwd, request.file);
    if (presenter && !request.nested) {
      this.statePath = stateFile(stateDir(deps.env, deps.home), absolute, request.args);
    }
    let startStep: Step | undefined;
    let section = "";
    let saved: SavedState | undefined;
    if (request.resume) {
      const file = stateFile(stateDir(deps.env, deps.home), absolute, request.args);
      const text = deps.files.read(file);
      if (text === undefined) {
        return `--resume: no saved run of ${request.file}${request.args.length > 0 ? ` with these arguments` : ""} (looked for ${file})`;
      }
      const parsed = parseState(text);
      if (typeof parsed === "string") return `--resume: ${file}: ${parsed}`;
      const point = resumePoint(this.script, parsed);
      if (!point.ok) {
        return `--resume: ${point.message}; start again, or choose where with --from FILE:LINE or --from HEADING`;
      }
      if (point.path === undefined)
        return `--resume: the saved run of ${request.file} had done its last step`;
      saved = parsed;
      this.restore = parsed.session;
      this.start = { path: point.path, setup: false };
      startedAt -= parsed.elapsedMs;
      startStep = stepAt(this.script, point.path);
      section = sectionAt(this.script, point.path);
    } else if (request.from !== undefined) {
      const found = locate(this.script, request.from, deps.host.cwd);
      if (!found.ok) return found.message;
      this.start = found.start;
      startStep = stepAt(this.script, found.start.path);
      const before = sectionAt(this.script, found.start.path);
      section =
        startStep?.kind === "commentary" && startStep.format === "markdown"
          ? (headingsIn(startStep.text)
              .filter((h) => startStep && h.offset <= (found.start.line ?? 0) - startStep.loc.line)
              .pop()?.title ?? this.sectionBefore(found.start.path, before))
          : before;
    }
    this.tracker = new Tracker({
      now: deps.now,
      startedAt,
      demo: request.file,
      plan,
      outer,
      rehearsal,
      channel:
        this.channelDir === undefined
          ? undefined
          : fileChannel(this.channelDir, deps.files, () => this.status?.visible ?? false),
    });
    if (section) this.tracker.enter(section);
    if (startStep && this.start) {
      const index = this.firstShownFrom(this.start.path);
      this.tracker.setShown(index === undefined ? undefined : index - 1);
      const total = this.tracker.total;
      const step = index === undefined ? "" : `, step ${index + 1}/${total ?? "?"}`;
      const how = saved ? "resuming" : "starting";
      const where = `${startStep.loc.file}:${Math.max(startStep.loc.line, this.start.line ?? 0)}`;
      deps.stderr.write(
        `demoshts: ${how} at ${where}${section ? `, section ${section}` : ""}${step}` +
          (saved ? ` (saved ${saved.saved}, ${clock(saved.elapsedMs)} into the talk)` : "") +
          "\n",
      );
    }
    const screen = deps.screen;
    if (screen && !request.ci && (request.status || outer?.status)) {
      this.status = new StatusLine(
        deps.terminal ?? deps.stdout,
        screen,
        (w) => this.statusText(w),
        request.nested,
      );
    }
    return undefined;
  }

  private sectionBefore(at: readonly number[], fallback: string): string {
    const index = at[at.length - 1] ?? 0;
    if (index === 0) return fallback;
    return sectionAt(this.script, [...at.slice(0, -1), index - 1]);
  }

  /** The plan's index of the first shown command at or after `at`. */
  private firstShownFrom(at: readonly number[]): number | undefined {
    for (let p: number[] | undefined = [...at]; p !== undefined; p = nextPath(this.script, p)) {
      const step = stepAt(this.script, p);
      if (step?.kind === "command") {
        const found = this.tracker.find(step.loc.file, step.loc.line);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }

  private statusText(width: number): string {
    const t = this.tracker;
    const rehearsed = t.rehearsedAt();
    const elapsed = t.elapsed();
    return formatLine(
      {
        demo: t.demo,
        step: t.step,
        total: t.total,
        section: t.section,
        elapsed: clock(elapsed),
        pace: rehearsed === undefined ? undefined : behind(elapsed, rehearsed),
      },
      width,
    );
  }

  /** Puts the status line up, and the session's saved state back when resuming. */
  async begin(shell: Shell): Promise<void> {
    this.shell = shell;
    if (this.restore !== undefined) await shell.run(this.restore);
    this.tracker.onChange(() => {
      if (!this.running) this.status?.draw();
    });
    this.status?.show();
    this.unresize = this.deps.onResize(() => this.status?.draw());
    this.unalternate = this.deps.alternate?.((on) => {
      this.away = on;
      if (on) this.status?.suspend();
      else this.status?.resume();
    });
    this.timer = setInterval(() => {
      if (!this.running) this.status?.draw();
    }, 1000);
    this.timer.unref();
  }

  /** The presenter pressed the status key. */
  toggleStatus(): void {
    if (this.status === undefined && this.deps.screen) {
      this.status = new StatusLine(
        this.deps.terminal ?? this.deps.stdout,
        this.deps.screen,
        (w) => this.statusText(w),
        this.request.nested,
      );
      if (this.away) this.status.suspend();
      this.status.show();
    } else {
      this.status?.toggle();
    }
  }

  private started(_p: Presentation): void {
    this.running = true;
    this.tracker.started();
  }

  /** Saves where the talk is and the session's state; never half-written. */
  private saveState(): void {
    const file = this.statePath;
    const shell = this.shell;
    const walker = this.walker;
    if (file === undefined || !shell || !walker) return;
    const done = walker.position();
    const step = stepAt(this.script, done);
    if (!step) return;
    const section = this.tracker.section;
    const elapsedMs = this.tracker.elapsed();
    this.saving = this.saving.then(async () => {
      const session = await shell.state();
      if (session === undefined) return;
      const state: SavedState = {
        version: 1,
        demo: path.resolve(this.deps.host.cwd, this.request.file),
        args: this.request.args,
        done,
        step: describeStep(step),
        section,
        elapsedMs,
        saved: new Date(this.deps.now()).toISOString(),
        session,
      };
      try {
        this.deps.files.write(file, `${JSON.stringify(state)}\n`, 0o600);
      } catch (error) {
        this.deps.stderr.write(
          `demoshts: cannot save the state to resume from: ${(error as Error).message}\n`,
        );
        this.statePath = undefined;
      }
    });
  }

  /**
   * After the walk: timings, reports, the summary, the result for an outer demo. Returns
   * the exit code to use (a report that cannot be written fails the run).
   */
  async finish(outcome: WalkOutcome, code: number): Promise<number> {
    await this.saving;
    const { request, deps } = this;
    const run = this.tracker.result();
    const complete = outcome.kind === "done" || outcome.kind === "exited";
    const outcomeText = code === 0 ? "passed" : code === 130 ? "interrupted" : "failed";
    let result = code;
    const write = (what: string, file: string, text: () => Promise<string> | string) =>
      Promise.resolve()
        .then(text)
        .then((t) => deps.files.write(path.resolve(deps.host.cwd, file), t))
        .catch((error: Error) => {
          deps.stderr.write(`demoshts: cannot write the ${what} ${file}: ${error.message}\n`);
          if (result === 0) result = 1;
        });
    if (request.nested && this.channelDir !== undefined) {
      const name = `nested-${String(deps.now()).padStart(15, "0")}-${Math.random().toString(36).slice(2)}.json`;
      await write("result for the outer demo", path.join(this.channelDir, name), () =>
        JSON.stringify(run),
      );
    }
    const keepRehearsal = !complete && this.rehearsal?.complete === true;
    if (request.timings !== undefined && keepRehearsal) {
      deps.stderr.write(
        `demoshts: ${request.timings} keeps its whole rehearsal: this run stopped before the end\n`,
      );
    } else if (request.timings !== undefined) {
      const timings = timingsOf(
        run,
        this.tracker.sections,
        run.durationMs,
        complete,
        new Date(deps.now()),
      );
      await write("timings", request.timings, () => `${JSON.stringify(timings, null, 2)}\n`);
    }
    if (request.reports.json !== undefined) {
      const { jsonReport } = await import("./report.js");
      await write("JSON report", request.reports.json, () => jsonReport(run, outcomeText));
    }
    if (request.reports.junit !== undefined) {
      const { junitReport } = await import("./report.js");
      await write("JUnit report", request.reports.junit, () => junitReport(run));
    }
    if (request.stepSummary !== undefined && !request.nested) {
      const { stepSummary } = await import("./report.js");
      try {
        deps.files.append(request.stepSummary, stepSummary(run, outcomeText));
      } catch (error) {
        deps.stderr.write(
          `demoshts: cannot append to $GITHUB_STEP_SUMMARY: ${(error as Error).message}\n`,
        );
      }
    }
    if (complete && this.statePath !== undefined) deps.files.remove(this.statePath);
    return result;
  }

  /** Gives the terminal back and removes this run's own files; on every way out. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.unresize?.();
    this.unalternate?.();
    this.status?.hide();
    if (this.ownChannel && this.channelDir !== undefined) {
      for (const name of this.deps.files.list(this.channelDir)) {
        this.deps.files.remove(path.join(this.channelDir, name));
      }
      this.deps.files.remove(this.channelDir);
    }
  }
}
