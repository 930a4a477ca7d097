import * as path from "node:path";
import type {
  Diagnostic,
  HookStep,
  KubeContextStep,
  Loc,
  MacroStep,
  Modifier,
  SourceFormat,
  Step,
} from "../script/types.js";
import { parseDuration } from "../util/duration.js";
import {
  describeChain,
  MAX_BLOCK_DEPTH,
  MAX_IMPORT_DEPTH,
  MAX_IMPORTS,
  MAX_LINES,
  MAX_TOTAL_BYTES,
} from "./limits.js";
import { CommandScanner } from "./shell-scan.js";
import { decodeText, splitLines } from "./text.js";
import { macroCallName, printText } from "./words.js";

/** A located problem that stops reading; the reader returns it, never throws it. */
export class ReadError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(`${diagnostic.loc.file}:${diagnostic.loc.line}: ${diagnostic.message}`);
  }
}

export type FileData = { ok: true; data: string | Uint8Array } | { ok: false; reason: string };

/** What the reader needs from the outside world: only a way to fetch files. */
export interface ReadHost {
  /** The directory that relative `@import` paths start from. */
  readonly cwd: string;
  readFile(absolutePath: string): FileData;
}

interface Line {
  readonly text: string;
  readonly line: number;
}

const MODIFIERS: Record<string, Modifier> = {
  immed: "immed",
  immediate: "immed",
  noshow: "noshow",
  notypeout: "notypeout",
  nowaitbefore: "nowaitbefore",
  waitafter: "waitafter",
};

const BLOCK_DIRECTIVES = new Set(["hook", "macro", "import", "ifhook"]);
/** Every directive name, to catch near misses such as `#@show` or `#@wait now`. */
const DIRECTIVE_NAMES = [
  "fails",
  "SHOW",
  "HIDE",
  "SKIP",
  "wait",
  "print",
  "end",
  "endif",
  ...Object.keys(MODIFIERS),
  ...BLOCK_DIRECTIVES,
];
const MARKDOWN_DIRECTIVE = "<!-- @";

export function formatOf(file: string): SourceFormat {
  return file.toLowerCase().endsWith(".md") ? "markdown" : "shell";
}

/** `#@word rest` -> the directive's first word, when it is one of the block directives. */
function blockDirective(text: string): string | undefined {
  if (!text.startsWith("#@")) return undefined;
  const word = /^#@(\S+)/.exec(text)?.[1];
  return word !== undefined && BLOCK_DIRECTIVES.has(word) ? word : undefined;
}

/** A Markdown directive line in shell-directive form: `<!-- @wait -->` -> `#@wait`. */
function markdownDirective(line: string): string {
  return line.replaceAll(MARKDOWN_DIRECTIVE, "#@").replaceAll("-->", "").trim();
}

/** Is this line the end of a block (`#@end`, or `<!-- @end -->` in Markdown)? */
function isBlockLine(line: string, word: string): boolean {
  const trimmed = line.trim();
  if (trimmed === `#@${word}`) return true;
  return trimmed.startsWith(MARKDOWN_DIRECTIVE) && markdownDirective(trimmed) === `#@${word}`;
}

/** Reading state shared by every file of one script: registries and the import chain. */
export class ReadSession {
  readonly macros = new Map<string, MacroStep>();
  readonly hooks: HookStep[] = [];
  readonly warnings: Diagnostic[] = [];
  readonly files: string[] = [];
  kubeContext: KubeContextStep | undefined;
  private readonly chain: { readonly absolute: string; readonly label: string }[] = [];
  private bytesRead = 0;
  private imports = 0;
  private linesRead = 0;

  constructor(private readonly host: ReadHost) {}

  /** Reads one file (named `label` in messages) into steps. */
  readFile(label: string, absolutePath: string, data: string | Uint8Array): Step[] {
    this.bytesRead += data.length;
    const text = decodeText(data);
    if (typeof text !== "string") {
      throw new ReadError({
        severity: "error",
        loc: { file: label, line: text.line },
        message: `${label} is not a text file: ${text.reason}`,
        hint: "demo scripts are UTF-8 Markdown or shell text",
      });
    }
    this.countLines(label, text);
    this.files.push(label);
    this.chain.push({ absolute: absolutePath, label });
    try {
      const lines = splitLines(text).map((t, i) => ({ text: t, line: i + 1 }));
      return new FileReader(this, label, lines).read(formatOf(label));
    } finally {
      this.chain.pop();
    }
  }

  /** Refuses a demo past MAX_LINES lines before splitting any of it. */
  private countLines(label: string, text: string): void {
    let at = -1;
    let line = 0;
    for (;;) {
      at = text.indexOf("\n", at + 1);
      if (at < 0) break;
      line++;
      if (++this.linesRead > MAX_LINES) {
        throw new ReadError({
          severity: "error",
          loc: { file: label, line },
          message: `the demo is longer than ${MAX_LINES.toLocaleString("en")} lines here (its imports included)`,
          hint: "split it into demos run one after the other",
        });
      }
    }
    if (text !== "" && !text.endsWith("\n")) this.linesRead++;
  }

  /** Reads text that is not a file on disk (the builtin macros). */
  readText(label: string, text: string, format: SourceFormat): Step[] {
    const lines = splitLines(text).map((t, i) => ({ text: t, line: i + 1 }));
    return new FileReader(this, label, lines).read(format);
  }

  importFile(loc: Loc, target: string): Step[] {
    const absolute = path.resolve(this.host.cwd, target);
    const cycleStart = this.chain.findIndex((c) => c.absolute === absolute);
    if (cycleStart >= 0) {
      const loop = describeChain(
        this.chain
          .slice(cycleStart)
          .map((c) => c.absolute)
          .concat(absolute)
          .map((p) => path.relative(this.host.cwd, p) || p),
      );
      throw new ReadError({
        severity: "error",
        loc,
        message: `@import ${target} imports a file that is already being read (${loop})`,
        hint: "remove the @import that closes the loop",
      });
    }
    if (this.chain.length > MAX_IMPORT_DEPTH) {
      const chain = describeChain(this.chain.map((c) => c.label).concat(target));
      throw new ReadError({
        severity: "error",
        loc,
        message: `@import ${target} goes more than ${MAX_IMPORT_DEPTH} files deep (${chain})`,
        hint: "imports may nest at most that deep; import the files from one place instead",
      });
    }
    if (++this.imports > MAX_IMPORTS) {
      throw new ReadError({
        severity: "error",
        loc,
        message: `@import ${target} makes the demo import more than ${MAX_IMPORTS.toLocaleString("en")} files (a file imported again and again counts each time)`,
        hint: "import each file once; files that import others several times multiply",
      });
    }
    const found = this.host.readFile(absolute);
    if (!found.ok) {
      throw new ReadError({
        severity: "error",
        loc,
        message: `cannot @import ${target}: ${found.reason}`,
        hint: `imports are relative to the current directory (${this.host.cwd})`,
      });
    }
    if (this.bytesRead + found.data.length > MAX_TOTAL_BYTES) {
      throw new ReadError({
        severity: "error",
        loc,
        message: `@import ${target} makes the demo read more than ${MAX_TOTAL_BYTES / 1024 / 1024} MiB of script (files imported again and again count each time)`,
        hint: "import each file once, or make the demo smaller",
      });
    }
    return this.readFile(path.normalize(target), absolute, found.data);
  }

  warn(loc: Loc, message: string, hint: string): void {
    this.warnings.push({ severity: "warning", loc, message, hint });
  }
}

type ShellEnd = "eof" | "fence" | "stop";

/** Reads the lines of one file (or one macro or ifhook body) into steps. */
class FileReader {
  private index: number;

  /**
   * Reads `lines[start, end)`. A block's body shares its outermost block's
   * lines (already left-trimmed and in shell form), so nesting copies nothing.
   */
  constructor(
    private readonly session: ReadSession,
    private readonly file: string,
    private readonly lines: readonly Line[],
    /** The blocks this body is nested in, outermost first (empty for a file). */
    private readonly blocks: readonly string[] = [],
    start = 0,
    private readonly end = lines.length,
  ) {
    this.index = start;
  }

  read(format: SourceFormat): Step[] {
    const out: Step[] = [];
    if (format === "markdown") this.readMarkdown(out);
    else this.readShell(out, false);
    return out;
  }

  private loc(line: Line): Loc {
    return { file: this.file, line: line.line };
  }

  private fail(line: Line, message: string, hint: string): never {
    throw new ReadError({ severity: "error", loc: this.loc(line), message, hint });
  }

  private readMarkdown(out: Step[]): void {
    let prose: Line[] = [];
    const flush = (): void => {
      const blank = prose.findIndex((l) => l.text.trim() !== "");
      const leading = blank < 0 ? prose.length : blank;
      const firstBlank = prose[0];
      if (leading > 0 && firstBlank) out.push({ kind: "blank", loc: this.loc(firstBlank) });
      prose = prose.slice(leading);
      const first = prose[0];
      if (first) {
        out.push({
          kind: "commentary",
          loc: this.loc(first),
          text: prose.map((l) => l.text).join("\n"),
          format: "markdown",
          hidden: false,
        });
      }
      prose = [];
    };
    while (this.index < this.end) {
      const line = this.lines[this.index] as Line;
      if (line.text.startsWith("```bash") || line.text.startsWith("```sh")) {
        flush();
        this.index++;
        const end = this.readShell(out, true);
        if (end === "eof") {
          this.session.warn(
            this.loc(line),
            "this shell block is never closed; everything after it is read as shell",
            "close it with a line that is exactly ```",
          );
        }
        continue;
      }
      if (line.text.startsWith(MARKDOWN_DIRECTIVE)) {
        flush();
        this.index++;
        this.directive(out, line, markdownDirective(line.text));
        continue;
      }
      prose.push(line);
      this.index++;
    }
    flush();
  }

  /** Reads shell lines until the end, or (inside Markdown) the closing fence. */
  private readShell(out: Step[], inMarkdown: boolean): ShellEnd {
    while (this.index < this.end) {
      const line = this.lines[this.index] as Line;
      if (line.text.trim() === "```") {
        this.index++;
        if (inMarkdown) return "fence";
        this.session.warn(
          this.loc(line),
          "a ``` line in a shell script ends the script here; the lines after it are ignored",
          "remove the ``` line, or name the file .md to write Markdown",
        );
        this.index = this.end;
        return "stop";
      }
      if (blockDirective(line.text) !== undefined) {
        this.index++;
        this.directive(out, line, line.text.trim());
        continue;
      }
      if (line.text.trim() === "") {
        this.index++;
        out.push({ kind: "blank", loc: this.loc(line) });
        continue;
      }
      const end = line.text.startsWith("#")
        ? this.readCommentGroup(out, inMarkdown)
        : this.readCommand(out, inMarkdown);
      if (end !== undefined) return end;
    }
    return "eof";
  }

  /** A line that would end the current group early, as demosh's reader ends it. */
  private interrupts(line: Line, first: Line, inMarkdown: boolean): boolean {
    if (line.text.trim() === "```") {
      if (inMarkdown) {
        this.session.warn(
          this.loc(first),
          "this command is not complete when its shell block closes",
          "finish the command (its quote, heredoc, { block or \\ continuation) before the closing ```",
        );
      }
      return true;
    }
    if (blockDirective(line.text) !== undefined) {
      this.fail(
        line,
        `@${blockDirective(line.text)} cannot appear inside a multi-line command (started at line ${first.line})`,
        "end the command before the directive, or move the directive",
      );
    }
    return false;
  }

  /** `#` lines: commentary, `#$` typed text or a `#@` directive; `\` and `{` continue them. */
  private readCommentGroup(out: Step[], inMarkdown: boolean): ShellEnd | undefined {
    const first = this.lines[this.index] as Line;
    const parts: string[] = [];
    let braces = 0;
    while (this.index < this.end) {
      const line = this.lines[this.index] as Line;
      if (parts.length > 0 && this.interrupts(line, first, inMarkdown)) break;
      this.index++;
      const trimmed = line.text.trimEnd();
      const last = trimmed[trimmed.length - 1];
      if (last === "\\") {
        parts.push(trimmed);
        continue;
      }
      parts.push(line.text);
      if (last === "{") braces++;
      else if (last === "}") {
        braces--;
        if (braces <= 0) break;
      } else if (braces <= 0) break;
    }
    const text = parts.join("\n");
    const loc = this.loc(first);
    if (text.startsWith("#@")) {
      this.meta(out, loc, text, first.line + parts.length - 1);
    } else if (text.startsWith("#$")) {
      out.push({ kind: "typed", loc, text: text.slice(2).trim() });
    } else {
      out.push({
        kind: "commentary",
        loc,
        text: text.trimEnd(),
        format: "shell",
        hidden: text.startsWith("##") || text.startsWith("#!"),
      });
    }
    return undefined;
  }

  private readCommand(out: Step[], inMarkdown: boolean): ShellEnd | undefined {
    const first = this.lines[this.index] as Line;
    const scanner = new CommandScanner();
    const parts: string[] = [];
    let last = first;
    let complete = false;
    while (this.index < this.end) {
      const line = this.lines[this.index] as Line;
      if (parts.length > 0 && this.interrupts(line, first, inMarkdown)) break;
      this.index++;
      last = line;
      const verdict = scanner.feed(line.text);
      parts.push(verdict.text);
      if (!verdict.continues) {
        complete = true;
        break;
      }
    }
    if (!complete && this.index >= this.end) {
      const open = scanner.openConstruct();
      if (open !== undefined) {
        this.session.warn(
          this.loc(first),
          `this command has ${open} when the file ends`,
          "close it, or the shell will see an incomplete command",
        );
      }
    }
    const text = parts.join("\n");
    out.push({
      kind: "command",
      loc: this.loc(first),
      endLine: last.line,
      text,
      calls: macroCallName(text),
    });
    return undefined;
  }

  /** A `#@...` comment group (possibly continued over lines) that is not a block directive. */
  private meta(out: Step[], loc: Loc, text: string, endLine: number): void {
    const body = text.slice(2).trim();
    const word = /^\S*/.exec(body)?.[0] ?? "";
    if (this.extension(out, loc, body)) return;
    if (body === "SHOW" || body === "HIDE" || body === "SKIP") {
      out.push({ kind: "mode", loc, mode: body });
    } else if (body === "wait") {
      out.push({ kind: "wait", loc });
    } else if (MODIFIERS[body] !== undefined) {
      out.push({ kind: "modifier", loc, modifier: MODIFIERS[body] });
    } else if (body === "end" || body === "endif") {
      throw new ReadError({
        severity: "error",
        loc,
        message: `@${body} without a matching @${body === "end" ? "macro" : "ifhook"}`,
        hint: `remove it, or open the block with @${body === "end" ? "macro NAME" : "ifhook NAME"}`,
      });
    } else if (word === "print") {
      const args = body.slice(5).trim();
      out.push({ kind: "print", loc, args, text: printText(args) });
    } else if (body === "") {
      out.push({ kind: "commentary", loc, text, format: "shell", hidden: true });
    } else {
      this.nearMiss(loc, body, word);
      out.push({ kind: "immediate", loc, endLine, text: body, calls: macroCallName(body) });
    }
  }

  /**
   * demoshts's own directives: `@fails`, `@timeout DURATION` and `@kube-context NAME`.
   * Each may also be written `@: fails` (and so on), which demosh runs as the no-op `:`.
   */
  private extension(out: Step[], loc: Loc, body: string): boolean {
    const words = body.replace(/^:\s+/, "").split(/\s+/);
    if (words[0] === "kube-context" && words.length === 2) {
      const step = { kind: "kube-context" as const, loc, name: words[1] as string };
      this.session.kubeContext ??= step;
      out.push(step);
      return true;
    }
    if (words[0] === "fails" && words.length === 1) {
      out.push({ kind: "modifier", loc, modifier: "fails" });
      return true;
    }
    if (words[0] === "timeout" && words.length === 2) {
      const timeoutMs = parseDuration(words[1] as string);
      if (timeoutMs === undefined || timeoutMs <= 0) {
        throw new ReadError({
          severity: "error",
          loc,
          message: `@timeout ${words[1]} is not a duration`,
          hint: "write a duration such as 30s, 2m, 1m30s or 500ms",
        });
      }
      out.push({ kind: "modifier", loc, modifier: "timeout", timeoutMs });
      return true;
    }
    return false;
  }

  /** Warns when a line meant as a directive will run as a shell command instead. */
  private nearMiss(loc: Loc, body: string, word: string): void {
    const name = DIRECTIVE_NAMES.find((n) => n.toLowerCase() === word.toLowerCase());
    if (name === undefined) return;
    const why =
      name === word
        ? `@${name} takes no arguments`
        : `directives are case-sensitive: this is not @${name}`;
    this.session.warn(
      loc,
      `#@${body} runs as a shell command (${why})`,
      `write the directive exactly (#@${name}), or use #@immed and a command line to run a command`,
    );
  }

  /** A directive line (`#@...` or a converted `<!-- @... -->`), already consumed. */
  private directive(out: Step[], line: Line, text: string): void {
    const kind = blockDirective(text);
    const rest = text.replace(/^#@\S+/, "").trim();
    const loc = this.loc(line);
    switch (kind) {
      case "import": {
        if (rest === "") this.fail(line, "@import needs a path", "write @import path/to/file.md");
        const format = formatOf(rest);
        out.push({ kind: "import", loc, path: rest, format });
        for (const step of this.session.importFile(loc, rest)) out.push(step);
        return;
      }
      case "hook": {
        const words = rest.split(/\s+/);
        const [name, suffix] = words;
        if (words.length !== 2 || !name || !suffix) {
          this.fail(
            line,
            "@hook needs a NAME and a SUFFIX",
            "write @hook show_slides SLIDES: show_slides runs $DEMO_HOOK_SLIDES",
          );
        }
        const hook: HookStep = { kind: "hook", loc, name, suffix };
        this.session.hooks.push(hook);
        out.push(hook);
        return;
      }
      case "macro":
      case "ifhook": {
        const end = kind === "macro" ? "end" : "endif";
        if (rest === "")
          this.fail(line, `@${kind} needs a name`, `write @${kind} NAME ... @${end}`);
        const blocks = this.blocks.concat(`@${kind} ${rest} (line ${line.line})`);
        if (blocks.length > MAX_BLOCK_DEPTH) {
          this.fail(
            line,
            `@${kind} ${rest} is nested more than ${MAX_BLOCK_DEPTH} blocks deep (${describeChain(blocks, " > ")})`,
            "blocks may nest at most that deep; define the inner macros on their own",
          );
        }
        const range = this.blockBody(line, kind, end, blocks);
        const body = new FileReader(
          this.session,
          this.file,
          range.lines,
          blocks,
          range.start,
          range.end,
        ).read("shell");
        const endLine = this.lines[this.index - 1]?.line ?? line.line;
        if (kind === "macro") {
          const macro: MacroStep = { kind: "macro", loc, endLine, name: rest, body };
          this.session.macros.set(rest, macro);
          out.push(macro);
        } else {
          out.push({ kind: "ifhook", loc, endLine, name: rest, body });
        }
        return;
      }
      default:
        this.meta(out, loc, text, line.line);
    }
  }

  /**
   * Finds a block's lines up to its end line; nested blocks of the same kind
   * nest. The outermost block of a file copies its lines left-trimmed and in
   * shell form; blocks inside it use those lines as they are.
   */
  private blockBody(
    open: Line,
    kind: string,
    end: string,
    blocks: readonly string[],
  ): { lines: readonly Line[]; start: number; end: number } {
    const inBlock = this.blocks.length > 0;
    const body: Line[] = [];
    const from = this.index;
    // The same-kind blocks open inside this one: too deep a nest fails here, in one pass.
    const open_: string[] = [];
    while (this.index < this.end) {
      const line = this.lines[this.index] as Line;
      this.index++;
      if (isBlockLine(line.text, end)) {
        if (open_.length === 0) {
          return inBlock
            ? { lines: this.lines, start: from, end: this.index - 1 }
            : { lines: body, start: 0, end: body.length };
        }
        open_.pop();
        if (!inBlock) body.push({ text: `#@${end}`, line: line.line });
        continue;
      }
      const trimmed = line.text.trim();
      // A block written in Markdown may wrap its commands in a shell fence.
      if (trimmed === "```" || trimmed.startsWith("```bash") || trimmed.startsWith("```sh"))
        continue;
      const text = trimmed.startsWith(MARKDOWN_DIRECTIVE) ? markdownDirective(trimmed) : trimmed;
      if (blockDirective(text) === kind) {
        open_.push(`@${kind} ${text.replace(/^#@\S+/, "").trim()} (line ${line.line})`);
        if (blocks.length + open_.length > MAX_BLOCK_DEPTH) {
          const chain = describeChain(blocks.concat(open_), " > ");
          this.fail(
            line,
            `this @${kind} is nested more than ${MAX_BLOCK_DEPTH} blocks deep (${chain})`,
            "blocks may nest at most that deep; define the inner macros on their own",
          );
        }
      }
      if (!inBlock) {
        body.push({ text: text === trimmed ? line.text.trimStart() : text, line: line.line });
      }
    }
    return this.fail(
      open,
      `@${kind} ${markdownDirective(open.text)
        .replace(/^#@\S+/, "")
        .trim()} is never closed`,
      `close it with a line #@${end} (or <!-- @${end} --> in Markdown)`,
    );
  }
}
