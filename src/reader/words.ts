/**
 * The word splitting demosh's line grammar needs: a command line's first word
 * (it may call a macro) and `@print`'s words, resolved once when a demo is
 * read; and what a live run's step count reads of a command without the bash
 * parser (commands of plain words only). Nothing else splits words by hand.
 */

/**
 * Splits text into words the way a POSIX shell's quoting does (quotes removed,
 * backslashes honoured), with no expansion. Returns undefined when a quote is
 * left open.
 */
export function splitWords(text: string): string[] | undefined {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return undefined;
      word += text.slice(i + 1, close);
      inWord = true;
      i = close + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return undefined;
        const d = text[i] as string;
        if (d === '"') break;
        if (d === "\\" && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1] as string)) {
          if (text[i + 1] !== "\n") word += text[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === "\\") {
      if (i + 1 < text.length && text[i + 1] !== "\n") {
        word += text[i + 1];
        inWord = true;
      }
      i += 2;
    } else if (c === " " || c === "\t" || c === "\n") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

const ASSIGNMENT = /^\s*([a-zA-Z0-9_]+)=/;
/** A first word with nothing to unquote, followed by a blank or the end. */
const PLAIN_FIRST_WORD = /^[ \t\n]*([^\s'"\\]+)(?=[ \t\n]|$)/;
const FUNCTION_DEFINITION = /^\s*(function\s+)?([a-zA-Z0-9_]+)\s*\(\)\s+\{/;

/**
 * The name of the macro a command line calls when one of that name is defined:
 * its first word (demosh's rule). Undefined for an assignment or a function
 * definition, which never call one.
 */
export function macroCallName(text: string): string | undefined {
  if (ASSIGNMENT.test(text) || FUNCTION_DEFINITION.test(text)) return undefined;
  return PLAIN_FIRST_WORD.exec(text)?.[1] ?? splitWords(text)?.[0];
}

/** `@print`'s text: its words joined by one space, or the text as written when a quote is left open. */
export function printText(args: string): string {
  return splitWords(args)?.join(" ") ?? args;
}

/** Anything but plain words: expansions, operators, globs, comments, more lines. */
const NOT_PLAIN = /[$`|&;<>()*?[\]{}~\n#]/;
const PLAIN_ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;
const ASSIGNMENT_START = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\+?=/;
const CD = /(^|[\s;&|(])cd(\s|$)/m;
const NESTED = /^\s*(?:\$SHELL|\$\{SHELL\})(?:\s+([\s\S]*))?$/;

/** The words of a command made of plain words only (quotes allowed), else undefined. */
export function plainWords(text: string): string[] | undefined {
  return NOT_PLAIN.test(text) ? undefined : splitWords(text);
}

/** `NAME=value ...` or `export NAME=value ...` in plain, unquoted words: the names and values. */
export function plainAssignments(text: string): [string, string][] | undefined {
  // A quoted "A=1" is a command, not an assignment.
  if (/['"\\]/.test(text)) return undefined;
  const words = plainWords(text);
  const list = words?.[0] === "export" ? words.slice(1) : words;
  if (!list || list.length === 0) return undefined;
  const pairs: [string, string][] = [];
  for (const word of list) {
    const match = PLAIN_ASSIGNMENT.exec(word);
    if (!match) return undefined;
    pairs.push([match[1] as string, match[2] as string]);
  }
  return pairs;
}

/** The names a command assigns at the start of one of its lines (`NAME=`, `export NAME=`). */
export function assignedNames(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split("\n")) {
    const name = ASSIGNMENT_START.exec(line)?.[1];
    if (name) names.push(name);
  }
  return names;
}

/** Does the command have a `cd` in it anywhere? */
export function mentionsCd(text: string): boolean {
  return CD.test(text);
}

/** What follows `$SHELL` in a command that is `$SHELL ...` (a nested demo), else undefined. */
export function nestedDemoArguments(text: string): string | undefined {
  const match = NESTED.exec(text);
  return match ? (match[1] ?? "") : undefined;
}
