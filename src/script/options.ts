/**
 * The main command's own option words, as `demoshts --help` lists them. A
 * nested demo (`$SHELL other.md ...`) runs the main command, so the dry run and
 * `check` apply the same rule to its words as the command line does: an option
 * word after FILE is refused (exit 2), unless a `--` comes before it. The CLI's
 * tests keep this list and `--help` in agreement.
 */
export const MAIN_OPTIONS: readonly (OptionWord & { readonly long: string })[] = [
  { short: "-V", long: "--version" },
  { long: "--dry-run" },
  { long: "--json" },
  { long: "--no-init" },
  { long: "--no-builtins" },
  { long: "--debug" },
  { long: "--ci" },
  { long: "--quiet" },
  { long: "--keep-going" },
  { long: "--timeout", value: true },
  { long: "--typing-speed", value: true },
  { long: "--no-typeout" },
  { long: "--no-blurb" },
  { long: "--kube-context", value: true },
  { long: "--status" },
  { long: "--timings", value: true },
  { long: "--resume" },
  { long: "--from", value: true },
  { long: "--report", value: true },
  { long: "--bash", value: true },
  { long: "--record", value: true },
  { long: "--replay", value: true },
  { long: "--fallback", value: true },
  { long: "--cols", value: true },
  { long: "--rows", value: true },
  { long: "--no-pty" },
  { short: "-h", long: "--help" },
];

/** An option word a command takes. */
export interface OptionWord {
  readonly short?: string | undefined;
  readonly long?: string | undefined;
  /** Takes a value, so `--long=VALUE` is the option too. */
  readonly value?: boolean;
}

/**
 * The words after FILE as the demo gets them ($1, $2, ...), or the first word the
 * command would refuse there: one of its `options` (or -h/--help), before any
 * `--` (a `--` right after FILE is dropped). The main command's `options` are
 * `MAIN_OPTIONS`, which a nested demo runs.
 */
export function demoWords(
  words: readonly string[],
  options: readonly OptionWord[] = MAIN_OPTIONS,
): { readonly args: readonly string[] } | { readonly refused: string; readonly index: number } {
  if (words[0] === "--") return { args: words.slice(1) };
  const end = words.indexOf("--");
  const checked = end < 0 ? words : words.slice(0, end);
  for (const [index, word] of checked.entries()) {
    const option = options.some(
      (o) =>
        word === o.short ||
        word === o.long ||
        (o.value === true && o.long !== undefined && word.startsWith(`${o.long}=`)),
    );
    if (option || word === "-h" || word === "--help") return { refused: word, index };
  }
  return { args: [...words] };
}
