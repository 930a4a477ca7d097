/**
 * What can be known about a shell's variables without running anything: a value
 * per name, or `null` when a command set it in a way that cannot be predicted.
 */
export type KnownEnv = Map<string, string | null>;

/** Fills `${NAME}` (the braced form only, as demosh shows it) with known values. */
export function fillBraced(text: string, env: KnownEnv): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*|[0-9]+)\}/g, (whole, name: string) => {
    const value = env.get(name);
    return typeof value === "string" ? value : whole;
  });
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const OPERATOR = /[|&;<>()`*?[\]{}~\n]/;

/**
 * Splits a command into words and expands `$NAME`, `${NAME}`, `$1` from known
 * values. Returns undefined when the words cannot be known without running
 * anything: command substitution, an unknown or unset variable, globbing,
 * operators (pipes, lists, redirections) or an open quote.
 */
export function staticWords(text: string, env: KnownEnv): string[] | undefined {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;

  const variable = (): string | undefined => {
    // i points at "$"
    const next = text[i + 1];
    let name: string;
    if (next === "{") {
      const close = text.indexOf("}", i + 2);
      if (close < 0) return undefined;
      name = text.slice(i + 2, close);
      i = close + 1;
      if (!/^([A-Za-z_][A-Za-z0-9_]*|[0-9]+)$/.test(name)) return undefined;
    } else if (next !== undefined && /[0-9]/.test(next)) {
      name = next;
      i += 2;
    } else if (next !== undefined && NAME_START.test(next)) {
      let end = i + 1;
      while (end < text.length && NAME_CHAR.test(text[end] as string)) end++;
      name = text.slice(i + 1, end);
      i = end;
    } else {
      return undefined;
    }
    const value = env.get(name);
    return typeof value === "string" ? value : undefined;
  };

  while (i < text.length) {
    const c = text[i] as string;
    if (c === " " || c === "\t") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return undefined;
      word += text.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        const d = text[i];
        if (d === undefined || d === "`") return undefined;
        if (d === '"') break;
        if (d === "$") {
          const value = variable();
          if (value === undefined) return undefined;
          word += value;
          continue;
        }
        if (d === "\\" && '"\\$`'.includes(text[i + 1] ?? "")) {
          word += text[i + 1];
          i += 2;
          continue;
        }
        word += d;
        i++;
      }
      i++;
    } else if (c === "\\") {
      const next = text[i + 1];
      if (next === undefined || next === "\n") return undefined;
      word += next;
      i += 2;
    } else if (c === "$") {
      const value = variable();
      if (value === undefined) return undefined;
      word += value;
    } else if (OPERATOR.test(c) || (c === "#" && word === "")) {
      return undefined;
    } else {
      word += c;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
