import * as path from "node:path";
import { Command, CommanderError } from "commander";
import type { KubeconfigSource } from "../kube/kubeconfig.js";
import type { KeyInput, Keys } from "../present/keys.js";
import { DEFAULT_TYPING, parseTyping, type Typing } from "../present/presenter.js";
import type { Screen } from "../present/status.js";
import { type LoadOptions, loadScript } from "../reader/load.js";
import type { FileData, ReadHost } from "../reader/read.js";
import type { RunFiles } from "../run/cockpit.js";
import type { GuardVerdict, RunChannel, ShellStart } from "../run/run.js";
import type { Stage } from "../run/stage.js";
import { demoWords } from "../script/options.js";
import type { Step } from "../script/types.js";
import type { BashOptions, BashSession } from "../session/bash.js";
import type { Shell } from "../session/shell.js";
import { parseDuration } from "../util/duration.js";
import type { Output } from "../util/output.js";

/** The exit codes, as documented in `--help` and the README. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** Everything the CLI needs from the process, so that it can run anywhere. */
export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly home: string | undefined;
  readonly version: string;
  /** An absolute command that runs this same tool (what `$SHELL` holds in a demo). */
  selfCommand(): string;
  /** Where `selfCommand()` puts it, without making it: for the dry run and the check. */
  selfPath(): string;
  readFile(absolutePath: string): FileData;
  /** Is standard input a terminal (a presenter can press keys)? */
  readonly stdinIsTTY: boolean;
  /** Is standard output a terminal (screen codes mean something)? */
  readonly stdoutIsTTY: boolean;
  /** The terminal's width, for wrapping commentary. */
  readonly columns: number;
  /** How much colour standard output takes (0: none), from the terminal, NO_COLOR and FORCE_COLOR. */
  readonly colorLevel: 0 | 1 | 2 | 3;
  /** The presenter's keys (only asked for when a presenter runs the demo). */
  keys(): Keys;
  /** The terminal's input, for a run that keeps it in raw mode throughout (on a pty). */
  rawInput(): KeyInput;
  /** The terminal's height. */
  readonly rows: number;
  /** Calls `listener` when the window changes size; returns how to stop. */
  onResize(listener: (columns: number, rows: number) => void): () => void;
  /** Starts a bash session (`make` builds it; a direct session by default). */
  startShell(
    start: ShellStart,
    make?: (options: BashOptions) => BashSession,
  ): Shell | Promise<Shell>;
  sleep(ms: number): Promise<void>;
  random(): number;
  now(): number;
  /** Calls `listener` on SIGINT; returns how to stop listening. */
  onInterrupt(listener: () => void): () => void;
  /**
   * The cluster guard: is the current Kubernetes context `expected`, and does its API server
   * answer? (`answered`: a server an outer run found answering for it; see runDemo.)
   */
  guardContext(expected: string, answered?: string): Promise<GuardVerdict>;
  /** "file", "dir", or undefined when nothing is at the path. */
  kindOf(absolutePath: string): "file" | "dir" | undefined;
  listDir(absolutePath: string): string[];
  /** Where an executable `name` is on `pathEnv` (a PATH value), if anywhere. */
  which(name: string, pathEnv: string): string | undefined;
  /** Where check keeps the CRDs it read between runs: a directory, and what names this build. */
  crdCache?(): { dir: string; stamp: string } | undefined;
  /** Runs a CLI's version command with a time limit (doctor only); its first line of output. */
  runVersion(path: string, args: readonly string[], timeoutMs: number): Promise<string | undefined>;
  /** Where the kubeconfig is read from, as kubectl would. */
  readonly kubeconfig: KubeconfigSource;
  /** State, timings and reports: files written whole or not at all. */
  readonly files: RunFiles;
  /** The terminal standard output shows, or undefined when it is not one. */
  screen(): Screen | undefined;
  /**
   * The channel between the demos of one run, named by `name`: a new name for
   * the outermost demo when undefined. Returns it and its name (for nested demos).
   */
  channel(name: string | undefined): { readonly name: string; readonly channel: RunChannel };
}

/** Options a nested demo (`$SHELL other.md`) takes over from the demo that runs it. */
interface Inherited {
  ci?: boolean;
  quiet?: boolean;
  keepGoing?: boolean;
  typeout?: boolean;
  typing?: Typing;
  timeoutMs?: number;
  /** The run's channel (`Q` in a nested demo ends them all). */
  channel?: string;
}

const INHERIT_VAR = "DEMOSHTS_INHERIT";
const BASH_VAR = "DEMOSHTS_BASH";
const TRUTHY = /^(yes|true|t|y|1)$/i;

interface Options {
  dryRun?: boolean;
  json?: boolean;
  init: boolean;
  builtins: boolean;
  debug?: boolean;
  ci?: boolean;
  quiet?: boolean;
  keepGoing?: boolean;
  timeout?: string;
  typingSpeed?: string;
  typeout: boolean;
  blurb: boolean;
  kubeContext?: string;
  status?: boolean;
  timings?: string;
  resume?: boolean;
  from?: string;
  report?: string[];
  record?: string;
  replay?: string;
  fallback?: string;
  cols?: string;
  rows?: string;
  pty: boolean;
  bash?: string;
}

const HELP_AFTER = `
Keys (presenter):
  RETURN  run the command (while typing: finish typing and run)
  SPACE   finish typing, then wait
  -       go back: show and run the previous command again
  +       skip this command
  Q       quit the whole run, nested demos too (capital Q)
  s       show or hide the status line
  Ctrl-C  interrupt the running command; the demo goes on
  R       with --fallback: play the recorded output instead of running

On stage, the position and the session's state are saved after each step
(in $XDG_STATE_HOME/demoshts, else ~/.local/state/demoshts): after a crash,
--resume FILE goes on after the last step done. --from runs the hidden setup
before the first @SHOW, then starts at the location.

CI mode (--ci, or when standard input is not a terminal, or CI is set):
  no typing and no waits; every command is printed with its file:line
  before it runs; the run stops at the first failing command (exit 1)
  unless --keep-going. Mark a command whose failure is part of the story
  with @fails on the line before it (#@fails, or <!-- @fails -->).

Recording (on a pseudo-terminal; --no-pty runs bash straight on the terminal):
  --record talk.cast     records what the audience sees (asciicast v2) with
                         headings as chapter markers; the steps go to
                         talk.cast.steps. In CI mode the terminal is --cols x
                         --rows (100x30).
  --replay talk.cast     presents the demo as live (typing, keys) but runs
                         nothing: each command's recorded output is played
                         (Ctrl-C cuts it short).
  --fallback talk.cast   runs live; a shown command that fails or times out is
                         followed by its recorded output. R (at a command)
                         plays the recording instead of running it.
  demoshts check --replay talk.cast FILE   which steps are recorded or stale
  demoshts export talk.cast --html talk.html   one page that plays it

Arguments:
  Options go before FILE; the words after FILE go to the demo as $1, $2, ...
  A word after FILE that is one of the options above is refused (exit 2), so
  that "demoshts README.md --dry-run" cannot run the talk: put the option
  before FILE, or write -- after FILE to pass such words to the demo
  ("demoshts README.md -- --dry-run" makes $1 "--dry-run").

Commands:
  demoshts check FILE [ARGS...]    find what would break the demo, without running it
  demoshts doctor FILE [ARGS...]   what the demo needs, and whether this machine has it
  (demoshts check --help and demoshts doctor --help tell more; they take
  options and arguments by the same rule)

Dry run:
  --dry-run walks the whole demo as a presenter run would (modes, macros,
  ifhooks from the environment, nested $SHELL demos) and prints every step
  with its file:line, what the audience would see and where a key would be
  pressed. It executes nothing: no command, no assignment, no $( ).

Requirements:
  bash 4.0 or newer runs the demo: bash on PATH, or the one named with
  --bash PATH or DEMOSHTS_BASH=PATH (macOS ships bash 3.2: brew install bash).
  Linux and macOS are supported.

Exit codes:
  0    every step was fine
  1    a step failed
  2    the script or the arguments are wrong (nothing was run)
  130  interrupted by Ctrl-C (SIGINT); 143 after SIGTERM, 129 after SIGHUP
`;

function describeStep(step: Step, depth = 0): string[] {
  const where = `${step.loc.file}:${step.loc.line}`;
  const pad = "  ".repeat(depth);
  const one = (what: string): string[] => [`${where}: ${pad}${what}`];
  switch (step.kind) {
    case "commentary":
      return one(
        `${step.hidden ? "hidden " : ""}commentary (${step.format}): ${JSON.stringify(step.text)}`,
      );
    case "blank":
      return one("blank line");
    case "command":
      return one(`command (lines ${step.loc.line}-${step.endLine}): ${JSON.stringify(step.text)}`);
    case "typed":
      return one(`typed, not run: ${JSON.stringify(step.text)}`);
    case "mode":
      return one(`mode @${step.mode}`);
    case "modifier":
      return one(`modifier @${step.modifier}`);
    case "wait":
      return one("@wait");
    case "print":
      return one(`@print ${JSON.stringify(step.args)}`);
    case "immediate":
      return one(`immediate command: ${JSON.stringify(step.text)}`);
    case "hook":
      return one(`@hook ${step.name} runs $DEMO_HOOK_${step.suffix}`);
    case "import":
      return one(`@import ${step.path} (${step.format})`);
    case "kube-context":
      return one(`@kube-context ${step.name}`);
    case "macro":
    case "ifhook":
      return [
        ...one(`@${step.kind} ${step.name} (lines ${step.loc.line}-${step.endLine})`),
        ...step.body.flatMap((s) => describeStep(s, depth + 1)),
      ];
  }
}

/** Runs the command line `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv[0] === "check" || argv[0] === "doctor") return checkOrDoctor(argv[0], argv.slice(1), io);
  if (argv[0] === "export") {
    const { exportCommand } = await import("./export.js");
    return exportCommand(argv.slice(1), io);
  }
  const program = new Command()
    .name("demoshts")
    .description(
      "Run a Markdown or shell demo script in front of an audience, or check it unattended.",
    )
    .argument("<file>", "the demo: Markdown if it ends in .md, else a shell script")
    .argument("[args...]", "arguments for the demo: $1, $2, ...")
    .option("--dry-run", "show what would happen, step by step; execute nothing")
    .option("--json", "with --dry-run: print the plan as JSON Lines, one object per step")
    .option("--no-init", "do not read .demoshrc / .demoshrc.md (here, then in $HOME)")
    .option("--no-builtins", "do not define the builtin macros")
    .option("--debug", "print how every line of the script was understood")
    .option("--ci", "run unattended: no typing, no waits, stop at the first failure")
    .option("--quiet", "in CI mode: print commands and failures, not commentary")
    .option("--keep-going", "in CI mode: after a failure, go on and report all failures at the end")
    .option("--timeout <duration>", "kill any command running longer than this (30s, 2m, 1m30s)")
    .option("--typing-speed <ms>", "delay between typed characters: MIN-MAX or MS (default 10-100)")
    .option("--no-typeout", "show each command at once instead of typing it out")
    .option("--no-blurb", "do not show the notice about the keys at start")
    .option(
      "--kube-context <name>",
      "refuse to start unless the current Kubernetes context is NAME and its API server answers",
    )
    .option("--status", "on stage: a status line at the bottom (the s key shows or hides it)")
    .option(
      "--timings <file>",
      "write each section's and step's durations to FILE.json; compare the talk against it",
    )
    .option("--resume", "go on after a crash where the last presenter run of FILE stopped")
    .option("--from <location>", "start at FILE:LINE or at a heading (hidden setup still runs)")
    .option(
      "--report <kind=file>",
      "write a report of every command run: junit=FILE or json=FILE (repeatable)",
      collect,
    )
    .option(
      "--bash <path>",
      `the bash to run the demo with (4.0 or newer; default: $${BASH_VAR}, else bash on PATH)`,
    )
    .option("--record <file>", "record the run as asciicast v2 (its steps go to FILE.steps)")
    .option("--replay <file>", "present the demo from a recording: nothing is executed")
    .option("--fallback <file>", "run live; play the recorded output of a command that fails")
    .option("--cols <n>", "with --record in CI mode: the terminal's width (default 100)")
    .option("--rows <n>", "with --record in CI mode: the terminal's height (default 30)")
    .option("--no-pty", "run bash directly on this terminal, not on a pseudo-terminal")
    .version(io.version, "-V, --version", "print the version")
    .helpOption("-h, --help", "show this help")
    .addHelpText("after", HELP_AFTER)
    .passThroughOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  try {
    program.parse([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  const options = program.opts<Options>();
  const [file, words = []] = program.processedArgs as [string, string[] | undefined];
  const args = demoArguments(program, file, words, io);
  if (args === undefined) return EXIT.usage;
  const timing = parseTiming(options, io);
  if (timing === undefined) return EXIT.usage;

  const reports: { junit?: string; json?: string } = {};
  for (const report of options.report ?? []) {
    const { parseReport } = await import("../run/report.js");
    const problem = parseReport(report, reports);
    if (problem) {
      io.stderr.write(`demoshts: ${problem}\n`);
      return EXIT.usage;
    }
  }
  if (options.dryRun && (options.resume || options.from || options.report || options.status)) {
    io.stderr.write(
      "demoshts: --dry-run shows the whole plan; --resume, --from, --report and --status are for live runs\n",
    );
    return EXIT.usage;
  }
  if (options.json && !options.dryRun) {
    io.stderr.write("demoshts: --json goes with --dry-run\n");
    return EXIT.usage;
  }
  const host: ReadHost = { cwd: io.cwd, readFile: (p) => io.readFile(p) };
  const load = { builtins: options.builtins, init: options.init, home: io.home };
  if (options.debug) debugSteps(file, load, host, io);
  if (!options.dryRun) return live(file, args, options, timing, load, host, io, reports);

  // Each mode loads only its own modules: start-up time matters on stage and in CI.
  const { planDemo } = await import("../plan/plan.js");
  const { formatDiagnostic, formatPlanJson, formatPlanText } = await import("../plan/format.js");
  const result = await planDemo(
    { file, args, env: io.env, load, shellCommand: io.selfPath() },
    host,
  );
  for (const warning of result.warnings) io.stderr.write(`${formatDiagnostic(warning)}\n`);
  if (!result.ok) {
    io.stderr.write(`${formatDiagnostic(result.error)}\n`);
    io.stderr.write(`demoshts: ${path.basename(file)} was not run: nothing was executed.\n`);
    return EXIT.usage;
  }
  const first = result.records.find((r) => r.depth === 0 && r.file === file);
  if (options.timings !== undefined && !options.json) {
    const { rehearsedPlan } = await import("../run/timings.js");
    const text = io.readFile(path.resolve(io.cwd, options.timings));
    const shown = rehearsedPlan(
      result.records,
      text.ok ? Buffer.from(text.data).toString("utf8") : undefined,
    );
    if (typeof shown === "string") {
      io.stderr.write(`demoshts: --timings ${options.timings}: ${shown}\n`);
      return EXIT.usage;
    }
    io.stdout.write(formatPlanText(result.records, { file, line: first?.line ?? 1 }, shown.note));
    io.stdout.write(`${shown.total(options.timings)}\n`);
    return EXIT.ok;
  }
  io.stdout.write(
    options.json
      ? formatPlanJson(result.records)
      : formatPlanText(result.records, { file, line: first?.line ?? 1 }),
  );
  return EXIT.ok;
}

function debugSteps(file: string, load: LoadOptions, host: ReadHost, io: CliIo): void {
  const loaded = loadScript(file, load, host);
  if (!loaded.ok) return;
  for (const step of loaded.script.steps) {
    for (const line of describeStep(step)) io.stderr.write(`debug: ${line}\n`);
  }
}

interface Timing {
  readonly timeoutMs?: number;
  readonly typing?: Typing;
}

/** --timeout and --typing-speed, checked in every mode (a dry run must refuse what a live run would). */
function parseTiming(options: Options, io: CliIo): Timing | undefined {
  let timeoutMs: number | undefined;
  if (options.timeout !== undefined) {
    timeoutMs = parseDuration(options.timeout);
    if (timeoutMs === undefined || timeoutMs <= 0) {
      io.stderr.write(`demoshts: --timeout ${options.timeout} is not a duration (try 30s, 2m)\n`);
      return undefined;
    }
  }
  let typing: Typing | undefined;
  if (options.typingSpeed !== undefined) {
    typing = parseTyping(options.typingSpeed);
    if (!typing) {
      io.stderr.write(
        `demoshts: --typing-speed ${options.typingSpeed} is not MIN-MAX or MS (try 10-100)\n`,
      );
      return undefined;
    }
  }
  return {
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(typing === undefined ? {} : { typing }),
  };
}

/**
 * The words after FILE, for the demo ($1, $2, ...), by one rule for every
 * command. A word there that is one of the command's own options is most
 * likely a misplaced option (`demoshts README.md --dry-run` would run the
 * talk), so it is refused, unless `--` right after FILE says that the words
 * are the demo's (that `--` is dropped), or a `--` before the word does.
 */
function demoArguments(
  command: Command,
  file: string,
  words: readonly string[],
  io: CliIo,
): string[] | undefined {
  const given = demoWords(
    words,
    command.options.map((o) => ({ short: o.short, long: o.long, value: o.required || o.optional })),
  );
  if ("args" in given) return [...given.args];
  const { refused: word, index } = given;
  const name = command.name();
  const option = command.options.find((o) => word === o.short || word === o.long);
  const takesValue = option?.required && !word.includes("=");
  const asOption = takesValue && index + 1 < words.length ? `${word} ${words[index + 1]}` : word;
  io.stderr.write(
    `${name}: ${word} comes after ${file}, so it would go to the demo as $${index + 1}, not to ${name}\n` +
      `  to use it as an option, put it before ${file}: ${name} ${asOption} ${file}\n` +
      `  to pass it to the demo, put -- after ${file}: ${name} ${file} -- ${words.join(" ")}\n`,
  );
  return undefined;
}

function inherited(env: CliIo["env"]): Inherited {
  const text = env[INHERIT_VAR];
  if (!text) return {};
  try {
    return JSON.parse(text) as Inherited;
  } catch {
    return {};
  }
}

function ciFromEnv(env: CliIo["env"]): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

/** A live run: on stage with a presenter, or unattended in CI. */
async function live(
  file: string,
  args: readonly string[],
  options: Options,
  timing: Timing,
  load: LoadOptions,
  host: ReadHost,
  io: CliIo,
  reports: { junit?: string; json?: string },
): Promise<number> {
  const parent = inherited(io.env);
  const nested = io.env[INHERIT_VAR] !== undefined;
  const timeoutMs = timing.timeoutMs ?? parent.timeoutMs;
  const typing = timing.typing ?? parent.typing ?? DEFAULT_TYPING;
  const ci = Boolean(options.ci || parent.ci || !io.stdinIsTTY || ciFromEnv(io.env));
  const settings = {
    ci,
    quiet: Boolean(options.quiet || parent.quiet),
    keepGoing: Boolean(options.keepGoing || parent.keepGoing),
    typeout: options.typeout && parent.typeout !== false,
    timeoutMs,
    colorLevel: io.colorLevel,
    width: io.columns,
    quietFailure: TRUTHY.test(io.env.DEMOSH_QUIET_FAILURE ?? ""),
    interactive: io.stdinIsTTY,
    githubActions: io.env.GITHUB_ACTIONS === "true",
    screen: io.stdoutIsTTY,
  };
  const { name: channelName, channel } = io.channel(nested ? parent.channel : undefined);
  const handDown: Inherited = {
    ci: settings.ci,
    quiet: settings.quiet,
    keepGoing: settings.keepGoing,
    typeout: settings.typeout,
    typing,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    channel: channelName,
  };
  const blurb = options.blurb && !nested && !(io.env.DEMOSH_NO_BLURB ?? "") && !ci;
  const bash = options.bash ?? (io.env[BASH_VAR] || undefined);
  const stage = stageOf(options);
  if (typeof stage === "string") {
    io.stderr.write(`demoshts: ${stage}\n`);
    return EXIT.usage;
  }
  const staged =
    stage.record !== undefined ||
    stage.replay !== undefined ||
    stage.fallback !== undefined ||
    (!ci && stage.pty && !nested);
  const screen = ci ? undefined : io.screen();
  // The cockpit's modules load only when something needs them: CI's start-up stays quick.
  const wanted =
    options.status ||
    options.timings !== undefined ||
    options.resume ||
    options.from !== undefined ||
    reports.junit !== undefined ||
    reports.json !== undefined ||
    (ci && io.env.GITHUB_STEP_SUMMARY) ||
    (nested && io.env.DEMOSHTS_CHANNEL) ||
    screen !== undefined;
  const request = {
    file,
    args,
    load,
    settings,
    typing,
    blurb,
    summary: !nested,
    kubeContext: options.kubeContext ?? (io.env.DEMOSH_KUBE_CONTEXT || undefined),
    ...(wanted
      ? {
          cockpit: {
            nested,
            status: Boolean(options.status),
            timings: options.timings,
            reports,
            resume: Boolean(options.resume),
            from: options.from,
            stepSummary: (ci && !nested && io.env.GITHUB_STEP_SUMMARY) || undefined,
          },
        }
      : {}),
    bash,
  };
  const env = {
    ...io.env,
    SHELL: io.selfCommand(),
    [INHERIT_VAR]: JSON.stringify(handDown),
    // Nested demos run with the same bash.
    ...(bash === undefined ? {} : { [BASH_VAR]: bash }),
  };
  const deps = {
    host,
    stdout: io.stdout,
    stderr: io.stderr,
    env,
    startShell: (start: ShellStart) => io.startShell(start),
    // On a pseudo-terminal the keys come through it; elsewhere from the terminal itself.
    keys: ci || staged ? undefined : io.keys(),
    random: () => io.random(),
    onInterrupt: (listener: () => void) => io.onInterrupt(listener),
    guardContext: (expected: string, answered?: string) => io.guardContext(expected, answered),
    now: () => io.now(),
    channel,
    outermost: !nested,
    cockpit: {
      home: io.home ?? io.cwd,
      files: io.files,
      screen,
      // The status line goes straight to the terminal: never into a recording.
      terminal: io.stdout,
      onResize: (listener: () => void) => io.onResize(listener),
    },
  };
  if (!staged) {
    const { runDemo } = await import("../run/run.js");
    return runDemo(request, deps);
  }
  const { runStaged } = await import("../run/stage.js");
  return runStaged(
    request,
    { ...deps, keys: ci ? undefined : io.keys() },
    { ...stage, pty: stage.pty && !nested },
    {
      cwd: io.cwd,
      input: () => io.rawInput(),
      stdoutIsTTY: io.stdoutIsTTY,
      columns: io.columns,
      rows: io.rows,
      onResize: (listener) => io.onResize(listener),
      term: io.env.TERM || "xterm-256color",
      startShell: (start, make) => io.startShell(start, make),
      sleep: (ms) => io.sleep(ms),
      plan: { env, load, shellCommand: io.selfPath() },
    },
  );
}

/** Reads the recording options; a message when they do not go together. */
function stageOf(options: Options): Stage | string {
  const { record, replay, fallback } = options;
  if (replay !== undefined && (record !== undefined || fallback !== undefined)) {
    return "--replay goes alone: it runs nothing, so it neither records nor falls back";
  }
  if (!options.pty && (record !== undefined || replay !== undefined)) {
    return `${record !== undefined ? "--record" : "--replay"} needs the pseudo-terminal: drop --no-pty`;
  }
  const size = (value: string | undefined, name: string, fallback: number): number | string => {
    if (value === undefined) return fallback;
    if (record === undefined) return `--${name} goes with --record`;
    const n = Number(value);
    if (!/^[0-9]+$/.test(value) || n < 10 || n > 1000) {
      return `--${name} ${value} is not a number of ${name === "cols" ? "columns" : "rows"} from 10 to 1000`;
    }
    return n;
  };
  const columns = size(options.cols, "cols", 100);
  if (typeof columns === "string") return columns;
  const rows = size(options.rows, "rows", 30);
  if (typeof rows === "string") return rows;
  for (const [flag, file] of [
    ["--record", record],
    ["--replay", replay],
    ["--fallback", fallback],
  ] as const) {
    if (file === "") return `${flag} needs a file name`;
  }
  if (record !== undefined && record === (fallback ?? replay)) {
    return `--record ${record} would overwrite the recording it falls back to: record to another file`;
  }
  return { record, replay, fallback, pty: options.pty, columns, rows };
}

const ARGUMENT_RULE = `
Options go before FILE; the words after FILE are the demo's $1, $2, ... A word
after FILE that is one of the options above is refused (exit 2): put it before
FILE, or write -- after FILE to pass it to the demo.
`;

const CHECK_HELP = `${ARGUMENT_RULE}
What it reports, each as file:line: error|warning|note: message:
  - what reading the script reports (as the dry run does), nested demos included;
  - files the script uses that do not exist: imports, nested demos ($SHELL x,
    bash x.sh, ./x.sh), and the files given to kubectl apply/create/delete/replace
    -f and apply -k (and the kustomization's resources), helm install/upgrade
    --values/-f, bat, cat, diff, source, < redirections; files the script makes
    first (>, heredocs, tee, cp, mv, mkdir, curl -o, git clone...) are not missing;
    paths that cannot be known without running anything are notes, "not checked";
  - YAML that does not parse, at the YAML file's own line and column (a heredoc's
    at its line in the script);
  - Kubernetes manifests that do not match their CRD's schema (the CRDs found in
    the files the script applies, plus --crds), at the manifest's line;
    a custom kind with no schema is one note, "not validated" (Kubernetes's own
    kinds have no schema here and are not checked);
  - commands the script runs that are not on PATH, as warnings (notes when the
    script tests for them with command -v, or installs them itself; nothing for
    a command behind a command -v test that goes the other way on this machine).
Nothing in the script is executed. With GITHUB_ACTIONS=true, findings are also
printed as GitHub Actions annotations. The CRDs of a file holding only CRDs are
kept in $XDG_CACHE_HOME/demoshts/crds (else ~/.cache/demoshts/crds) by its
SHA-256, so the next check does not parse it again.

With --replay talk.cast it checks the recording instead: each command the demo
runs is recorded, recorded at another line, stale (the command changed since)
or missing; a replay shows stale and missing commands as skipped.

Exit codes:
  0  no errors (with --replay: every command recorded)   1  errors found (stale
  or missing)   2  the check could not run   130  Ctrl-C
`;

const DOCTOR_HELP = `${ARGUMENT_RULE}
Lists every command the demo runs on the path it takes on this machine (found
where, which version): commands behind a failed "command -v X" test are not
needed, a function or alias the demo defines stands in for a missing program,
and a command the demo writes or unpacks into a directory on its PATH, or first
runs after it runs a downloaded installer and then adds a directory to PATH, is
installed by the demo.
Shows the current Kubernetes context and whether its API server answers. Runs
each CLI's version command; never runs any part of the demo.

Exit codes:
  0  everything is there   1  something is missing   2  the demo cannot be read
  130  Ctrl-C
`;

/** `demoshts check` and `demoshts doctor`: read the demo as a run would, execute none of it. */
async function checkOrDoctor(which: "check" | "doctor", argv: readonly string[], io: CliIo) {
  const command = new Command()
    .name(`demoshts ${which}`)
    .description(
      which === "check"
        ? "Check a demo before the talk: missing files, bad YAML and manifests, missing commands."
        : "Tell what a demo needs from this machine, and whether it is there.",
    )
    .argument("<file>", "the demo: Markdown if it ends in .md, else a shell script")
    .argument("[args...]", "arguments for the demo: $1, $2, ...")
    .option("--env <name=value>", "assume this variable is set (repeatable)", collect)
    .option("--no-init", "do not read .demoshrc / .demoshrc.md")
    .option("--no-builtins", "do not define the builtin macros")
    .helpOption("-h, --help", "show this help")
    .addHelpText("after", which === "check" ? CHECK_HELP : DOCTOR_HELP)
    .passThroughOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  if (which === "check") {
    command
      .option("--crds <files...>", "more CRD files to validate manifests against")
      .option("--format <format>", "text or json", "text")
      .option(
        "--replay <recording>",
        "instead: list which commands the recording (--record) has, and which are stale",
      );
  }
  try {
    command.parse([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
  const opts = command.opts<{
    env?: string[];
    init: boolean;
    builtins: boolean;
    crds?: string[];
    format?: string;
    replay?: string;
  }>();
  const [file, words = []] = command.processedArgs as [string, string[] | undefined];
  const args = demoArguments(command, file, words, io);
  if (args === undefined) return EXIT.usage;
  const env: Record<string, string | undefined> = { ...io.env };
  for (const pair of opts.env ?? []) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      io.stderr.write(`demoshts: --env ${pair} is not NAME=VALUE\n`);
      return EXIT.usage;
    }
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (opts.format !== undefined && opts.format !== "text" && opts.format !== "json") {
    io.stderr.write(`demoshts: --format ${opts.format} is not text or json\n`);
    return EXIT.usage;
  }
  const request = {
    file,
    args,
    env,
    load: { builtins: opts.builtins, init: opts.init, home: io.home },
    crds: opts.crds ?? [],
    format: (opts.format ?? "text") as "text" | "json",
    githubActions: io.env.GITHUB_ACTIONS === "true",
    shellCommand: io.selfPath(),
  };
  if (which === "check" && opts.replay !== undefined) {
    const { checkRecording } = await import("./check-recording.js");
    return checkRecording(opts.replay, request, io);
  }
  if (which === "check") {
    const { runCheck } = await import("../check/check.js");
    return runCheck(request, io);
  }
  const { runDoctor } = await import("../doctor/doctor.js");
  return runDoctor(request, io);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
