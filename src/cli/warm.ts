import * as path from "node:path";
import { demoWords, MAIN_OPTIONS } from "../script/options.js";

/**
 * A live run's first wait is for its bash: starting it, and bash setting up its session,
 * take about as long as loading the rest of the tool. So the entry guesses from the
 * command line, before anything else loads, whether this is a live run and which session
 * it will ask for, and starts that session at once. The run takes it when it asks for
 * exactly that session (see BashSession.adopt); otherwise it is closed unused. The guess
 * is only ever a head start: a session started early runs nothing but its own set-up,
 * and no command of the demo reaches it before the demo has been read whole.
 */
export interface EarlySession {
  /** The bash to start (DEMOSHTS_BASH), else bash from PATH. */
  readonly bash: string | undefined;
  /** `$0`: the demo's absolute path. */
  readonly argv0: string;
  readonly args: readonly string[];
  readonly cwd: string;
}

export interface EarlyHost {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Are standard output and standard error both not terminals (output may be passed through)? */
  readonly outputPiped: boolean;
}

/** Words after which no session is started, or not the default one (a pseudo-terminal). */
const NO_SESSION = new Set([
  "--dry-run",
  "--version",
  "-V",
  "--help",
  "-h",
  "--bash",
  "--record",
  "--replay",
  "--fallback",
]);

const SUBCOMMANDS = new Set(["check", "doctor", "export"]);

/** The session a live run of this command line will start, or undefined when there is none to guess. */
export function earlySession(host: EarlyHost): EarlySession | undefined {
  const { argv, env } = host;
  // bash reads $BASH_ENV when it starts: only once the demo has been read.
  if (env.BASH_ENV) return undefined;
  if (SUBCOMMANDS.has(argv[0] ?? "")) return undefined;
  let file: string | undefined;
  let rest: readonly string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word.startsWith("-") && word !== "-") {
      const name = word.split("=")[0] as string;
      if (NO_SESSION.has(name)) return undefined;
      // Reports keep each command's output, passed through the runner when it is not a terminal.
      if (name === "--report" && host.outputPiped) return undefined;
      // Anything unusual (`--` before the demo, a word that is no option) is left to the run.
      const option = MAIN_OPTIONS.find((o) => o.long === name || o.short === name);
      if (!option) return undefined;
      if (option.value && !word.includes("=")) i++;
      continue;
    }
    file = word;
    rest = argv.slice(i + 1);
    break;
  }
  if (file === undefined || file === "") return undefined;
  const words = demoWords(rest);
  if (!("args" in words)) return undefined;
  // A nested demo of a run that keeps reports passes its output through, as above.
  if (env.DEMOSHTS_INHERIT !== undefined && env.DEMOSHTS_CHANNEL && host.outputPiped)
    return undefined;
  return {
    bash: env.DEMOSHTS_BASH || undefined,
    argv0: path.resolve(host.cwd, file),
    args: words.args,
    cwd: host.cwd,
  };
}
