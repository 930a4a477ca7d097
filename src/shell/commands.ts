/**
 * What the shell itself provides, and where the command that really runs
 * starts past wrappers: shared by check and doctor to tell the programs a
 * demo runs from the shell's own words.
 */
import type { Word } from "./syntax.js";

/** A word's value when it is one known word, else undefined. */
type Known = (word: Word) => string | undefined;

/** Reserved words: never programs. */
export const KEYWORDS = new Set([
  "if",
  "then",
  "else",
  "elif",
  "fi",
  "case",
  "esac",
  "for",
  "select",
  "while",
  "until",
  "do",
  "done",
  "in",
  "function",
  "time",
  "coproc",
  "{",
  "}",
  "!",
  "[[",
  "]]",
]);

/** Bash builtins: never looked up on PATH. */
export const BUILTINS = new Set(
  (
    ". : [ alias bg bind break builtin caller cd command compgen complete compopt continue " +
    "declare dirs disown echo enable eval exec exit export false fc fg getopts hash help history " +
    "jobs kill let local logout mapfile popd printf pushd pwd read readarray readonly return set " +
    "shift shopt source suspend test times trap true type typeset ulimit umask unalias unset wait"
  ).split(" "),
);

const SUDO_VALUES = new Set(["-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-T", "-U"]);
const ENV_VALUES = new Set(["-u", "--unset", "-C", "--chdir", "-S", "--split-string"]);
const TIMEOUT_VALUES = new Set(["-s", "--signal", "-k", "--kill-after"]);

/**
 * Where the command that really runs starts, past wrappers that run another
 * command (`env X=1 cmd`, `command cmd`, `exec cmd`, `sudo cmd`, `nohup cmd`,
 * `timeout 5 cmd`, `nice cmd`). `wrappers` are the indexes of the wrappers that
 * are programs of their own (to look up on PATH). `index` is `words.length`
 * when nothing follows them.
 */
export function unwrap(
  words: readonly Word[],
  known: Known,
): { readonly index: number; readonly wrappers: readonly number[] } {
  const wrappers: number[] = [];
  let i = 0;
  const skipOptions = (takesValue: ReadonlySet<string>, also?: (v: string) => boolean): void => {
    while (i < words.length) {
      const value = known(words[i] as Word);
      if (value === undefined) return;
      if (value === "--") {
        i++;
        return;
      }
      if (value.startsWith("-") && value.length > 1) {
        i += takesValue.has(value) ? 2 : 1;
      } else if (also?.(value)) i++;
      else return;
    }
  };
  while (i < words.length) {
    const value = known(words[i] as Word);
    const next = words[i + 1];
    const nextValue = next ? known(next) : undefined;
    if (value === "command" || value === "builtin") {
      // `command -v NAME` only asks about NAME; `builtin` runs builtins only.
      if (value === "command" && nextValue !== undefined && /^-[vV]/.test(nextValue)) break;
      if (!next) break;
      i++;
      if (value === "command") skipOptions(new Set());
    } else if (value === "exec") {
      if (!next) break;
      i++;
      skipOptions(new Set(["-a"]));
    } else if (value === "env") {
      wrappers.push(i);
      i++;
      skipOptions(ENV_VALUES, (v) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(v));
    } else if (value === "nohup") {
      wrappers.push(i);
      i++;
      skipOptions(new Set());
    } else if (value === "sudo") {
      wrappers.push(i);
      i++;
      skipOptions(SUDO_VALUES, (v) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(v));
    } else if (value === "nice") {
      wrappers.push(i);
      i++;
      skipOptions(new Set(["-n", "--adjustment"]));
    } else if (value === "timeout") {
      wrappers.push(i);
      i++;
      skipOptions(TIMEOUT_VALUES);
      if (i < words.length) i++; // the duration
    } else break;
  }
  return { index: i, wrappers };
}
