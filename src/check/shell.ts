/**
 * A small shell tokenizer for `demoshts check`: splits a command's text into
 * simple commands (`cmd args`, with their `NAME=value` prefixes) and expands
 * words from what is known of the variables, brace expansion included. It
 * executes nothing: command substitutions are parsed (their commands are
 * checked too) but their output is never known.
 *
 * It is not a full bash parser. It knows what the checks need: quotes,
 * `\` continuations, comments, operators (`|`, `||`, `&&`, `;`, `&`, newlines),
 * redirections (their targets are skipped), heredoc bodies (skipped), `$( )`,
 * backticks, `<( )`, `${NAME:-default}`, and enough of `if`, `for`, `while`,
 * `case`, `[[ ]]`, `{ }` and function definitions to find the commands inside.
 */
import type { KnownEnv } from "../util/expand.js";

/** A piece of a word, as the shell builds it. */
export type Part =
  | { readonly kind: "text"; readonly text: string; readonly quoted: boolean }
  | {
      readonly kind: "param";
      readonly name: string;
      /** `:-`, `-`, `:+`, `+`, `:=`, `=`, `:?`, `?`, or undefined for `$NAME` / `${NAME}`. */
      readonly op: string | undefined;
      readonly arg: readonly Part[];
      readonly raw: string;
    }
  | {
      /** `$( )`, backticks, `<( )` or `>( )`: commands whose output is only known at run time. */
      readonly kind: "subst";
      readonly body: string;
      /** Where the body starts in the text given to parseShell. */
      readonly offset: number;
      readonly raw: string;
    }
  | {
      /** Something whose value cannot be worked out: `$(( ))`, `${#x}`, `$@`, an array... */
      readonly kind: "opaque";
      readonly raw: string;
      readonly why: string;
      /** A positional parameter (`$1`, `$@`...), which a function body gets from its caller. */
      readonly positional?: boolean;
    };

export interface Word {
  /** The word as written. */
  readonly raw: string;
  /** Where it starts in the text given to parseShell. */
  readonly offset: number;
  readonly parts: readonly Part[];
}

/** One simple command: `NAME=value ... word word ...`, redirections left out. */
export interface SimpleCommand {
  readonly assignments: readonly Word[];
  /** The command name and its arguments; empty for a bare assignment. */
  readonly words: readonly Word[];
  /** Where its first token starts in the text. */
  readonly offset: number;
  /** Inside a function body: `$1`, `$@`... are the function's arguments. */
  readonly inFunction: boolean;
}

export interface ShellScan {
  /** Every simple command, in the order the shell would meet them (substitutions first). */
  readonly commands: readonly SimpleCommand[];
  /** Names of the functions the text defines (`name()`, `function name`). */
  readonly functions: readonly string[];
}

type Token =
  | { readonly kind: "word"; readonly word: Word }
  | { readonly kind: "op"; readonly op: string; readonly offset: number }
  | { readonly kind: "redirect"; readonly op: string; readonly offset: number }
  | { readonly kind: "newline"; readonly offset: number };

const BLANK = new Set([" ", "\t", "\r"]);
const META = new Set([" ", "\t", "\r", "\n", ";", "&", "|", "(", ")", "<", ">"]);
const REDIRECTS = ["&>>", "&>", "<<<", "<<-", "<<", "<>", "<&", ">>", ">&", ">|", "<", ">"];
const OPERATORS = [";;&", ";;", ";&", "||", "|&", "&&", "|", "&", ";", "(", ")"];
const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
/** What a word is before `=(` when it starts an array assignment. */
const ARRAY_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=$/;
const PARAM = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+)(?:(:?[-+=?])([\s\S]*))?$/;
const ANSI_ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  a: "\x07",
  b: "\b",
  e: "\x1b",
  E: "\x1b",
  f: "\f",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "?": "?",
};

/** Turns a command's text into tokens; nested `$( )` bodies are lexed by nested lexers. */
class Lexer {
  private heredocs: { delimiter: string; stripTabs: boolean }[] = [];

  constructor(
    private readonly text: string,
    private i: number,
  ) {}

  /**
   * Lexes up to the end of the text or, with `closeParen`, up to the `)` that
   * closes a `$(` (`closed` says whether it was found); `end` is the index after.
   */
  lex(closeParen: boolean): { tokens: Token[]; end: number; closed: boolean } {
    const t = this.text;
    const tokens: Token[] = [];
    let depth = 0;
    let caseDepth = 0;
    while (this.i < t.length) {
      const c = t[this.i] as string;
      if (BLANK.has(c)) {
        this.i++;
      } else if (c === "\\" && t[this.i + 1] === "\n") {
        this.i += 2;
      } else if (c === "\n") {
        tokens.push({ kind: "newline", offset: this.i });
        this.i++;
        this.skipHeredocBodies();
      } else if (c === "#") {
        while (this.i < t.length && t[this.i] !== "\n") this.i++;
      } else if (c === ")" && closeParen && depth === 0 && caseDepth === 0) {
        this.i++;
        return { tokens, end: this.i, closed: true };
      } else if (c === "(" && t[this.i + 1] === "(") {
        const start = this.i;
        this.i = skipBalanced(t, this.i);
        const raw = t.slice(start, this.i);
        tokens.push({
          kind: "word",
          word: { raw, offset: start, parts: [{ kind: "opaque", raw, why: "arithmetic" }] },
        });
      } else if ((c === "<" || c === ">") && t[this.i + 1] === "(") {
        tokens.push({ kind: "word", word: this.readWord() });
      } else if (/[0-9]/.test(c) && this.ioNumber()) {
        // `2>&1`: the descriptor number belongs to the redirection that follows.
      } else {
        const redirect = REDIRECTS.find((r) => t.startsWith(r, this.i));
        const op = redirect ? undefined : OPERATORS.find((o) => t.startsWith(o, this.i));
        if (redirect) {
          tokens.push({ kind: "redirect", op: redirect, offset: this.i });
          this.i += redirect.length;
          if (redirect === "<<" || redirect === "<<-") this.heredocDelimiter(redirect, tokens);
        } else if (op) {
          if (closeParen && op === "(") depth++;
          if (closeParen && op === ")") depth--;
          tokens.push({ kind: "op", op, offset: this.i });
          this.i += op.length;
        } else {
          const word = this.readWord();
          if (word.raw === "case") caseDepth++;
          else if (word.raw === "esac" && caseDepth > 0) caseDepth--;
          tokens.push({ kind: "word", word });
        }
      }
    }
    return { tokens, end: this.i, closed: false };
  }

  /** At a digit: if digits run straight into `<` or `>`, skips them and says so. */
  private ioNumber(): boolean {
    let j = this.i;
    while (j < this.text.length && /[0-9]/.test(this.text[j] as string)) j++;
    const next = this.text[j];
    if (next !== "<" && next !== ">") return false;
    this.i = j;
    return true;
  }

  private heredocDelimiter(op: string, tokens: Token[]): void {
    while (BLANK.has(this.text[this.i] ?? "")) this.i++;
    if (this.i >= this.text.length || META.has(this.text[this.i] as string)) return;
    const word = this.readWord();
    tokens.push({ kind: "word", word });
    const delimiter = word.parts
      .map((p) => (p.kind === "text" ? p.text : p.raw))
      .join("")
      .trim();
    this.heredocs.push({ delimiter, stripTabs: op === "<<-" });
  }

  /** After a newline: skips the bodies of the heredocs opened on the line before. */
  private skipHeredocBodies(): void {
    const t = this.text;
    for (const { delimiter, stripTabs } of this.heredocs) {
      while (this.i < t.length) {
        const nl = t.indexOf("\n", this.i);
        const end = nl < 0 ? t.length : nl;
        let line = t.slice(this.i, end);
        if (stripTabs) line = line.replace(/^\t+/, "");
        this.i = nl < 0 ? t.length : nl + 1;
        if (line.trimEnd() === delimiter) break;
      }
    }
    this.heredocs = [];
  }

  /**
   * Reads one word from `this.i`. With `limit` (inside `${NAME:-...}`), reads up
   * to that index and takes blanks and operators literally.
   */
  readWord(limit?: number, outerQuoted = false): Word {
    const t = this.text;
    const start = this.i;
    const end = limit ?? t.length;
    const parts: Part[] = [];
    const literal = (text: string, quoted: boolean): void => {
      const last = parts[parts.length - 1];
      if (last?.kind === "text" && last.quoted === quoted) {
        parts[parts.length - 1] = { kind: "text", text: last.text + text, quoted };
      } else parts.push({ kind: "text", text, quoted });
    };
    while (this.i < end) {
      const c = t[this.i] as string;
      if (limit === undefined && META.has(c)) {
        if ((c === "<" || c === ">") && t[this.i + 1] === "(" && this.i === start) {
          this.substitution(parts, this.i + 2, this.i);
          continue;
        }
        if (c === "(" && ARRAY_ASSIGNMENT.test(t.slice(start, this.i))) {
          const from = this.i;
          this.i = skipBalanced(t, this.i);
          parts.push({ kind: "opaque", raw: t.slice(from, this.i), why: "an array" });
          continue;
        }
        break;
      }
      if (c === "\\") {
        const next = t[this.i + 1];
        if (next === "\n") this.i += 2;
        else if (next === undefined) {
          literal("\\", outerQuoted);
          this.i++;
        } else {
          literal(next, true);
          this.i += 2;
        }
      } else if (c === "'") {
        const close = t.indexOf("'", this.i + 1);
        if (close < 0 || close >= end) {
          parts.push({ kind: "opaque", raw: t.slice(this.i, end), why: "an open quote" });
          this.i = end;
        } else {
          literal(t.slice(this.i + 1, close), true);
          this.i = close + 1;
        }
      } else if (c === '"') {
        this.i++;
        this.readDouble(parts, literal, end);
      } else if (c === "$") {
        this.readDollar(parts, literal, outerQuoted, end);
      } else if (c === "`") {
        this.backtick(parts, end);
      } else {
        literal(c, outerQuoted);
        this.i++;
      }
    }
    return { raw: t.slice(start, this.i), offset: start, parts };
  }

  private readDouble(parts: Part[], literal: (text: string, quoted: boolean) => void, end: number) {
    const t = this.text;
    const open = this.i - 1;
    while (this.i < end) {
      const c = t[this.i] as string;
      if (c === '"') {
        this.i++;
        return;
      }
      const next = t[this.i + 1];
      if (c === "\\" && next !== undefined && '"\\$`\n'.includes(next)) {
        if (next !== "\n") literal(next, true);
        this.i += 2;
      } else if (c === "$") {
        this.readDollar(parts, literal, true, end);
      } else if (c === "`") {
        this.backtick(parts, end);
      } else {
        literal(c, true);
        this.i++;
      }
    }
    parts.push({ kind: "opaque", raw: t.slice(open, end), why: "an open quote" });
  }

  private readDollar(
    parts: Part[],
    literal: (text: string, quoted: boolean) => void,
    quoted: boolean,
    end: number,
  ): void {
    const t = this.text;
    const start = this.i;
    const next = t[this.i + 1] ?? "";
    if (next === "'" && !quoted) {
      this.i += 2;
      let text = "";
      while (this.i < end && t[this.i] !== "'") {
        if (t[this.i] === "\\") {
          const e = t[this.i + 1] ?? "";
          text += ANSI_ESCAPES[e] ?? `\\${e}`;
          this.i += 2;
        } else {
          text += t[this.i];
          this.i++;
        }
      }
      this.i++;
      literal(text, true);
    } else if (next === '"' && !quoted) {
      this.i += 2;
      this.readDouble(parts, literal, end);
    } else if (next === "(" && t[this.i + 2] === "(") {
      this.i = skipBalanced(t, this.i + 1);
      parts.push({ kind: "opaque", raw: t.slice(start, this.i), why: "arithmetic" });
    } else if (next === "(") {
      this.substitution(parts, this.i + 2, start);
    } else if (next === "{") {
      this.braced(parts, quoted);
    } else if (NAME_START.test(next)) {
      let j = this.i + 1;
      while (j < t.length && NAME_CHAR.test(t[j] as string)) j++;
      const name = t.slice(this.i + 1, j);
      this.i = j;
      parts.push({ kind: "param", name, op: undefined, arg: [], raw: t.slice(start, j) });
    } else if (/[0-9]/.test(next)) {
      this.i += 2;
      parts.push({
        kind: "param",
        name: next,
        op: undefined,
        arg: [],
        raw: t.slice(start, this.i),
      });
    } else if (next !== "" && "@*#?$!-".includes(next)) {
      this.i += 2;
      const positional = "@*#".includes(next);
      parts.push({
        kind: "opaque",
        raw: `$${next}`,
        why: positional ? "the arguments" : "a special parameter",
        positional,
      });
    } else {
      literal("$", quoted);
      this.i++;
    }
  }

  /** `${...}` at this.i. */
  private braced(parts: Part[], quoted: boolean): void {
    const t = this.text;
    const start = this.i;
    const close = matchingBrace(t, this.i + 1);
    if (close < 0) {
      parts.push({ kind: "opaque", raw: t.slice(start), why: "an open ${" });
      this.i = t.length;
      return;
    }
    const inner = t.slice(this.i + 2, close);
    const raw = t.slice(start, close + 1);
    const match = PARAM.exec(inner);
    this.i = close + 1;
    if (!match) {
      parts.push({ kind: "opaque", raw, why: "an expansion that is only known at run time" });
      return;
    }
    const name = match[1] as string;
    const op = match[2];
    let arg: readonly Part[] = [];
    if (op !== undefined) {
      const argStart = start + 2 + name.length + op.length;
      const sub = new Lexer(t, argStart);
      arg = sub.readWord(close, quoted).parts;
    }
    parts.push({ kind: "param", name, op, arg, raw });
  }

  /** A `$(`, `<(` or `>(` whose body starts at `bodyStart`; `start` is where the word part starts. */
  private substitution(parts: Part[], bodyStart: number, start: number): void {
    const sub = new Lexer(this.text, bodyStart);
    const { end, closed } = sub.lex(true);
    this.i = end;
    const raw = this.text.slice(start, end);
    if (!closed) {
      parts.push({ kind: "opaque", raw, why: "an open $(" });
      return;
    }
    parts.push({
      kind: "subst",
      body: this.text.slice(bodyStart, end - 1),
      offset: bodyStart,
      raw,
    });
  }

  private backtick(parts: Part[], end: number): void {
    const t = this.text;
    const start = this.i;
    let j = this.i + 1;
    while (j < end && t[j] !== "`") j += t[j] === "\\" ? 2 : 1;
    if (j >= end) {
      parts.push({ kind: "opaque", raw: t.slice(start, end), why: "an open backtick" });
      this.i = end;
      return;
    }
    this.i = j + 1;
    parts.push({
      kind: "subst",
      body: t.slice(start + 1, j),
      offset: start + 1,
      raw: t.slice(start, j + 1),
    });
  }
}

/** From an opening `(` (or `((`), the index after its matching `)`, quotes respected. */
function skipBalanced(t: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < t.length) {
    const c = t[i] as string;
    if (c === "\\") i += 2;
    else if (c === "'" || c === '"') {
      const close = t.indexOf(c, i + 1);
      i = close < 0 ? t.length : close + 1;
    } else {
      if (c === "(") depth++;
      else if (c === ")") {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
  }
  return t.length;
}

/** From just after `${`'s `$`, at its `{`: the index of the matching `}`, or -1. */
function matchingBrace(t: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < t.length) {
    const c = t[i] as string;
    if (c === "\\") i += 2;
    else if (c === "'" || c === '"') {
      const close = t.indexOf(c, i + 1);
      if (close < 0) return -1;
      i = close + 1;
    } else {
      if (c === "{") depth++;
      else if (c === "}") {
        depth--;
        if (depth === 0) return i;
      }
      i++;
    }
  }
  return -1;
}

/** Words that start or end a compound command where a command would be. */
const SKIPPED_KEYWORDS = new Set([
  "if",
  "then",
  "else",
  "elif",
  "fi",
  "do",
  "done",
  "while",
  "until",
  "!",
  "time",
  "coproc",
]);
const SEPARATORS = new Set([";", "&", "&&", "||", "|", "|&", ";;", ";&", ";;&"]);
/** What ends the commands of one `case` pattern. */
const CASE_ENDS = new Set([";;", ";&", ";;&"]);

/** Is this word written plainly as `text` (so that it can be a reserved word)? */
function isPlain(word: Word, text: string): boolean {
  return word.raw === text;
}

/** Builds the simple commands from the tokens. */
class Parser {
  readonly commands: SimpleCommand[] = [];
  readonly functions: string[] = [];
  private i = 0;
  private readonly cases: ("pattern" | "body")[] = [];
  /** Brace depth at which each function body being read started. */
  private readonly bodies: number[] = [];
  private braces = 0;
  private functionPending = false;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly text: string,
    private readonly inFunction: boolean,
  ) {}

  parse(): void {
    const tokens = this.tokens;
    while (this.i < tokens.length) {
      const token = tokens[this.i] as Token;
      const top = this.cases[this.cases.length - 1];
      if (token.kind === "newline" || (token.kind === "op" && SEPARATORS.has(token.op))) {
        if (token.kind === "op" && top === "body" && CASE_ENDS.has(token.op)) {
          this.cases[this.cases.length - 1] = "pattern";
        }
        this.i++;
        continue;
      }
      if (top === "pattern") {
        this.casePattern(token);
        continue;
      }
      if (token.kind === "op") {
        // `(` and `)` of a subshell, or a function body in parentheses.
        this.functionPending = false;
        this.i++;
        continue;
      }
      if (token.kind === "word" && this.keyword(token.word)) continue;
      this.simpleCommand();
    }
  }

  /** In a `case`, before a pattern's `)`: skips the pattern, or ends the case at `esac`. */
  private casePattern(token: Token): void {
    if (token.kind === "word" && isPlain(token.word, "esac")) {
      this.cases.pop();
      this.i++;
      return;
    }
    if (token.kind === "op" && token.op === ")") {
      this.cases[this.cases.length - 1] = "body";
    } else if (token.kind === "word") {
      this.substitutionsOf(token.word);
    }
    this.i++;
  }

  /** Handles a reserved word at the start of a command; false when the word is not one. */
  private keyword(word: Word): boolean {
    const raw = word.raw;
    if (SKIPPED_KEYWORDS.has(raw)) {
      this.i++;
      return true;
    }
    if (raw === "{") {
      if (this.functionPending) this.bodies.push(this.braces);
      this.functionPending = false;
      this.braces++;
      this.i++;
      return true;
    }
    if (raw === "}") {
      this.braces = Math.max(0, this.braces - 1);
      if (this.bodies[this.bodies.length - 1] === this.braces) this.bodies.pop();
      this.i++;
      return true;
    }
    if (raw === "esac") {
      if (this.cases.length > 0) this.cases.pop();
      this.i++;
      return true;
    }
    if (raw === "case") {
      this.i++;
      while (this.i < this.tokens.length) {
        const t = this.tokens[this.i] as Token;
        this.i++;
        if (t.kind === "word") {
          if (isPlain(t.word, "in")) break;
          this.substitutionsOf(t.word);
        }
      }
      this.cases.push("pattern");
      return true;
    }
    if (raw === "for" || raw === "select") {
      // Kept as a command (`for NAME in WORDS`) so that NAME can be marked unknown.
      const words: Word[] = [word];
      this.i++;
      while (this.i < this.tokens.length) {
        const t = this.tokens[this.i] as Token;
        if (t.kind !== "word" || isPlain(t.word, "do")) break;
        words.push(t.word);
        this.i++;
      }
      this.emit([], words, word.offset);
      return true;
    }
    if (raw === "[[") {
      const words: Word[] = [word];
      this.i++;
      while (this.i < this.tokens.length) {
        const t = this.tokens[this.i] as Token;
        this.i++;
        if (t.kind !== "word") continue;
        words.push(t.word);
        if (isPlain(t.word, "]]")) break;
      }
      this.emit([], words, word.offset);
      return true;
    }
    if (raw === "function") {
      this.i++;
      const name = this.tokens[this.i];
      if (name?.kind === "word") {
        this.functions.push(name.word.raw);
        this.i++;
      }
      this.skipEmptyParens();
      this.functionPending = true;
      return true;
    }
    return false;
  }

  /** Skips `(` `)` after a function's name. */
  private skipEmptyParens(): boolean {
    const open = this.tokens[this.i];
    const close = this.tokens[this.i + 1];
    if (open?.kind === "op" && open.op === "(" && close?.kind === "op" && close.op === ")") {
      this.i += 2;
      return true;
    }
    return false;
  }

  private simpleCommand(): void {
    const assignments: Word[] = [];
    const words: Word[] = [];
    const first = this.tokens[this.i] as Token;
    const offset = first.kind === "word" ? first.word.offset : first.offset;
    while (this.i < this.tokens.length) {
      const t = this.tokens[this.i] as Token;
      if (t.kind === "redirect") {
        this.i++;
        const target = this.tokens[this.i];
        if (target?.kind === "word") {
          this.substitutionsOf(target.word);
          this.i++;
        }
        continue;
      }
      if (t.kind !== "word") break;
      if (words.length === 0 && isAssignment(t.word)) assignments.push(t.word);
      else words.push(t.word);
      this.i++;
    }
    const name = words[0];
    if (words.length === 1 && name && assignments.length === 0 && this.skipEmptyParens()) {
      this.functions.push(name.raw);
      this.functionPending = true;
      return;
    }
    this.functionPending = false;
    for (const word of [...assignments, ...words]) this.substitutionsOf(word);
    if (words.length > 0 || assignments.length > 0) this.emit(assignments, words, offset);
  }

  private emit(assignments: Word[], words: Word[], offset: number): void {
    this.commands.push({
      assignments,
      words,
      offset,
      inFunction: this.inFunction || this.bodies.length > 0,
    });
  }

  /** The commands of the substitutions in a word come first, as the shell runs them first. */
  private substitutionsOf(word: Word): void {
    const visit = (parts: readonly Part[]): void => {
      for (const part of parts) {
        if (part.kind === "param") visit(part.arg);
        if (part.kind !== "subst") continue;
        const inner = scanAt(
          this.text,
          part.offset,
          part.offset + part.body.length,
          this.inFunction || this.bodies.length > 0,
        );
        this.commands.push(...inner.commands);
        this.functions.push(...inner.functions);
      }
    };
    visit(word.parts);
  }
}

/** `NAME=...`, `NAME+=...` or `NAME[i]=...`. */
function isAssignment(word: Word): boolean {
  const first = word.parts[0];
  if (first?.kind !== "text" || first.quoted) return false;
  return /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/.test(first.text);
}

function scanAt(text: string, start: number, end: number, inFunction: boolean): ShellScan {
  // Lex only [start, end): a nested lexer over the same text keeps offsets absolute.
  const bounded = text.slice(0, end);
  const { tokens } = new Lexer(bounded, start).lex(false);
  const parser = new Parser(tokens, text, inFunction);
  parser.parse();
  return { commands: parser.commands, functions: parser.functions };
}

/** Splits a command's text (one or several lines) into its simple commands. */
export function parseShell(text: string): ShellScan {
  return scanAt(text, 0, text.length, false);
}

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
}

interface Char {
  readonly c: string;
  /** Unquoted, from the text itself: brace expansion, globbing and `~` apply. */
  readonly special: boolean;
}

class Unknown extends Error {
  constructor(
    readonly why: string,
    readonly quiet = false,
    readonly unset?: string,
  ) {
    super(why);
  }
}

function paramValue(part: Part & { kind: "param" }, env: KnownEnv, options: ExpandOptions): string {
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

function charsOf(parts: readonly Part[], env: KnownEnv, options: ExpandOptions): Char[] {
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

function tilde(chars: readonly Char[], env: KnownEnv): Char[] {
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
export function expandWord(word: Word, env: KnownEnv, options: ExpandOptions = {}): Expansion {
  try {
    const expanded = braceExpand(charsOf(word.parts, env, options)).map((chars) =>
      tilde(chars, env),
    );
    if (expanded.some(isGlob)) {
      throw new Unknown("a glob pattern: what it matches is only known when the demo runs");
    }
    return { ok: true, values: expanded.map((chars) => chars.map((ch) => ch.c).join("")) };
  } catch (error) {
    if (!(error instanceof Unknown)) throw error;
    const { why, quiet, unset } = error;
    return unset === undefined ? { ok: false, why, quiet } : { ok: false, why, quiet, unset };
  }
}

/** A word's single known value, or undefined (unknown, or several words). */
export function knownValue(
  word: Word,
  env: KnownEnv,
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
