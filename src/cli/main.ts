import * as path from "node:path";
import { Command, CommanderError } from "commander";
import { formatDiagnostic, formatPlanJson, formatPlanText } from "../plan/format.js";
import { planDemo } from "../plan/plan.js";
import { loadScript } from "../reader/load.js";
import type { FileData, ReadHost } from "../reader/read.js";
import type { Step } from "../script/types.js";

/** The exit codes, as documented in `--help` and the README. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export interface Output {
  write(text: string): void;
}

/** Everything the CLI needs from the process, so that it can run anywhere. */
export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly home: string | undefined;
  readonly version: string;
  /** An absolute command that runs this same tool (what `$SHELL` holds in a demo). */
  readonly selfCommand: string;
  readFile(absolutePath: string): FileData;
}

interface Options {
  dryRun?: boolean;
  json?: boolean;
  init: boolean;
  builtins: boolean;
  debug?: boolean;
}

const HELP_AFTER = `
Dry run:
  --dry-run walks the whole demo as a presenter run would (modes, macros,
  ifhooks from the environment, nested $SHELL demos) and prints every step
  with its file:line, what the audience would see and where a key would be
  pressed. It executes nothing: no command, no assignment, no $( ).

Exit codes:
  0    every step was fine
  1    a step failed
  2    the script or the arguments are wrong (nothing was run)
  130  interrupted
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
  const [file, args = []] = program.processedArgs as [string, string[] | undefined];

  if (options.json && !options.dryRun) {
    io.stderr.write("demoshts: --json goes with --dry-run\n");
    return EXIT.usage;
  }
  if (!options.dryRun) {
    io.stderr.write(
      "demoshts: this version plans demos only; add --dry-run to see what FILE would do\n",
    );
    return EXIT.usage;
  }

  const host: ReadHost = { cwd: io.cwd, readFile: (p) => io.readFile(p) };
  const load = { builtins: options.builtins, init: options.init, home: io.home };

  if (options.debug) {
    const loaded = loadScript(file, load, host);
    if (loaded.ok) {
      for (const step of loaded.script.steps) {
        for (const line of describeStep(step)) io.stderr.write(`debug: ${line}\n`);
      }
    }
  }

  const result = await planDemo(
    { file, args, env: io.env, load, shellCommand: io.selfCommand },
    host,
  );
  for (const warning of result.warnings) io.stderr.write(`${formatDiagnostic(warning)}\n`);
  if (!result.ok) {
    io.stderr.write(`${formatDiagnostic(result.error)}\n`);
    io.stderr.write(`demoshts: ${path.basename(file)} was not run: nothing was executed.\n`);
    return EXIT.usage;
  }
  io.stdout.write(options.json ? formatPlanJson(result.records) : formatPlanText(result.records));
  return EXIT.ok;
}
