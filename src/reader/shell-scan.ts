/**
 * Decides where a shell command ends, line by line. The grouping rules are
 * demosh's (a trailing backslash continues, a line ending in `{` opens a block
 * that a line ending in `}` closes), plus what demosh does not track: a quote
 * left open, or a heredoc whose body has not ended, also continue the command.
 */

type Context =
  | { readonly kind: "single" }
  | { readonly kind: "ansi" }
  | { readonly kind: "double" }
  | { readonly kind: "backtick" }
  | { kind: "subst"; depth: number };

interface Heredoc {
  readonly delimiter: string;
  readonly stripTabs: boolean;
}

export interface LineVerdict {
  /** Does the command go on to the next line? */
  readonly continues: boolean;
  /** The line as it should reach the shell (insignificant trailing blanks removed). */
  readonly text: string;
}

const WORD_BREAK = new Set([" ", "\t", ";", "&", "|", "(", ")", "<", ">"]);
const DELIMITER_END = /[\s;&|<>()]/;
/** A line without any of these cannot open a quote, substitution or heredoc. */
const MAY_OPEN = /['"`\\]|\$[('{]|<</;

function endsWithContinuation(line: string): boolean {
  let count = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === "\\"; i--) count++;
  return count % 2 === 1;
}

/** Tracks one command's lexical state across its lines. */
export class CommandScanner {
  private readonly stack: Context[] = [];
  private pending: Heredoc[] = [];
  private body: Heredoc[] = [];
  private braces = 0;

  /** True while inside a quote or heredoc body: the text is data, not code. */
  get inData(): boolean {
    return this.body.length > 0 || this.stack.length > 0;
  }

  /** Why the command is not complete, for warnings; undefined when it is. */
  openConstruct(): string | undefined {
    const heredoc = this.body[0] ?? this.pending[0];
    if (heredoc) return `a heredoc waiting for its end line "${heredoc.delimiter}"`;
    const top = this.stack[this.stack.length - 1];
    if (top) {
      switch (top.kind) {
        case "single":
        case "ansi":
          return "a single quote that is never closed";
        case "double":
          return "a double quote that is never closed";
        case "backtick":
          return "a backtick substitution that is never closed";
        case "subst":
          return "a $( substitution that is never closed";
      }
    }
    if (this.braces > 0) return "a { block that is never closed";
    return undefined;
  }

  /** Feeds the next line of the command and says whether the command goes on. */
  feed(rawLine: string): LineVerdict {
    const heredoc = this.body[0];
    if (heredoc) {
      const candidate = heredoc.stripTabs ? rawLine.replace(/^\t+/, "") : rawLine;
      if (candidate.trimEnd() === heredoc.delimiter) {
        this.body.shift();
        const text = rawLine.trimEnd();
        return { continues: !this.isComplete(false), text };
      }
      return { continues: true, text: rawLine };
    }
    if (this.stack.length > 0 || MAY_OPEN.test(rawLine)) this.scanCode(rawLine);
    if (this.pending.length > 0) {
      this.body = this.pending;
      this.pending = [];
    }
    const endsInCode = this.stack.length === 0 && this.body.length === 0;
    const text = endsInCode ? rawLine.trimEnd() : rawLine;
    let continued = false;
    if (this.stack.length === 0) {
      const last = text[text.length - 1];
      if (endsWithContinuation(text)) continued = true;
      else if (last === "{") this.braces++;
      else if (last === "}") this.braces = Math.max(0, this.braces - 1);
    }
    return { continues: !this.isComplete(continued), text };
  }

  private isComplete(continued: boolean): boolean {
    return (
      !continued &&
      this.stack.length === 0 &&
      this.body.length === 0 &&
      this.pending.length === 0 &&
      this.braces === 0
    );
  }

  private scanCode(line: string): void {
    let i = 0;
    while (i < line.length) {
      const c = line[i] as string;
      const next = line[i + 1];
      const top = this.stack[this.stack.length - 1];
      if (top?.kind === "single") {
        if (c === "'") this.stack.pop();
        i++;
        continue;
      }
      if (top?.kind === "ansi") {
        if (c === "\\") i += 2;
        else {
          if (c === "'") this.stack.pop();
          i++;
        }
        continue;
      }
      if (c === "\\") {
        i += 2;
        continue;
      }
      if (top?.kind === "double") {
        if (c === '"') this.stack.pop();
        else if (c === "$" && next === "(") {
          this.stack.push({ kind: "subst", depth: 1 });
          i++;
        } else if (c === "`") this.stack.push({ kind: "backtick" });
        i++;
        continue;
      }
      if (c === "#" && (i === 0 || WORD_BREAK.has(line[i - 1] as string))) return;
      if (c === "'") this.stack.push({ kind: "single" });
      else if (c === '"') this.stack.push({ kind: "double" });
      else if (c === "`") {
        if (top?.kind === "backtick") this.stack.pop();
        else this.stack.push({ kind: "backtick" });
      } else if (c === "$" && next === "'") {
        this.stack.push({ kind: "ansi" });
        i++;
      } else if (c === "$" && next === "(") {
        this.stack.push({ kind: "subst", depth: 1 });
        i++;
      } else if (top?.kind === "subst" && c === "(") top.depth++;
      else if (top?.kind === "subst" && c === ")") {
        top.depth--;
        if (top.depth === 0) this.stack.pop();
      } else if (c === "<" && next === "<") {
        if (line[i + 2] === "<") i += 3;
        else i = this.readHeredoc(line, i + 2);
        continue;
      }
      i++;
    }
  }

  /** Reads a heredoc operator's delimiter word starting at `start`; returns where scanning resumes. */
  private readHeredoc(line: string, start: number): number {
    let i = start;
    let stripTabs = false;
    if (line[i] === "-") {
      stripTabs = true;
      i++;
    }
    while (line[i] === " " || line[i] === "\t") i++;
    let delimiter = "";
    while (i < line.length && !DELIMITER_END.test(line[i] as string)) {
      const c = line[i] as string;
      if (c === "'" || c === '"') {
        const close = line.indexOf(c, i + 1);
        if (close < 0) break;
        delimiter += line.slice(i + 1, close);
        i = close + 1;
      } else if (c === "\\") {
        delimiter += line[i + 1] ?? "";
        i += 2;
      } else {
        delimiter += c;
        i++;
      }
    }
    if (delimiter !== "") this.pending.push({ delimiter, stripTabs });
    return i;
  }
}
