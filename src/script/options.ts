/**
 * The main command's own option words, as `demoshts --help` lists them. A
 * nested demo (`$SHELL other.md ...`) runs the main command, so the dry run and
 * `check` apply the same rule to its words as the command line does: an option
 * word after FILE is refused (exit 2), unless a `--` comes before it. The CLI's
 * tests keep this list and `--help` in agreement.
 */
export const MAIN_OPTIONS: readonly {
  readonly short?: string;
  readonly long: string;
  /** Takes a value, so `--long=VALUE` is the option too. */
  readonly value?: boolean;
}[] = [
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

/**
 * The words after FILE as the demo gets them ($1, $2, ...), or the first word the
 * main command would refuse there: one of its options, before any `--` (a `--`
 * right after FILE is dropped).
 */
export function nestedDemoWords(
  words: readonly string[],
): { readonly args: readonly string[] } | { readonly refused: string; readonly index: number } {
  if (words[0] === "--") return { args: words.slice(1) };
  const end = words.indexOf("--");
  const checked = end < 0 ? words : words.slice(0, end);
  for (const [index, word] of checked.entries()) {
    const option = MAIN_OPTIONS.some(
      (o) => word === o.short || word === o.long || (o.value && word.startsWith(`${o.long}=`)),
    );
    if (option) return { refused: word, index };
  }
  return { args: [...words] };
}
