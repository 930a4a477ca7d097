import * as fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PlanRecord } from "../../src/plan/plan.js";
import { BUILTINS, BUILTINS_LABEL } from "../../src/reader/builtins.js";
import { readScriptText } from "../../src/reader/load.js";
import type { Diagnostic, Step } from "../../src/script/types.js";
import { type PlanOutcome, PlanWorker } from "../helpers/plan-in-worker.js";

type FileMap = Record<string, string | Uint8Array>;

// ---------------------------------------------------------------------------
// What a located thing must satisfy.

/** Lines as an editor numbers them: LF ends a line (CRLF too); a final line end adds none. */
function lineCount(data: string | Uint8Array): number {
  if (typeof data === "string") {
    const ends = data.split("\n").length - 1;
    return ends + (data.length > 0 && !data.endsWith("\n") ? 1 : 0);
  }
  const ends = data.filter((b) => b === 0x0a).length;
  return ends + (data.length > 0 && data[data.length - 1] !== 0x0a ? 1 : 0);
}

function expectLineOf(file: string, line: number, files: FileMap, what: string): void {
  const data = file === BUILTINS_LABEL ? BUILTINS : files[file];
  expect(data, `${what} names ${file}, which is not a file of the demo`).toBeDefined();
  const count = lineCount(data ?? "");
  expect(Number.isInteger(line), `${what}: line ${line} is not an integer`).toBe(true);
  expect(line, `${what}: ${file}:${line} is before the first line`).toBeGreaterThanOrEqual(1);
  expect(line, `${what}: ${file}:${line} is after the last line (${count})`).toBeLessThanOrEqual(
    count,
  );
}

function expectDiagnostic(d: Diagnostic, severity: Diagnostic["severity"], files: FileMap): void {
  expect(d.severity).toBe(severity);
  expect(d.message.trim(), "a diagnostic needs a message").not.toBe("");
  expect(d.hint.trim(), "a diagnostic needs a hint").not.toBe("");
  expectLineOf(d.loc.file, d.loc.line, files, `${severity} "${d.message}"`);
}

function expectStepsLocated(steps: readonly Step[], files: FileMap): void {
  for (const step of steps) {
    const what = `${step.kind} step`;
    expectLineOf(step.loc.file, step.loc.line, files, what);
    if ("endLine" in step) {
      expect(
        step.endLine,
        `${what} at line ${step.loc.line} ends before it starts`,
      ).toBeGreaterThanOrEqual(step.loc.line);
      expectLineOf(step.loc.file, step.endLine, files, `${what} (its end)`);
    }
    if (step.kind === "macro" || step.kind === "ifhook") expectStepsLocated(step.body, files);
  }
}

function expectRecordsLocated(records: readonly PlanRecord[], files: FileMap): void {
  for (const r of records) {
    const what = `plan record ${JSON.stringify(r)}`;
    expectLineOf(r.file, r.line, files, what);
    expect(Number.isInteger(r.depth) && r.depth >= 0, `${what}: bad depth`).toBe(true);
    if (r.kind === "command") {
      expect(r.endLine, `${what}: ends before it starts`).toBeGreaterThanOrEqual(r.line);
      expectLineOf(r.file, r.endLine, files, `${what} (its end)`);
    }
    if (r.kind === "nested") expect(files[r.target], `${what}: unknown target`).toBeDefined();
  }
}

// ---------------------------------------------------------------------------
// Demo-ish documents.

/** Lines that neither define, end nor call a macro, nor import, nor leave anything open. */
const SAFE_LINES = [
  "<!-- @SHOW -->",
  "<!-- @HIDE -->",
  "<!-- @SKIP -->",
  "<!-- @wait -->",
  "<!-- @immed -->",
  "<!-- @print ${X} -->",
  "<!-- @hook h H -->",
  "<!-- @ -->",
  "#@hook h H",
  "#@hook show_slides SLIDES",
  "#@hook show_terminal TERMINAL",
  "#@wait",
  "#@print ${X}",
  "#@print # note ${1}",
  "#@SHOW",
  "#@SHOW",
  "#@HIDE",
  "#@SKIP",
  "#@immed",
  "#@noshow",
  "#@notypeout",
  "#@nowaitbefore",
  "#@waitafter",
  "#@clear",
  "#@touch x",
  "#@",
  "#$ ls",
  "#$ echo ${X}",
  "# comment",
  "## hidden",
  "#!/bin/bash",
  "# }",
  "X=1",
  "export X=two",
  "X=$(touch f)",
  "DIR=parts",
  "DEMO_HOOK_H='echo hook'",
  "export DEMO_HOOK_SLIDES=s DEMO_HOOK_TERMINAL=t",
  "unset X",
  "echo ${X} $1 ${1} ${DIR}",
  "-a",
  "}",
  ")",
  "EOF",
  "\tEOF",
  "wait_clear",
  "#@wait_clear",
  "start_livecast",
  "browser_then_terminal",
  "cd parts",
  "cd ..",
  "set -e",
  "exit 1",
  "",
  "   ",
  "\t",
  "plain text",
  "# Heading",
  "* bullet",
  "Some *emphasis* and `code`",
  "\u00e9t\u00e9 \u{1F600} \u0007",
];

/** Nested demos: itself, each other, through a variable, missing ones. */
const NESTING_LINES = [
  "$SHELL demo.md",
  "$SHELL demo.md a b",
  "$SHELL demo.sh",
  "$SHELL x.md",
  "${SHELL} y.sh ${1}",
  "$SHELL ${DIR}/sub.md",
  "$SHELL parts/sub.md",
  "$SHELL ../x.md",
  "$SHELL missing.md",
  "$SHELL",
];

/** Lines that open or close something, or leave a quote, heredoc or block open. */
const RISKY_LINES = [
  "```bash",
  "```sh",
  "```",
  "```yaml",
  "```console",
  "<!-- @ifhook h -->",
  "<!-- @endif -->",
  "#@ifhook h",
  "#@ifhook show_slides",
  "#@ifhook",
  "#@endif",
  "#@hook h",
  "#@print 'open",
  "#@wait \\",
  "# {",
  "ls \\",
  "  -l \\",
  "f() {",
  "  echo in",
  "{",
  "if true; then {",
  "cat <<EOF",
  "cat <<-'EOF'",
  "echo 'unbalanced",
  'echo "unbalanced',
  "echo $(date",
  "`",
  "echo it's",
  "a\u0000b",
];

const IMPORT_LINES = [
  "#@import x.md",
  "#@import y.sh",
  "#@import demo.md",
  "#@import demo.sh",
  "#@import parts/sub.md",
  "#@import missing.md",
  "#@import",
  "<!-- @import x.md -->",
  "<!-- @import demo.md -->",
];

const END_LINES = ["#@end", "  #@end", "<!-- @end -->"];

const MACRO_NAMES = ["m0", "m1", "m2"];

const callsOf = (name: string): string[] => [name, `${name} arg`, `#@${name}`, `<!-- @${name} -->`];

/** A line of demo-ish characters, or of anything at all. */
const noiseLine = fc.oneof(
  fc.string({
    unit: fc.constantFrom(
      "#",
      "@",
      "$",
      "{",
      "}",
      "\\",
      "'",
      '"',
      "`",
      "(",
      ")",
      "<<",
      "EOF",
      "<!-- @",
      "-->",
      "```",
      " ",
      "\t",
      "\r",
      "a",
      "end",
      "SHOW",
    ),
    maxLength: 12,
  }),
  fc.string({ unit: "binary", maxLength: 12 }),
);

/**
 * How a document is generated. `acyclic`: macro `m<i>`'s body only calls `m<j>`
 * with j < i, so no macro can end up calling itself however the blocks are read
 * (otherwise any line may open any macro anywhere). `messy`: lines that leave
 * things open, stray block ends, noise and indented directives; tidy documents
 * mostly read without errors, so that their plans go deep.
 */
interface Style {
  readonly acyclic: boolean;
  readonly messy: boolean;
}

/** One line; `extra` are the other lines allowed here (macro calls, imports, ...). */
const line = (extra: string[], style: Style): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom(...SAFE_LINES) },
    { weight: 3, arbitrary: fc.constantFrom(...NESTING_LINES) },
    ...(extra.length > 0 ? [{ weight: 4, arbitrary: fc.constantFrom(...extra) }] : []),
    ...(style.messy
      ? [
          { weight: 3, arbitrary: fc.constantFrom(...RISKY_LINES) },
          { weight: 1, arbitrary: noiseLine },
        ]
      : []),
  );

/** A macro block. Bodies never import: an imported file's top-level calls would land in them. */
const macroBlock = (index: number, markdown: boolean, style: Style): fc.Arbitrary<string[]> => {
  const callable = MACRO_NAMES.filter((_, j) => !style.acyclic || j < index).flatMap(callsOf);
  const name = MACRO_NAMES[index] ?? "m0";
  return fc
    .record({
      indent: fc.constantFrom("", "  ", "\t"),
      body: fc.array(line(callable, style), { maxLength: 5 }),
    })
    .map(({ indent, body }) => [
      markdown ? `<!-- @macro ${name} -->` : `#@macro ${name}`,
      ...body.map((l) => indent + l),
      markdown ? "<!-- @end -->" : "#@end",
    ]);
};

const ifhookBlock = (calls: string[], markdown: boolean, style: Style): fc.Arbitrary<string[]> =>
  fc
    .array(line(calls, style), { maxLength: 4 })
    .map((body) => [
      markdown ? "<!-- @ifhook h -->" : "#@ifhook h",
      ...body.map((l) => `  ${l}`),
      markdown ? "<!-- @endif -->" : "#@endif",
    ]);

/**
 * Line endings (LF, CRLF, mixed, none at the end), a BOM, trailing blanks and,
 * when messy, indentation (which turns a directive into a command or prose).
 */
const decorate = (lines: fc.Arbitrary<string[]>, style: Style): fc.Arbitrary<string> =>
  fc
    .record({
      lines: lines.chain((ls) => fc.tuple(...ls.map((l) => fc.tuple(fc.constant(l), fc.nat(24))))),
      crlf: fc.boolean(),
      bom: fc.boolean(),
      finalNewline: fc.boolean(),
    })
    .map(({ lines: pairs, crlf, bom, finalNewline }) => {
      const text = pairs
        .map(([l, d], i) => {
          let decorated = d === 2 ? `${l} ` : d === 3 ? `${l}\t ` : l;
          if (style.messy && d === 0) decorated = `  ${l}`;
          if (style.messy && d === 1) decorated = `\t${l}`;
          const last = i === pairs.length - 1;
          const eol = d === 4 || crlf ? "\r\n" : "\n";
          return last && !finalNewline ? decorated : decorated + eol;
        })
        .join("");
      return (bom ? "\uFEFF" : "") + text;
    });

/** Markdown outside shell blocks: prose and directives. */
const PROSE_LINES = [
  "# Demo",
  "## Step two",
  "plain text",
  "* a bullet with `code` and **bold**",
  "",
  "<!-- a plain comment -->",
  "<!-- @SHOW -->",
  "<!-- @SHOW -->",
  "<!-- @HIDE -->",
  "<!-- @SKIP -->",
  "<!-- @wait -->",
  "<!-- @immed -->",
  "<!-- @print ${X} -->",
  "<!-- @hook h H -->",
  "<!-- @clear -->",
  "<!-- @wait_clear -->",
  "#@SHOW",
  "X=not-a-command",
  "$SHELL x.md",
];

/** A document: loose lines, macro and ifhook blocks and, in Markdown, prose and shell blocks. */
const document = (
  format: "markdown" | "shell",
  maxChunks: number,
  style: Style,
): fc.Arbitrary<string> => {
  const calls = MACRO_NAMES.flatMap(callsOf);
  const free = style.messy
    ? [...IMPORT_LINES, ...END_LINES, ...calls, ...calls]
    : [...IMPORT_LINES.slice(0, 5), ...calls, ...calls, ...calls];
  if (!style.acyclic) {
    free.push(...MACRO_NAMES.flatMap((m) => [`#@macro ${m}`, `<!-- @macro ${m} -->`]));
  }
  const shellBlock = fc.oneof(
    { weight: 8, arbitrary: line(free, style).map((l) => [l]) },
    { weight: 3, arbitrary: fc.nat(2).chain((i) => macroBlock(i, false, style)) },
    { weight: 1, arbitrary: ifhookBlock(free, false, style) },
  );
  const markdownChunk = fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .oneof(
          { weight: 4, arbitrary: fc.constantFrom(...PROSE_LINES) },
          { weight: 1, arbitrary: fc.constantFrom(...free) },
          { weight: 1, arbitrary: line(free, style) },
        )
        .map((l) => [l]),
    },
    {
      weight: 5,
      arbitrary: fc
        .record({
          open: fc.constantFrom("```bash", "```sh", "```sh title=x", "```bash "),
          blocks: fc.array(shellBlock, { maxLength: 6 }),
          closed: fc.nat(7).map((n) => n > 0 || !style.messy),
        })
        .map(({ open, blocks, closed }) => [open, ...blocks.flat(), ...(closed ? ["```"] : [])]),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom("```yaml", "```console", "```"),
          fc.array(line(free, style), { maxLength: 3 }),
        )
        .map(([open, body]) => [open, ...body, "```"]),
    },
    { weight: 2, arbitrary: fc.nat(2).chain((i) => macroBlock(i, true, style)) },
    { weight: 1, arbitrary: ifhookBlock(free, true, style) },
  );
  const chunk = format === "markdown" ? markdownChunk : shellBlock;
  return decorate(
    fc.array(chunk, { maxLength: maxChunks, size: "max" }).map((all) => all.flat()),
    style,
  );
};

const formatOfName = (name: string): "markdown" | "shell" =>
  name.endsWith(".md") ? "markdown" : "shell";

const MAIN_FILES = ["demo.md", "demo.sh"];
const OTHER_FILES = ["x.md", "y.sh", "parts/sub.md", "demo.md", "demo.sh"];

interface Demo {
  readonly main: string;
  readonly text: string;
  /** The other files reachable by @import or $SHELL (may name the main file too). */
  readonly others: FileMap;
}

/** A main file and some of the others, all in the same style (messy or not). */
const demo = (acyclic: boolean): fc.Arbitrary<Demo> =>
  fc
    .record({ main: fc.constantFrom(...MAIN_FILES), messy: fc.boolean() })
    .chain(({ main, messy }) =>
      fc.record({
        main: fc.constant(main),
        text: document(formatOfName(main), 14, { acyclic, messy }),
        others: fc
          .subarray(OTHER_FILES)
          .chain((names) =>
            fc.tuple(
              ...names.map((n) =>
                fc.tuple(fc.constant(n), document(formatOfName(n), 6, { acyclic, messy })),
              ),
            ),
          )
          .map((entries) => Object.fromEntries(entries) as FileMap),
      }),
    );

/** The files as the reader sees them: the main file's text wins over an entry of the same name. */
const filesOf = (d: Demo): FileMap => ({ ...d.others, [d.main]: d.text });

// ---------------------------------------------------------------------------
// The reader.

function expectReadsCleanly(
  text: string | Uint8Array,
  main: string,
  others: FileMap,
  builtins: boolean,
): void {
  const files: FileMap = { ...others, [main]: text };
  let result: ReturnType<typeof readScriptText> | undefined;
  expect(() => {
    result = readScriptText(text, main, { builtins }, others);
  }).not.toThrow();
  if (result === undefined) return;
  if (result.ok) {
    expect(result.script.file).toBe(main);
    expectStepsLocated(result.script.steps, files);
    for (const w of result.script.warnings) expectDiagnostic(w, "warning", files);
  } else {
    expectDiagnostic(result.error, "error", files);
    for (const w of result.warnings) expectDiagnostic(w, "warning", files);
  }
}

describe("readScriptText on any input", () => {
  it("reads arbitrary Unicode text, or says where and why it cannot", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MAIN_FILES),
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 200 }),
          fc.string({ unit: "grapheme", maxLength: 100 }),
        ),
        fc.boolean(),
        (main, text, builtins) => expectReadsCleanly(text, main, {}, builtins),
      ),
      { numRuns: 300 },
    );
  });

  it("reads arbitrary bytes (binary, invalid UTF-8), or says where and why it cannot", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MAIN_FILES),
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          // Mostly text with a stray byte somewhere, so the error line is often not 1.
          fc
            .tuple(
              fc
                .constantFrom(...MAIN_FILES)
                .chain((m) => document(formatOfName(m), 6, { acyclic: true, messy: true })),
              fc.constantFrom(0x00, 0xff, 0xc3, 0x80),
              fc.nat(),
            )
            .map(([text, byte, at]) => {
              const bytes = Array.from(new TextEncoder().encode(text));
              bytes.splice(bytes.length === 0 ? 0 : at % bytes.length, 0, byte);
              return Uint8Array.from(bytes);
            }),
        ),
        (main, bytes) => expectReadsCleanly(bytes, main, {}, false),
      ),
      { numRuns: 300 },
    );
  });

  it("reads generated demo documents with imports, or reports a located error", () => {
    fc.assert(
      fc.property(demo(false), fc.boolean(), (d, builtins) =>
        expectReadsCleanly(d.text, d.main, d.others, builtins),
      ),
      { numRuns: 400 },
    );
  });

  it("reports the import line when a file imports itself or a loop of files", () => {
    // Prose and complete blocks before the import, so nothing can swallow it.
    const before = fc
      .array(
        fc.constantFrom(
          "# Title",
          "text",
          "",
          "```bash\necho hi\n```",
          "<!-- @SHOW -->",
          "```yaml\na: 1\n```",
        ),
        { maxLength: 5 },
      )
      .map((ls) => ls.join("\n"));
    // Whatever follows is never read (a NUL would stop the file being text at all).
    const after = document("markdown", 4, { acyclic: false, messy: true }).map((t) =>
      t.replaceAll("\0", ""),
    );
    fc.assert(
      fc.property(before, after, fc.boolean(), (head, tail, viaOther) => {
        const main = "demo.md";
        const text = `${head}\n<!-- @import ${viaOther ? "x.md" : "demo.md"} -->\n${tail}`;
        const others: FileMap = { "x.md": "# x\n\n```bash\n#@import demo.md\n```\n" };
        const result = readScriptText(text, main, {}, others);
        expect(result.ok, "an import loop was read without an error").toBe(false);
        if (result.ok) return;
        expectDiagnostic(result.error, "error", { ...others, [main]: text });
        // The loop is reported at the @import that closes it.
        expect(result.error.loc).toEqual(
          viaOther ? { file: "x.md", line: 4 } : { file: main, line: lineCount(`${head}\n`) + 1 },
        );
      }),
      { numRuns: 150 },
    );
  });
});

// ---------------------------------------------------------------------------
// The dry-run planner.

const worker = new PlanWorker();
const PLAN_TIMEOUT_MS = 2_000;

function planIn(d: Demo, args: string[], timeoutMs = PLAN_TIMEOUT_MS): Promise<PlanOutcome> {
  return worker.plan(
    {
      files: filesOf(d),
      file: d.main,
      args,
      env: {},
      load: { builtins: true, init: false, home: undefined },
      shellCommand: "/usr/local/bin/demoshts",
      cwd: "/demo",
    },
    timeoutMs,
  );
}

function expectPlanFinishedCleanly(outcome: PlanOutcome, files: FileMap): void {
  if (outcome.kind === "timeout") {
    expect.fail(`planDemo did not finish within ${outcome.ms} ms`);
  }
  if (outcome.kind === "crashed") expect.fail(`planDemo crashed its thread: ${outcome.message}`);
  if (outcome.kind === "threw") expect.fail(`planDemo threw: ${outcome.message}`);
  const result = outcome.result;
  for (const w of result.warnings) expectDiagnostic(w, "warning", files);
  if (result.ok) expectRecordsLocated(result.records, files);
  else expectDiagnostic(result.error, "error", files);
}

const planArgs = fc.array(fc.constantFrom("alpha", "b c", "", "${X}"), { maxLength: 2 });

describe("planDemo on generated demos", () => {
  beforeAll(async () => {
    await worker.start();
  }, 30_000);
  afterAll(async () => {
    await worker.stop();
  });

  it("finishes with a located plan or a located error, and never throws", async () => {
    // Documents include `$SHELL demo.md` (self-nesting), nested demos running each other,
    // imports, and macros calling macros (never back to themselves).
    await fc.assert(
      fc.asyncProperty(demo(true), planArgs, async (d, args) => {
        expectPlanFinishedCleanly(await planIn(d, args), filesOf(d));
      }),
      { numRuns: 250 },
    );
  });

  it("finishes when a macro calls itself, directly or through other macros", async () => {
    const recursive = fc
      .record({
        main: fc.constantFrom(...MAIN_FILES),
        length: fc.integer({ min: 1, max: 3 }),
        call: fc.constantFrom("m0", "#@m0", "m0 arg"),
        show: fc.boolean(),
      })
      .map(({ main, length, call, show }): Demo => {
        const macros = Array.from({ length }, (_, i) => [
          `#@macro m${i}`,
          "  echo step",
          `  m${(i + 1) % length}`,
          "#@end",
        ]).flat();
        const shell = [...macros, ...(show ? ["#@SHOW"] : []), call];
        const lines = main.endsWith(".md") ? ["# Demo", "```bash", ...shell, "```"] : shell;
        return { main, text: `${lines.join("\n")}\n`, others: {} };
      });
    await fc.assert(
      fc.asyncProperty(recursive, async (d) => {
        const outcome = await planIn(d, [], 1_500);
        expectPlanFinishedCleanly(outcome, filesOf(d));
        const error = outcome.kind === "result" && !outcome.result.ok ? outcome.result.error : null;
        expect(error?.message).toMatch(/^macro m\d calls itself \(/);
      }),
      { numRuns: 20, endOnFailure: true },
    );
  });
});
