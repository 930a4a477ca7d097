/**
 * Turns demo commentary into the text a presenter's terminal shows: Markdown
 * keeps its meaning (headings, emphasis, lists, links, code) but loses its
 * syntax, and shell commentary is coloured like a comment. Pure: no I/O, no
 * environment; the caller decides the width and the colour level.
 */
import { Chalk, type ChalkInstance } from "chalk";
import { Lexer, type Token, type Tokens } from "marked";
import stringWidth from "string-width";
import wrapAnsi from "wrap-ansi";

export interface RenderOptions {
  /** Terminal columns; prose is wrapped to it (at least 20). */
  readonly width: number;
  /** Chalk colour level; 0 means no escape codes at all. */
  readonly level: 0 | 1 | 2 | 3;
}

/** The styles commentary is drawn with; one place to change the look. */
interface Theme {
  /** Level 1: the title; level 2: a section; deeper levels alike. */
  readonly heading1: (text: string) => string;
  readonly heading2: (text: string) => string;
  readonly heading: (text: string) => string;
  /**
   * The rule under a title (double) and under a section (single): it keeps the levels
   * apart, and apart from prose, with or without colour.
   */
  readonly heading1Rule: (text: string) => string;
  readonly heading2Rule: (text: string) => string;
  readonly em: (text: string) => string;
  readonly strong: (text: string) => string;
  readonly del: (text: string) => string;
  readonly codespan: (text: string) => string;
  readonly code: (text: string) => string;
  readonly url: (text: string) => string;
  readonly quoteBar: (text: string) => string;
  readonly rule: (text: string) => string;
  readonly tableHeader: (text: string) => string;
  readonly comment: (text: string) => string;
  readonly prompt: (text: string) => string;
  readonly notice: (text: string) => string;
}

function makeTheme(c: ChalkInstance): Theme {
  return {
    heading1: c.bold.green,
    heading2: c.bold.green,
    heading: c.bold,
    heading1Rule: c.green,
    heading2Rule: c.dim.green,
    em: c.italic.magenta,
    strong: c.bold,
    del: c.strikethrough,
    codespan: c.cyan,
    code: c.yellow,
    url: c.dim.underline,
    quoteBar: c.dim,
    rule: c.dim,
    tableHeader: c.bold,
    comment: c.red,
    prompt: c.green,
    notice: c.magenta,
  };
}

const themes = new Map<number, Theme>();

function themeFor(level: RenderOptions["level"]): Theme {
  let theme = themes.get(level);
  if (theme === undefined) {
    theme = makeTheme(new Chalk({ level }));
    themes.set(level, theme);
  }
  return theme;
}

const MIN_WIDTH = 20;
const MAX_RULE = 80;

/** The width prose is wrapped to; `Infinity` means "do not wrap". */
function columns(width: number): number {
  if (Number.isNaN(width)) return 80;
  return Math.max(MIN_WIDTH, Math.floor(width));
}

function splitLines(text: string): string[] {
  return text.replace(/\r\n?/g, "\n").split("\n");
}

function isBlank(line: string): boolean {
  return stripAnsi(line).trim() === "";
}

/** Drops leading and trailing blank lines and trailing spaces, and joins the rest. */
function finish(lines: readonly string[]): string {
  let start = 0;
  let end = lines.length;
  while (start < end && isBlank(lines[start] as string)) start++;
  while (end > start && isBlank(lines[end - 1] as string)) end--;
  return lines
    .slice(start, end)
    .map((l) => (isBlank(l) ? "" : l.trimEnd()))
    .join("\n");
}

/** Applies `style` to every line on its own, so no style spans a line break. */
function perLine(text: string, style: (line: string) => string): string {
  return finish(splitLines(text).map((l) => (l.trim() === "" ? "" : style(l.trimEnd()))));
}

// --- ANSI bookkeeping -------------------------------------------------------

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const SGR = /\u001b\[([0-9;]*)m/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/** Columns a styled string takes on a terminal: wide (CJK, emoji) characters take two. */
function visibleWidth(text: string): number {
  return stringWidth(text);
}

/** The SGR attributes in force at some point of a styled string. */
interface SgrState {
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
  hidden: boolean;
  strike: boolean;
  fg: string | undefined;
  bg: string | undefined;
}

function emptyState(): SgrState {
  return {
    bold: false,
    dim: false,
    italic: false,
    underline: false,
    inverse: false,
    hidden: false,
    strike: false,
    fg: undefined,
    bg: undefined,
  };
}

function applySgr(state: SgrState, params: string): void {
  const codes = params === "" ? [0] : params.split(";").map((p) => Number(p || "0"));
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i] as number;
    if (code === 0) Object.assign(state, emptyState());
    else if (code === 1) state.bold = true;
    else if (code === 2) state.dim = true;
    else if (code === 22) state.bold = state.dim = false;
    else if (code === 3) state.italic = true;
    else if (code === 23) state.italic = false;
    else if (code === 4) state.underline = true;
    else if (code === 24) state.underline = false;
    else if (code === 7) state.inverse = true;
    else if (code === 27) state.inverse = false;
    else if (code === 8) state.hidden = true;
    else if (code === 28) state.hidden = false;
    else if (code === 9) state.strike = true;
    else if (code === 29) state.strike = false;
    else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) state.fg = String(code);
    else if (code === 39) state.fg = undefined;
    else if ((code >= 40 && code <= 47) || (code >= 100 && code <= 107)) state.bg = String(code);
    else if (code === 49) state.bg = undefined;
    else if (code === 38 || code === 48) {
      const n = codes[i + 1] === 5 ? 3 : codes[i + 1] === 2 ? 5 : 1;
      const value = codes.slice(i, i + n).join(";");
      if (code === 38) state.fg = value;
      else state.bg = value;
      i += n - 1;
    }
  }
}

function openCodes(s: SgrState): string {
  const codes: string[] = [];
  if (s.bold) codes.push("1");
  if (s.dim) codes.push("2");
  if (s.italic) codes.push("3");
  if (s.underline) codes.push("4");
  if (s.inverse) codes.push("7");
  if (s.hidden) codes.push("8");
  if (s.strike) codes.push("9");
  if (s.fg !== undefined) codes.push(s.fg);
  if (s.bg !== undefined) codes.push(s.bg);
  return codes.map((c) => `\u001b[${c}m`).join("");
}

function closeCodes(s: SgrState): string {
  const codes: string[] = [];
  if (s.bg !== undefined) codes.push("49");
  if (s.fg !== undefined) codes.push("39");
  if (s.strike) codes.push("29");
  if (s.hidden) codes.push("28");
  if (s.inverse) codes.push("27");
  if (s.underline) codes.push("24");
  if (s.italic) codes.push("23");
  if (s.bold || s.dim) codes.push("22");
  return codes.map((c) => `\u001b[${c}m`).join("");
}

/**
 * Makes every line self-contained: styles still open at the end of a line are
 * closed there and reopened on the next. wrap-ansi reopens only the innermost
 * style after a break, and a prefix (a list indent, a quote bar) put in front
 * of a line must not inherit or cancel the style of the text it precedes.
 */
function balanceLines(lines: readonly string[]): string[] {
  const state = emptyState();
  return lines.map((line) => {
    const open = openCodes(state);
    for (const match of line.matchAll(SGR)) applySgr(state, match[1] ?? "");
    return open + line + closeCodes(state);
  });
}

/** Wraps styled text (hard breaks as "\n") to `width`, one self-contained line each. */
function wrap(text: string, width: number): string[] {
  const wrapped = Number.isFinite(width)
    ? wrapAnsi(text, Math.max(1, width), { hard: false, trim: true })
    : splitLines(text)
        .map((l) => l.trim())
        .join("\n");
  return balanceLines(wrapped.split("\n"));
}

// --- HTML -------------------------------------------------------------------

const ENTITIES: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  ensp: "\u2002",
  emsp: "\u2003",
  thinsp: "\u2009",
  copy: "©",
  reg: "®",
  trade: "™",
  hellip: "…",
  mdash: "—",
  ndash: "–",
  minus: "−",
  lsquo: "‘",
  rsquo: "’",
  sbquo: "‚",
  ldquo: "“",
  rdquo: "”",
  bdquo: "„",
  laquo: "«",
  raquo: "»",
  bull: "•",
  middot: "·",
  times: "×",
  divide: "÷",
  deg: "°",
  plusmn: "±",
  micro: "µ",
  para: "¶",
  sect: "§",
  dagger: "†",
  Dagger: "‡",
  euro: "€",
  pound: "£",
  yen: "¥",
  cent: "¢",
  larr: "←",
  rarr: "→",
  uarr: "↑",
  darr: "↓",
  harr: "↔",
  lArr: "⇐",
  rArr: "⇒",
  hArr: "⇔",
  le: "≤",
  ge: "≥",
  ne: "≠",
  asymp: "≈",
  infin: "∞",
  check: "✓",
  cross: "✗",
  star: "☆",
  starf: "★",
  hearts: "♥",
  frac12: "½",
  frac14: "¼",
  frac34: "¾",
  sup2: "²",
  sup3: "³",
  iexcl: "¡",
  iquest: "¿",
  shy: "\u00ad",
  zwj: "\u200d",
  zwnj: "\u200c",
};

/** Decodes character references in one pass (so `&amp;lt;` becomes `&lt;`). */
function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(
    /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]*));/g,
    (whole, dec, hex, name) => {
      if (typeof name === "string") return ENTITIES[name] ?? whole;
      const code = typeof dec === "string" ? Number.parseInt(dec, 10) : Number.parseInt(hex, 16);
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return "\ufffd";
      return String.fromCodePoint(code);
    },
  );
}

/** HTML with its comments removed; an unclosed comment runs to the end. */
function withoutComments(html: string): string {
  return html.replace(/[ \t]*<!--[\s\S]*?(?:-->|$)[ \t]*/g, (comment, at: number) => {
    // Keep one space between words the comment separated on its line.
    const before = html[at - 1];
    const after = html[at + comment.length];
    return before !== undefined && before !== "\n" && after !== undefined && after !== "\n"
      ? " "
      : "";
  });
}

const FENCE = /^\s*(`{3,}|~{3,})/;
const STRAY_CLOSER = /^ {0,3}-->\s*$/;

/**
 * Commentary is the prose between shell blocks, and demos hide setup by
 * wrapping it in `<!--` ... `-->` lines, so a piece of commentary can begin
 * inside a comment opened before it. A `-->` line that closes nothing here
 * closes that comment: it and everything before it are hidden.
 */
function dropCommentTail(text: string): string {
  const lines = splitLines(text);
  let fence: string | undefined;
  let inComment = false;
  let cut = -1;
  lines.forEach((line, index) => {
    if (fence !== undefined) {
      const close = FENCE.exec(line)?.[1];
      if (
        close !== undefined &&
        close[0] === fence[0] &&
        close.length >= fence.length &&
        line.trim() === close
      ) {
        fence = undefined;
      }
      return;
    }
    if (!inComment) {
      if (STRAY_CLOSER.test(line)) {
        cut = index;
        return;
      }
      const open = FENCE.exec(line)?.[1];
      if (open !== undefined) {
        fence = open;
        return;
      }
    }
    const code = line.replace(/(`+)[^`]*?\1/g, "");
    let pos = 0;
    for (;;) {
      const at = code.indexOf(inComment ? "-->" : "<!--", pos);
      if (at < 0) break;
      pos = at + (inComment ? 3 : 4);
      inComment = !inComment;
    }
  });
  return cut < 0 ? text : lines.slice(cut + 1).join("\n");
}

// --- Markdown ---------------------------------------------------------------

interface Context {
  readonly theme: Theme;
}

function renderInline(tokens: readonly Token[] | undefined, ctx: Context): string {
  if (tokens === undefined) return "";
  let out = "";
  let dropped = false;
  for (const token of tokens) {
    let part = renderInlineToken(token, ctx);
    // "a <!-- note --> b" reads "a b", not "a  b".
    if (dropped && (out === "" || out.endsWith(" "))) part = part.replace(/^ +/, "");
    dropped = token.type === "html" && part === "" ? true : dropped && part === "";
    out += part;
  }
  return out;
}

function renderInlineToken(token: Token, ctx: Context): string {
  const { theme } = ctx;
  const t = token as Tokens.Generic;
  switch (token.type) {
    case "text": {
      const text = token as Tokens.Text;
      if (text.tokens !== undefined) return renderInline(text.tokens, ctx);
      // A soft line break is a space: paragraphs are reflowed to the width.
      return decodeEntities(text.text).replace(/[ \t]*\n[ \t]*/g, " ");
    }
    case "escape":
      return (token as Tokens.Escape).text;
    case "codespan":
      return theme.codespan((token as Tokens.Codespan).text);
    case "strong":
      return theme.strong(renderInline((token as Tokens.Strong).tokens, ctx));
    case "em":
      return theme.em(renderInline((token as Tokens.Em).tokens, ctx));
    case "del":
      return theme.del(renderInline((token as Tokens.Del).tokens, ctx));
    case "br":
      return "\n";
    case "link":
      return renderLink(token as Tokens.Link, ctx);
    case "image": {
      const image = token as Tokens.Image;
      const alt = decodeEntities(image.text);
      const href = decodeEntities(image.href);
      return alt === "" ? theme.url(href) : `${alt} (${theme.url(href)})`;
    }
    case "html":
      return withoutComments((token as Tokens.Tag).text);
    case "checkbox":
      // Shown by the list item's marker.
      return "";
    default:
      if (Array.isArray(t.tokens)) return renderInline(t.tokens as Token[], ctx);
      return typeof t.text === "string" ? t.text : t.raw;
  }
}

function renderLink(link: Tokens.Link, ctx: Context): string {
  const { theme } = ctx;
  if (link.autolink === true) return theme.url(link.text);
  const href = decodeEntities(link.href);
  const text = renderInline(link.tokens, ctx);
  const plain = stripAnsi(text);
  if (href === "") return text;
  if (plain === "" || plain === href || `mailto:${plain}` === href) return theme.url(href);
  return `${text} (${theme.url(href)})`;
}

/** Block tokens -> lines; blocks keep the blank lines that separate them in the source. */
function renderBlocks(tokens: readonly Token[], width: number, ctx: Context): string[] {
  const lines: string[] = [];
  let gap = false;
  for (const token of tokens) {
    if (token.type === "space") {
      gap = true;
      continue;
    }
    const out = renderBlock(token, width, ctx);
    if (out.length === 0) continue;
    if (gap && lines.length > 0) lines.push("");
    for (const line of out) lines.push(line);
    gap = /\n[ \t]*\n\s*$/.test(token.raw);
  }
  return lines;
}

function renderBlock(token: Token, width: number, ctx: Context): string[] {
  const { theme } = ctx;
  switch (token.type) {
    case "paragraph":
      return wrap(renderInline((token as Tokens.Paragraph).tokens, ctx), width);
    case "text": {
      const text = token as Tokens.Text;
      const inline =
        text.tokens !== undefined ? renderInline(text.tokens, ctx) : renderInlineToken(text, ctx);
      return wrap(inline, width);
    }
    case "heading": {
      const heading = token as Tokens.Heading;
      const inline = renderInline(heading.tokens, ctx);
      const style =
        heading.depth === 1 ? theme.heading1 : heading.depth === 2 ? theme.heading2 : theme.heading;
      const lines = wrap(
        splitLines(inline)
          .map((l) => style(l))
          .join("\n"),
        width,
      );
      if (heading.depth > 2) return lines;
      const rule = heading.depth === 1 ? "═" : "─";
      const ruled = heading.depth === 1 ? theme.heading1Rule : theme.heading2Rule;
      const widest = Math.max(0, ...lines.map((l) => stringWidth(l)));
      return widest === 0 ? lines : [...lines, ruled(rule.repeat(Math.min(widest, width)))];
    }
    case "code": {
      const text = (token as Tokens.Code).text.replace(/\n+$/, "");
      return splitLines(text).map((l) => (l.trim() === "" ? "" : `    ${theme.code(l)}`));
    }
    case "blockquote": {
      const inner = renderBlocks((token as Tokens.Blockquote).tokens, width - 2, ctx);
      return inner.map((l) => (l === "" ? theme.quoteBar("│") : `${theme.quoteBar("│")} ${l}`));
    }
    case "list":
      return renderList(token as Tokens.List, width, ctx);
    case "hr":
      return [theme.rule("─".repeat(Math.min(width, MAX_RULE)))];
    case "table":
      return renderTable(token as Tokens.Table, ctx);
    case "html": {
      // Shown as written, less its comments; nothing at all when only comments.
      const shown = finish(splitLines(withoutComments((token as Tokens.HTML).text)));
      return shown === "" ? [] : splitLines(shown);
    }
    case "def":
      return [];
    case "checkbox":
      return [];
    default: {
      const t = token as Tokens.Generic;
      if (Array.isArray(t.tokens)) return renderBlocks(t.tokens as Token[], width, ctx);
      const text = typeof t.text === "string" ? t.text : t.raw;
      return text.trim() === "" ? [] : wrap(text, width);
    }
  }
}

function renderList(list: Tokens.List, width: number, ctx: Context): string[] {
  const start = typeof list.start === "number" ? list.start : 1;
  const bullets = list.items.map((_, i) => (list.ordered ? `${start + i}.` : "•"));
  const bulletWidth = bullets.reduce((w, b) => Math.max(w, visibleWidth(b)), 0) + 1;
  const lines: string[] = [];
  list.items.forEach((item, i) => {
    if (i > 0 && list.loose) lines.push("");
    const box = item.task ? `[${item.checked === true ? "x" : " "}] ` : "";
    const bullet = bullets[i] as string;
    const marker = bullet + " ".repeat(bulletWidth - visibleWidth(bullet)) + box;
    const indent = " ".repeat(visibleWidth(marker));
    const body = renderBlocks(item.tokens, width - visibleWidth(marker), ctx);
    if (body.length === 0) {
      lines.push(marker.trimEnd());
      return;
    }
    body.forEach((line, j) => {
      if (j === 0) lines.push(marker + line);
      else lines.push(line === "" ? "" : indent + line);
    });
  });
  return lines;
}

function renderTable(table: Tokens.Table, ctx: Context): string[] {
  const cell = (c: Tokens.TableCell): string => renderInline(c.tokens, ctx).replace(/\n/g, " ");
  const rows = [table.header.map((c) => ctx.theme.tableHeader(cell(c)))];
  for (const row of table.rows) rows.push(row.map(cell));
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((text, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleWidth(text));
    });
  }
  const line = (row: readonly string[]): string =>
    widths
      .map((w, i) => {
        const text = row[i] ?? "";
        const pad = w - visibleWidth(text);
        const align = table.align[i] ?? null;
        const last = i === widths.length - 1;
        if (align === "right") return " ".repeat(pad) + text;
        if (align === "center") {
          const left = Math.floor(pad / 2);
          return " ".repeat(left) + text + (last ? "" : " ".repeat(pad - left));
        }
        return text + (last ? "" : " ".repeat(pad));
      })
      .join("  ");
  const rule = ctx.theme.rule(widths.map((w) => "─".repeat(Math.max(1, w))).join("  "));
  const out = [line(rows[0] ?? []), rule];
  for (let i = 1; i < rows.length; i++) out.push(line(rows[i] as string[]));
  return out;
}

/**
 * Markdown commentary (the prose between shell fences of a demo) -> lines for
 * the terminal, joined with "\n", no trailing newline.
 */
export function renderMarkdown(text: string, options: RenderOptions): string {
  const ctx: Context = { theme: themeFor(options.level) };
  const source = dropCommentTail(text.replace(/\r\n?/g, "\n"));
  try {
    const tokens = new Lexer().lex(source);
    return finish(renderBlocks(tokens, columns(options.width), ctx));
  } catch (error) {
    // Markdown nested deeper than the parser can follow (thousands of > or *): show it as written.
    if (!(error instanceof RangeError)) throw error;
    return finish(splitLines(source).flatMap((line) => wrap(line, columns(options.width))));
  }
}

/**
 * Shell-script commentary (`# comment` lines, possibly several) -> coloured
 * like a comment, line by line, as written: not parsed as Markdown, not wrapped.
 */
export function renderShellComment(text: string, options: RenderOptions): string {
  return perLine(text, themeFor(options.level).comment);
}

/** The "$ " shown before a command, coloured. */
export function renderPrompt(options: RenderOptions): string {
  return themeFor(options.level).prompt("$ ");
}

/**
 * A notice from the presenter's tool, such as "...skipping", in magenta,
 * wrapped between words to the terminal's width.
 */
export function renderNotice(text: string, options: RenderOptions): string {
  const theme = themeFor(options.level);
  const lines = wrap(text, columns(options.width));
  return finish(lines.map((l) => (l.trim() === "" ? "" : theme.notice(l.trimEnd()))));
}

/** `@print` text: red like a comment when it starts with "#", else as written. */
export function renderPrint(text: string, options: RenderOptions): string {
  if (!/^\s*#/.test(text)) return text;
  return perLine(text, themeFor(options.level).comment);
}
