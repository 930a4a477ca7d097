import { stripVTControlCharacters as visible } from "node:util";
import { Chalk } from "chalk";
import stringWidth from "string-width";
import { describe, expect, it } from "vitest";
import {
  type RenderOptions,
  renderMarkdown,
  renderNotice,
  renderPrint,
  renderPrompt,
  renderShellComment,
} from "../../src/present/render.js";

const c = new Chalk({ level: 1 });
const ESC = "\u001b";
const colour: RenderOptions = { width: 80, level: 1 };
const plain: RenderOptions = { width: 80, level: 0 };

/** What the audience reads, line by line. */
function seen(markdown: string, options: Partial<RenderOptions> = {}): string[] {
  return visible(renderMarkdown(markdown, { ...plain, ...options })).split("\n");
}

/** The longest line a user sees. */
function widest(lines: readonly string[]): number {
  return Math.max(...lines.map((l) => [...l].length));
}

describe("renderMarkdown: headings and blocks", () => {
  it("shows a heading's text without the #s: level 1 bold and green over a double rule", () => {
    const title = `${c.bold.green("Getting started")}\n${c.green("═".repeat(15))}`;
    expect(renderMarkdown("# Getting started", colour)).toBe(title);
    expect(renderMarkdown("Getting started\n===", colour)).toBe(title);
  });

  it("shows level-2 headings over a single rule, deeper ones bold with none", () => {
    const one = renderMarkdown("# Section", colour);
    const two = renderMarkdown("## Section", colour);
    expect(two).toBe(`${c.bold.green("Section")}\n${c.dim.green("───────")}`);
    expect(two).not.toBe(one);
    expect(renderMarkdown("Section\n---", colour)).toBe(two);
    expect(renderMarkdown("### Step *two*", colour)).toBe(
      c.bold(`Step ${c.italic.magenta("two")}`),
    );
    expect(renderMarkdown("### Step", colour)).not.toBe(two);
  });

  it("keeps levels 1, 2 and 3 apart without colour", () => {
    expect(seen("# Title")).toEqual(["Title", "═════"]);
    expect(seen("## Title")).toEqual(["Title", "─────"]);
    expect(seen("### Title")).toEqual(["Title"]);
    expect(renderMarkdown("# Title", plain)).not.toBe(renderMarkdown("## Title", plain));
  });

  it("rules a heading as wide as it shows: emoji and CJK count two columns, and never past the width", () => {
    expect(seen("# 🚀 Launch")).toEqual(["🚀 Launch", "═".repeat(9)]);
    expect(seen("## 日本語")).toEqual(["日本語", "─".repeat(6)]);
    const long = "A title that goes on for much longer than the terminal is wide";
    const lines = seen(`# ${long}`, { width: 30 });
    expect(lines.at(-1)).toBe("═".repeat(Math.max(...lines.slice(0, -1).map((l) => l.length))));
    expect((lines.at(-1) as string).length).toBeLessThanOrEqual(30);
  });

  it("keeps a heading's text as written (no uppercasing)", () => {
    expect(seen("# Hello, demoshts")[0]).toBe("Hello, demoshts");
    expect(seen("Setext Title\n============")[0]).toBe("Setext Title");
  });

  it("separates blocks by one blank line, as the source does", () => {
    const source =
      "# Title\n\nFirst paragraph.\n\n\n\n- one\n- two\n\n```yaml\nk: v\n```\n\n> quoted";
    expect(seen(source)).toEqual([
      "Title",
      "═════",
      "",
      "First paragraph.",
      "",
      "• one",
      "• two",
      "",
      "    k: v",
      "",
      "│ quoted",
    ]);
  });

  it("adds no blank line where the source has none", () => {
    expect(seen("# Title\nBody text.")).toEqual(["Title", "═════", "Body text."]);
    expect(seen("Steps:\n- one\n- two")).toEqual(["Steps:", "• one", "• two"]);
  });

  it("trims leading and trailing blank lines and never ends with a newline", () => {
    expect(renderMarkdown("\n\n  \nSome text.\n\n\n", plain)).toBe("Some text.");
    expect(renderMarkdown("```\ncode\n```\n", colour).endsWith("\n")).toBe(false);
    expect(renderMarkdown("", colour)).toBe("");
    expect(renderMarkdown("\n \n", colour)).toBe("");
  });
});

describe("renderMarkdown: wrapping", () => {
  const long =
    "Commands share one shell, so a variable set in one command is there in the next one too.";

  it("wraps paragraphs at word boundaries to the width", () => {
    const lines = seen(long, { width: 30 });
    expect(lines.length).toBeGreaterThan(2);
    expect(widest(lines)).toBeLessThanOrEqual(30);
    expect(lines.join(" ")).toBe(long);
    for (const line of lines) expect(line).toBe(line.trim());
  });

  it("reflows soft line breaks and keeps hard ones", () => {
    expect(seen("one\ntwo\nthree")).toEqual(["one two three"]);
    expect(seen("one  \ntwo\\\nthree")).toEqual(["one", "two", "three"]);
  });

  it("leaves a word longer than the width whole, on a line of its own", () => {
    const url = "https://example.com/a/very/long/path/that/cannot/fit";
    const lines = seen(`See ${url} for details.`, { width: 30 });
    expect(lines).toEqual(["See", url, "for details."]);
  });

  it("never wraps narrower than 20 columns", () => {
    const text = "aaa bbb ccc ddd eee fff ggg hhh";
    expect(seen(text, { width: 5 })).toEqual(seen(text, { width: 20 }));
    expect(widest(seen(text, { width: 5 }))).toBeLessThanOrEqual(20);
    expect(widest(seen(text, { width: 5 }))).toBeGreaterThan(10);
  });

  it("closes styles at the end of each wrapped line and reopens them on the next", () => {
    const out = renderMarkdown("**bold words that go on and on past the edge**", {
      width: 20,
      level: 1,
    });
    const lines = out.split("\n");
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      expect(line.startsWith(`${ESC}[1m`)).toBe(true);
      expect(line.endsWith(`${ESC}[22m`)).toBe(true);
    }
  });

  it("keeps a wrapped quote's text bold after the quote bar", () => {
    const lines = renderMarkdown("> **a bold quote that is long enough to wrap**", {
      width: 20,
      level: 1,
    }).split("\n");
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      expect(line.startsWith(`${c.dim("│")} ${ESC}[1m`)).toBe(true);
    }
  });
});

describe("renderMarkdown: inline styles", () => {
  it("shows emphasis in italic and colour, with either marker", () => {
    expect(renderMarkdown("*x*", colour)).toBe(c.italic.magenta("x"));
    expect(renderMarkdown("_x_", colour)).toBe(c.italic.magenta("x"));
  });

  it("shows strong text in bold and ~~deleted~~ text struck through", () => {
    expect(renderMarkdown("**x**", colour)).toBe(c.bold("x"));
    expect(renderMarkdown("__x__", colour)).toBe(c.bold("x"));
    expect(renderMarkdown("~~x~~", colour)).toBe(c.strikethrough("x"));
    expect(renderMarkdown("a **b *c*** d", colour)).toBe(
      `a ${c.bold(`b ${c.italic.magenta("c")}`)} d`,
    );
  });

  it("shows a code span in cyan, its text raw, with no other formatting inside", () => {
    expect(renderMarkdown("`**x**`", colour)).toBe(c.cyan("**x**"));
    expect(renderMarkdown("run `kubectl get *` now", colour)).toBe(
      `run ${c.cyan("kubectl get *")} now`,
    );
    expect(renderMarkdown("`a &amp; _b_ \\* <i>`", colour)).toBe(c.cyan("a &amp; _b_ \\* <i>"));
  });

  it("does not read intraword underscores or spaced asterisks as emphasis", () => {
    const out = renderMarkdown("snake_case_name and 2 * 3 * 4", colour);
    expect(out).toBe("snake_case_name and 2 * 3 * 4");
  });

  it("shows escaped characters literally and decodes HTML entities", () => {
    expect(seen("\\*not emphasis\\* and \\_this\\_ and \\# and \\`")).toEqual([
      "*not emphasis* and _this_ and # and `",
    ]);
    expect(renderMarkdown("\\*x\\*", colour)).toBe("*x*");
    expect(seen("Tom &amp; Jerry &lt;b&gt; &copy; &mdash; &#42; &#x41; &unknown;")).toEqual([
      "Tom & Jerry <b> © — * A &unknown;",
    ]);
    expect(seen("&amp;lt;")).toEqual(["&lt;"]);
  });

  it("passes ${NAME} through unchanged (the caller fills it in)", () => {
    const text = "Hello ${NAME}, from ${DEMO_NAME} and ${A_B}_${C_D} at $HOME.";
    expect(renderMarkdown(text, colour)).toBe(text);
    expect(renderMarkdown(`\`echo \${NAME}\``, colour)).toBe(c.cyan("echo ${NAME}"));
  });
});

describe("renderMarkdown: lists", () => {
  it("shows - and * items as bullets, never as emphasis", () => {
    expect(renderMarkdown("- one\n- two", colour)).toBe("• one\n• two");
    expect(renderMarkdown("* one\n* two", colour)).toBe("• one\n• two");
    expect(renderMarkdown("+ one", colour)).toBe("• one");
  });

  it("numbers ordered lists from their start, aligning the text", () => {
    expect(seen("1. one\n2. two")).toEqual(["1. one", "2. two"]);
    expect(seen("3. three\n4. four")).toEqual(["3. three", "4. four"]);
    expect(seen("9. nine\n10. ten")).toEqual(["9.  nine", "10. ten"]);
  });

  it("indents nested lists by two spaces", () => {
    expect(seen("- a\n  - b\n    - c\n- d")).toEqual(["• a", "  • b", "    • c", "• d"]);
    expect(seen("1. a\n   - b")).toEqual(["1. a", "   • b"]);
  });

  it("wraps items with a hanging indent", () => {
    const lines = seen(
      "- an item long enough to wrap over several lines here\n  - and a nested item that wraps too",
      { width: 30 },
    );
    expect(lines[0]).toBe("• an item long enough to wrap");
    expect(widest(lines)).toBeLessThanOrEqual(30);
    const nested = lines.findIndex((l) => l.startsWith("  • "));
    expect(nested).toBeGreaterThan(1);
    for (const line of lines.slice(1, nested)) expect(line).toMatch(/^ {2}\S/);
    for (const line of lines.slice(nested + 1)) expect(line).toMatch(/^ {4}\S/);
    const words = lines.join(" ").replace(/[•]/g, " ").split(/\s+/).filter(Boolean);
    expect(words.join(" ")).toBe(
      "an item long enough to wrap over several lines here and a nested item that wraps too",
    );
  });

  it("keeps inline styles inside items", () => {
    expect(renderMarkdown("- use `ls -l` **now**", colour)).toBe(
      `• use ${c.cyan("ls -l")} ${c.bold("now")}`,
    );
  });

  it("shows task items with a box, and loose lists with blank lines", () => {
    expect(seen("- [ ] todo\n- [x] done")).toEqual(["• [ ] todo", "• [x] done"]);
    expect(seen("- one\n\n- two\n\n  more")).toEqual(["• one", "", "• two", "", "  more"]);
  });
});

describe("renderMarkdown: links", () => {
  it('shows [text](url) as "text (url)" with the url dimmed and underlined', () => {
    expect(seen("Read [the docs](https://example.com/docs).")).toEqual([
      "Read the docs (https://example.com/docs).",
    ]);
    expect(renderMarkdown("[docs](https://x.io)", colour)).toBe(
      `docs (${c.dim.underline("https://x.io")})`,
    );
    expect(renderMarkdown("[**docs**](https://x.io)", colour)).toBe(
      `${c.bold("docs")} (${c.dim.underline("https://x.io")})`,
    );
  });

  it("resolves reference links and hides their definitions", () => {
    expect(seen("See [the site][site].\n\n[site]: https://example.org")).toEqual([
      "See the site (https://example.org).",
    ]);
  });

  it("shows autolinks and bare URLs once", () => {
    expect(seen("<https://example.com>")).toEqual(["https://example.com"]);
    expect(seen("Go to https://example.com/x now")).toEqual(["Go to https://example.com/x now"]);
    expect(seen("www.example.com")).toEqual(["www.example.com"]);
    expect(seen("<me@example.com>")).toEqual(["me@example.com"]);
    expect(seen("[https://a.io](https://a.io)")).toEqual(["https://a.io"]);
    expect(renderMarkdown("<https://a.io>", colour)).toBe(c.dim.underline("https://a.io"));
  });

  it('shows images as "alt (url)"', () => {
    expect(seen("![a diagram](img/arch.png)")).toEqual(["a diagram (img/arch.png)"]);
  });
});

describe("renderMarkdown: code blocks", () => {
  it("indents fenced code by four spaces, in yellow, without Markdown inside", () => {
    expect(renderMarkdown("```yaml\nkind: Pod\nspec: *ref\n```", colour)).toBe(
      `    ${c.yellow("kind: Pod")}\n    ${c.yellow("spec: *ref")}`,
    );
    expect(seen("```console\n$ ls **/*.md\n# not a heading\n- not a list\n```")).toEqual([
      "    $ ls **/*.md",
      "    # not a heading",
      "    - not a list",
    ]);
  });

  it("keeps a code block's indentation and blank lines, and does not wrap it", () => {
    const long = "x".repeat(10) + " y".repeat(40);
    expect(seen(`\`\`\`\na:\n\n  b: 1\n${long}\n\`\`\``, { width: 30 })).toEqual([
      "    a:",
      "",
      "      b: 1",
      `    ${long}`,
    ]);
  });

  it("shows indented code the same way", () => {
    expect(seen("Text:\n\n    indented *code*\n\nMore.")).toEqual([
      "Text:",
      "",
      "    indented *code*",
      "",
      "More.",
    ]);
  });
});

describe("renderMarkdown: blockquotes, rules and tables", () => {
  it("prefixes each quoted line with a dim bar and renders its content", () => {
    expect(renderMarkdown("> a *b*", colour)).toBe(`${c.dim("│")} a ${c.italic.magenta("b")}`);
    expect(seen("> one\n>\n> two\n> - item")).toEqual(["│ one", "│", "│ two", "│ • item"]);
    const lines = seen("> a quote long enough that it must wrap at thirty", { width: 30 });
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line.startsWith("│ ")).toBe(true);
    expect(widest(lines)).toBeLessThanOrEqual(30);
  });

  it("draws a horizontal rule across the width, at most 80 columns", () => {
    expect(seen("---", { width: 30 })).toEqual(["─".repeat(30)]);
    expect(seen("***", { width: 200 })).toEqual(["─".repeat(80)]);
    expect(seen("a\n\n___\n\nb", { width: 20 })).toEqual(["a", "", "─".repeat(20), "", "b"]);
  });

  it("shows tables as rows of cells separated by two spaces, not wrapped", () => {
    const table = "| Name | Value |\n|------|-------|\n| a | **1** |\n| long cell text here | 22 |";
    const lines = seen(table, { width: 20 });
    expect(lines[0]).toBe("Name                 Value");
    expect(lines[2]).toBe("a                    1");
    expect(lines[3]).toBe("long cell text here  22");
    expect(lines).toHaveLength(4);
    expect(renderMarkdown(table, colour)).toContain(c.bold("1"));
  });

  it("aligns table columns by display width: emoji and CJK take two columns", () => {
    const table = [
      "| Face | Meaning | Next |",
      "|------|---------|------|",
      "| 😀 | all is well | a |",
      "| 😴 | timed out | b |",
      "| 日本語 | three wide characters | c |",
      "| plain | 雨 | d |",
    ].join("\n");
    const lines = seen(table);
    // Where each line's last column starts, in terminal columns.
    const column = (line: string, text: string): number =>
      stringWidth(line.slice(0, line.lastIndexOf(text)));
    const starts = ["Next", "a", "b", "c", "d"].map((text, i) =>
      column(lines[i === 0 ? 0 : i + 1] as string, text),
    );
    expect(new Set(starts).size).toBe(1);
    expect(lines[2]).toBe("😀      all is well            a");
    expect(lines[4]).toBe("日本語  three wide characters  c");
    const rule = lines[1] as string;
    expect(stringWidth(rule)).toBe(stringWidth(lines[0] as string));
  });

  it("indents list items by display width", () => {
    expect(seen("- 日本 item that wraps onto a second line here", { width: 24 })).toEqual([
      "• 日本 item that wraps",
      "  onto a second line",
      "  here",
    ]);
  });
});

describe("renderMarkdown: HTML", () => {
  it("drops HTML comments, one-line and multi-line", () => {
    expect(seen("Before\n\n<!-- a note -->\n\nAfter")).toEqual(["Before", "", "After"]);
    expect(seen("Before\n\n<!--\nhidden *text*\n\nmore hidden\n-->\n\nAfter")).toEqual([
      "Before",
      "",
      "After",
    ]);
    expect(seen("a <!-- inline --> b")).toEqual(["a b"]);
    expect(seen("<!-- @wait -->")).toEqual([""]);
  });

  it("makes a block wrapped in <!-- and --> lines disappear", () => {
    const source = "Intro\n\n<!--\n```bash\nkubectl apply -f setup.yaml\n```\n-->\n\nOutro";
    expect(seen(source)).toEqual(["Intro", "", "Outro"]);
  });

  it("drops a lone <!-- or --> line, as commentary cut around a hidden shell block has", () => {
    expect(renderMarkdown("<!--", colour)).toBe("");
    expect(renderMarkdown("-->", colour)).toBe("");
    expect(seen("Intro text.\n\n<!--")).toEqual(["Intro text."]);
    expect(seen("-->\n\nOutro text.")).toEqual(["Outro text."]);
    expect(seen("-->\nOutro text.")).toEqual(["Outro text."]);
  });

  it("hides what comes before a --> that closes a comment opened earlier", () => {
    expect(seen("still hidden\n-->\n\nshown")).toEqual(["shown"]);
  });

  it("keeps --> inside code, and arrows in prose", () => {
    expect(seen("```\n-->\n```\nafter")).toEqual(["    -->", "after"]);
    expect(seen("client --> server")).toEqual(["client --> server"]);
  });

  it("shows other HTML as plain text", () => {
    expect(seen("Press <kbd>Ctrl</kbd>-<kbd>C</kbd>.")).toEqual([
      "Press <kbd>Ctrl</kbd>-<kbd>C</kbd>.",
    ]);
    expect(seen("<div>\nhello\n</div>")).toEqual(["<div>", "hello", "</div>"]);
  });
});

describe("renderMarkdown: colour levels", () => {
  const everything = [
    "# Heading",
    "Some *em*, **strong**, ~~del~~, `code`, [a link](https://x.io), <https://y.io>.",
    "- item\n  - nested",
    "> quote",
    "```yaml\nk: v\n```",
    "---",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "<!-- gone -->",
  ].join("\n\n");

  it("writes no escape codes at level 0", () => {
    const out = renderMarkdown(everything, { width: 30, level: 0 });
    expect(out).not.toContain(ESC);
    expect(out).toContain("Heading");
    expect(out).toContain("link (https://x.io)");
  });

  it("shows the same text at every level", () => {
    const base = renderMarkdown(everything, { width: 40, level: 0 });
    for (const level of [1, 2, 3] as const) {
      const out = renderMarkdown(everything, { width: 40, level });
      expect(out).toContain(ESC);
      expect(visible(out)).toBe(base);
    }
  });
});

describe("renderShellComment", () => {
  it("colours each comment line red and leaves Markdown alone", () => {
    expect(renderShellComment("# First *line*\n# Second `line`", colour)).toBe(
      `${c.red("# First *line*")}\n${c.red("# Second `line`")}`,
    );
  });

  it("keeps the text as written at level 0, without wrapping", () => {
    const text = `# ${"word ".repeat(30).trim()}\n#   indented`;
    expect(renderShellComment(text, { width: 20, level: 0 })).toBe(text);
    expect(renderShellComment("# ${NAME}\n", plain)).toBe("# ${NAME}");
  });
});

describe("prompt, notice and print", () => {
  it('renders the "$ " prompt coloured', () => {
    expect(renderPrompt(colour)).toBe(c.green("$ "));
    expect(renderPrompt(plain)).toBe("$ ");
  });

  it("shows notices in magenta", () => {
    expect(renderNotice("...skipping", colour)).toBe(c.magenta("...skipping"));
    expect(renderNotice("...skipping", plain)).toBe("...skipping");
  });

  it.each([60, 120])("wraps a long notice between words at %i columns", (width) => {
    const text =
      "demoshts: RETURN runs the next step, SPACE finishes typing, - goes back, + skips it, " +
      "Q quits. Ctrl-C interrupts a running command, never the demo. Press RETURN to start.";
    const lines = visible(renderNotice(text, { width, level: 1 })).split("\n");
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(stringWidth(line)).toBeLessThanOrEqual(width);
    // No word is cut: the lines are the text's words, in order.
    expect(lines.join(" ")).toBe(text);
    for (const line of renderNotice(text, { width, level: 1 }).split("\n")) {
      expect(line.startsWith(`${ESC}[35m`), "every line is magenta on its own").toBe(true);
    }
  });

  it("shows @print text red when it starts with #, else as written", () => {
    expect(renderPrint("# Next: a demo", colour)).toBe(c.red("# Next: a demo"));
    expect(renderPrint("Hello *there*", colour)).toBe("Hello *there*");
    expect(renderPrint("# x", plain)).toBe("# x");
  });
});
