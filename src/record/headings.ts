import { Lexer, type Tokens } from "marked";

/** The headings of Markdown commentary, as plain text, in order: a recording's chapters. */
export function headingsOf(markdown: string): string[] {
  const headings: string[] = [];
  for (const token of new Lexer().lex(markdown.replace(/\r\n?/g, "\n"))) {
    if (token.type !== "heading") continue;
    const text = (token as Tokens.Heading).text
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/[`*]+/g, "")
      .replace(/\s+/g, " ")
      .trim();
    if (text !== "") headings.push(text);
  }
  return headings;
}
