/**
 * What a word of shell stands for, from what is known of the variables:
 * `$NAME`, `${NAME:-default}`, brace expansion, `~`, and globs matched
 * against the disk. Executes nothing: a command substitution's output is
 * never known.
 */
import type { Part, Word } from "./syntax.js";

/** What is known of the variables: a value, null when set to something unknown, undefined when unset. */
export interface Variables {
  get(name: string): string | null | undefined;
  has(name: string): boolean;
}

/**
 * What can be known about a shell's variables without running anything: a value
 * per name, or `null` when a command set it in a way that cannot be predicted.
 */
export type KnownEnv = Map<string, string | null>;

/** The 0-based line of `offset` in `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 0;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === "\n") line++;
  return line;
}

// ---------------------------------------------------------------------------
// Expanding words

export type Expansion =
  | { readonly ok: true; readonly values: readonly string[] }
  | {
      readonly ok: false;
      /** Why it cannot be known, e.g. `$(...) is only known when the demo runs`. */
      readonly why: string;
      /** Unknown only because it uses a function's arguments: not worth a note. */
      readonly quiet: boolean;
      /** The variable that is not set, when that is why (a value could be assumed for it). */
      readonly unset?: string;
    };

export interface ExpandOptions {
  /** In a function body, `$1`, `$@`... are the function's own arguments. */
  readonly inFunction?: boolean;
  /**
   * The paths a glob written in the text matches (sorted), or undefined when
   * they cannot be known; without it, a glob is unknown.
   */
  readonly glob?: (pattern: GlobPattern) => readonly string[] | undefined;
}

/** A glob, by `/`-separated segment: literal text, or a pattern to match names against. */
export interface GlobPattern {
  /** The pattern as bash keeps it when nothing matches. */
  readonly text: string;
  readonly segments: readonly (string | RegExp)[];
}

interface Char {
  readonly c: string;
  /** Unquoted, from the text itself: brace expansion, globbing and `~` apply. */
  readonly special: boolean;
}

/** Thrown to give up on a word. Not an Error: a stack trace per unknown word costs more than the rest. */
class Unknown {
  constructor(
    readonly why: string,
    readonly quiet = false,
    readonly unset?: string,
  ) {}
}

function paramValue(
  part: Part & { kind: "param" },
  env: Variables,
  options: ExpandOptions,
): string {
  if (options.inFunction && /^[0-9]+$/.test(part.name) && part.name !== "0") {
    throw new Unknown(`${part.raw} is a function's argument`, true);
  }
  const value = env.has(part.name) ? env.get(part.name) : undefined;
  if (value === null) throw new Unknown(`$${part.name} is only known when the demo runs`);
  const arg = (): string =>
    charsOf(part.arg, env, options)
      .map((ch) => ch.c)
      .join("");
  const set = value !== undefined;
  const nonEmpty = set && value !== "";
  switch (part.op) {
    case ":-":
    case ":=":
      return nonEmpty ? value : arg();
    case "-":
    case "=":
      return set ? value : arg();
    case ":+":
      return nonEmpty ? arg() : "";
    case "+":
      return set ? arg() : "";
    default:
      if (value === undefined) throw new Unknown(`$${part.name} is not set`, false, part.name);
      return value;
  }
}

function charsOf(parts: readonly Part[], env: Variables, options: ExpandOptions): Char[] {
  const chars: Char[] = [];
  for (const part of parts) {
    switch (part.kind) {
      case "text":
        for (const c of part.text) chars.push({ c, special: !part.quoted });
        break;
      case "param":
        for (const c of paramValue(part, env, options)) chars.push({ c, special: false });
        break;
      case "subst":
        throw new Unknown(
          `${part.raw.startsWith("`") ? "`...`" : "$(...)"} is only known when the demo runs`,
        );
      case "opaque":
        throw new Unknown(
          part.positional && options.inFunction
            ? `${part.raw} is a function's argument`
            : `${part.raw} (${part.why}) is only known when the demo runs`,
          part.positional === true && options.inFunction === true,
        );
    }
  }
  return chars;
}

const SEQUENCE = /^(-?[0-9]+)\.\.(-?[0-9]+)(?:\.\.(-?[0-9]+))?$/;
const LETTERS = /^([A-Za-z])\.\.([A-Za-z])$/;
const MAX_EXPANSION = 1000;

function sequence(inner: string): string[] | undefined {
  const numbers = SEQUENCE.exec(inner);
  if (numbers) {
    const from = Number(numbers[1]);
    const to = Number(numbers[2]);
    const step = Math.abs(Number(numbers[3] ?? 1)) || 1;
    if (Math.abs(to - from) / step > MAX_EXPANSION) return undefined;
    const out: string[] = [];
    for (let n = from; from <= to ? n <= to : n >= to; n += from <= to ? step : -step) {
      out.push(String(n));
    }
    return out;
  }
  const letters = LETTERS.exec(inner);
  if (letters) {
    const from = (letters[1] as string).charCodeAt(0);
    const to = (letters[2] as string).charCodeAt(0);
    const out: string[] = [];
    for (let n = from; from <= to ? n <= to : n >= to; n += from <= to ? 1 : -1) {
      out.push(String.fromCharCode(n));
    }
    return out;
  }
  return undefined;
}

const isSpecial = (ch: Char | undefined, c: string): boolean => ch?.special === true && ch.c === c;

/** Brace expansion, as bash does it: `a{b,c}d` -> `abd acd`, `{1..3}` -> `1 2 3`. */
function braceExpand(chars: readonly Char[], budget = { left: MAX_EXPANSION }): Char[][] {
  for (let open = 0; open < chars.length; open++) {
    if (!isSpecial(chars[open], "{")) continue;
    let depth = 0;
    let close = -1;
    const commas: number[] = [];
    for (let j = open + 1; j < chars.length; j++) {
      const ch = chars[j] as Char;
      if (!ch.special) continue;
      if (ch.c === "{") depth++;
      else if (ch.c === "}") {
        if (depth === 0) {
          close = j;
          break;
        }
        depth--;
      } else if (ch.c === "," && depth === 0) commas.push(j);
    }
    if (close < 0) continue;
    let alternatives: Char[][];
    if (commas.length > 0) {
      const bounds = [open, ...commas, close];
      alternatives = bounds.slice(1).map((end, k) => chars.slice((bounds[k] as number) + 1, end));
    } else {
      const seq = sequence(
        chars
          .slice(open + 1, close)
          .map((ch) => ch.c)
          .join(""),
      );
      if (!seq) continue;
      alternatives = seq.map((s) => [...s].map((c) => ({ c, special: false })));
    }
    budget.left -= alternatives.length;
    if (budget.left < 0) throw new Unknown("a brace expansion too large to follow");
    const prefix = chars.slice(0, open);
    const suffix = chars.slice(close + 1);
    return alternatives.flatMap((alt) => braceExpand([...prefix, ...alt, ...suffix], budget));
  }
  return [[...chars]];
}

function isGlob(chars: readonly Char[]): boolean {
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as Char;
    if (!ch.special) continue;
    if (ch.c === "*" || ch.c === "?") return true;
    if (ch.c === "[" && chars.slice(i + 2).some((later) => isSpecial(later, "]"))) return true;
  }
  return false;
}

function globPattern(chars: readonly Char[]): GlobPattern {
  const segments: (string | RegExp)[] = [];
  let literal = "";
  let source = "";
  let glob = false;
  const flush = () => {
    segments.push(glob ? new RegExp(`^${source}$`) : literal);
    literal = "";
    source = "";
    glob = false;
  };
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as Char;
    if (ch.c === "/") {
      flush();
      continue;
    }
    literal += ch.c;
    if (ch.special && ch.c === "*") {
      source += "[^/]*";
      glob = true;
    } else if (ch.special && ch.c === "?") {
      source += "[^/]";
      glob = true;
    } else if (ch.special && ch.c === "[") {
      const close = chars.findIndex((c, j) => j > i + 1 && isSpecial(c, "]"));
      if (close < 0) source += "\\[";
      else {
        let set = chars
          .slice(i + 1, close)
          .map((c) => c.c)
          .join("");
        if (set.startsWith("!")) set = `^${set.slice(1)}`;
        source += `[${set.replace(/\\/g, "\\\\")}]`;
        literal += chars
          .slice(i + 1, close + 1)
          .map((c) => c.c)
          .join("");
        i = close;
        glob = true;
      }
    } else source += ch.c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  flush();
  return { text: chars.map((ch) => ch.c).join(""), segments };
}

function tilde(chars: readonly Char[], env: Variables): Char[] {
  if (!isSpecial(chars[0], "~")) return [...chars];
  const slash = chars.findIndex((ch) => ch.c === "/");
  if (slash !== 1 && !(slash < 0 && chars.length === 1)) {
    throw new Unknown("~user is only known when the demo runs");
  }
  const home = env.get("HOME");
  if (typeof home !== "string") throw new Unknown("~ needs $HOME, which is not known");
  return [...[...home].map((c) => ({ c, special: false })), ...chars.slice(1)];
}

/**
 * The words one shell word becomes, from known variables: brace expansion
 * (`k8s/{a,b}.yaml` is two words), `~`, `$NAME`, `${NAME}`, `${NAME:-default}`.
 * Unknown when it needs a command's output, an unknown or unset variable, or a
 * glob. Unquoted variables are not split on blanks (demo paths rarely have any).
 */
export function expandWord(word: Word, env: Variables, options: ExpandOptions = {}): Expansion {
  try {
    const expanded = braceExpand(charsOf(word.parts, env, options)).map((chars) =>
      tilde(chars, env),
    );
    const values: string[] = [];
    for (const chars of expanded) {
      const text = chars.map((ch) => ch.c).join("");
      if (!isGlob(chars)) {
        values.push(text);
        continue;
      }
      const matches = options.glob?.(globPattern(chars));
      if (matches === undefined) {
        throw new Unknown("a glob pattern: what it matches is only known when the demo runs");
      }
      // Like bash, a pattern that matches nothing stays as it is.
      values.push(...(matches.length > 0 ? matches : [text]));
    }
    return { ok: true, values };
  } catch (error) {
    if (!(error instanceof Unknown)) throw error;
    const { why, quiet, unset } = error;
    return unset === undefined ? { ok: false, why, quiet } : { ok: false, why, quiet, unset };
  }
}

/** A word's single known value, or undefined (unknown, or several words). */
export function knownValue(
  word: Word,
  env: Variables,
  options: ExpandOptions = {},
): string | undefined {
  const expanded = expandWord(word, env, options);
  return expanded.ok && expanded.values.length === 1 ? expanded.values[0] : undefined;
}

/** Is the word exactly `$NAME` / `${NAME}` (quoted or not)? */
export function isVariable(word: Word, name: string): boolean {
  const parts = word.parts;
  const only = parts[0];
  return (
    parts.length === 1 && only?.kind === "param" && only.name === name && only.op === undefined
  );
}
