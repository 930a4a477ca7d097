/**
 * The word splitting demosh's line grammar needs: a command line's first word
 * (it may call a macro) and `@print`'s words. Resolved once, when a demo is
 * read: nothing after the reader splits words by hand.
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
