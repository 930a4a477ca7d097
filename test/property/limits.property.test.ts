import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_BLOCK_DEPTH,
  MAX_EXPANDED_STEPS,
  MAX_IMPORT_DEPTH,
  MAX_MACRO_CALL_DEPTH,
} from "../../src/reader/limits.js";
import { readScriptText } from "../../src/reader/load.js";

// The size and depth families: whatever the depth, the length or the fan-out,
// the reader answers with steps or with a located error at the line that
// crosses a limit, and never throws (no stack overflow, no runaway).

type Result = ReturnType<typeof readScriptText>;

function read(text: string | Uint8Array, file: string, files: Record<string, string> = {}): Result {
  let result: Result | undefined;
  expect(() => {
    result = readScriptText(text, file, {}, files);
  }).not.toThrow();
  return result as Result;
}

const RUNS = { numRuns: 25 };

describe("depth", () => {
  it("blocks nested any depth: read up to the limit, refused at the opener past it", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 * MAX_BLOCK_DEPTH }),
        fc.constantFrom("macro", "ifhook"),
        fc.constantFrom("shell", "markdown"),
        (depth, kind, syntax) => {
          const end = kind === "macro" ? "end" : "endif";
          const directive = (d: string) => (syntax === "shell" ? `#@${d}` : `<!-- @${d} -->`);
          const lines = [directive("hook h H")];
          for (let i = 0; i < depth; i++) lines.push(directive(`${kind} b${i}`));
          lines.push(syntax === "shell" ? "echo inside" : "```bash\necho inside\n```");
          for (let i = 0; i < depth; i++) lines.push(directive(end));
          if (kind === "macro") lines.push("b0");
          const file = syntax === "shell" ? "demo.sh" : "demo.md";
          const result = read(`${lines.join("\n")}\n`, file);
          if (depth <= MAX_BLOCK_DEPTH) {
            expect(result.ok, result.ok ? "" : result.error.message).toBe(true);
          } else {
            expect(result.ok).toBe(false);
            if (result.ok) return;
            expect(result.error.loc).toEqual({ file, line: MAX_BLOCK_DEPTH + 2 });
            expect(result.error.message).toMatch(
              /nested more than 100 blocks deep \(@\w+ b0 \(line 2\) > /,
            );
          }
        },
      ),
      RUNS,
    );
  });

  it("@import chains of any length: refused past the limit, at the import, with the chain", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 * MAX_IMPORT_DEPTH }), (length) => {
        const files: Record<string, string> = {};
        for (let i = 1; i < length; i++) {
          files[`f${i}.sh`] = i + 1 < length ? `echo ${i}\n#@import f${i + 1}.sh\n` : "echo end\n";
        }
        const main = length > 1 ? "#@import f1.sh\n" : "echo alone\n";
        const result = read(main, "f0.sh", files);
        if (length <= MAX_IMPORT_DEPTH + 1) {
          expect(result.ok, result.ok ? "" : result.error.message).toBe(true);
        } else {
          expect(result.ok).toBe(false);
          if (result.ok) return;
          expect(result.error.loc).toEqual({ file: `f${MAX_IMPORT_DEPTH}.sh`, line: 2 });
          expect(result.error.message).toMatch(
            /^@import f101\.sh goes more than 100 files deep \(f0\.sh -> f1\.sh/,
          );
        }
      }),
      RUNS,
    );
  });

  it("macro call chains of any length: refused past the limit, at the demo's call", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 * MAX_MACRO_CALL_DEPTH }), (length) => {
        const lines: string[] = [];
        for (let i = 0; i < length; i++) {
          lines.push(`#@macro a${i}`, i + 1 < length ? `  a${i + 1}` : "  echo end", "#@end");
        }
        lines.push("a0");
        const result = read(`${lines.join("\n")}\n`, "demo.sh");
        if (length <= MAX_MACRO_CALL_DEPTH) {
          expect(result.ok, result.ok ? "" : result.error.message).toBe(true);
        } else {
          expect(result.ok).toBe(false);
          if (result.ok) return;
          expect(result.error.loc).toEqual({ file: "demo.sh", line: 3 * length + 1 });
          expect(result.error.message).toMatch(/more than 100 macros deep \(a0 -> a1 -> /);
        }
      }),
      RUNS,
    );
  });
});

describe("multiplying", () => {
  it("macros calling the next several times: refused exactly when the expansion passes the limit", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 4 }),
        (levels, fanOut) => {
          const lines: string[] = [];
          for (let i = 0; i < levels; i++) {
            lines.push(`#@macro d${i}`);
            for (let k = 0; k < fanOut; k++) lines.push(`  d${i + 1}`);
            lines.push("#@end");
          }
          lines.push(`#@macro d${levels}`, "  echo leaf", "#@end", "d0");
          // Steps one call of d0 expands to: every body's own steps, over every level.
          let size = 1;
          for (let i = levels - 1; i >= 0 && size <= MAX_EXPANDED_STEPS; i--)
            size = fanOut * (1 + size);
          const result = read(`${lines.join("\n")}\n`, "demo.sh");
          if (size <= MAX_EXPANDED_STEPS) {
            expect(result.ok, result.ok ? "" : result.error.message).toBe(true);
          } else {
            expect(result.ok).toBe(false);
            if (result.ok) return;
            expect(result.error.loc.line).toBe(lines.length);
            expect(result.error.message).toMatch(/more than 1,000,000 steps \(d0 -> d1/);
          }
        },
      ),
      RUNS,
    );
  });

  it("long flat scripts of any mix of lines are read whole", () => {
    const kinds = ["echo x", ": y", "# note", "", "#@wait", "A=1", "ls \\", "  -l"];
    fc.assert(
      fc.property(
        fc.integer({ min: 130_000, max: 160_000 }),
        fc.integer({ min: 0, max: 1 << 30 }),
        (count, seed) => {
          const lines: string[] = [];
          let state = seed;
          for (let i = 0; i < count; i++) {
            state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
            lines.push(kinds[state % kinds.length] as string);
          }
          // ":" ends a command the last random line may have left open.
          const result = read(`${lines.join("\n")}\n:\necho done\n`, "flat.sh");
          expect(result.ok).toBe(true);
          if (result.ok) expect(result.script.steps.at(-1)?.loc.line).toBe(count + 2);
        },
      ),
      { numRuns: 2 },
    );
  });
});

describe("invalid UTF-8", () => {
  /** The line of the first byte a strict decoder refuses, found the slow way. */
  function slowLine(bytes: Uint8Array): number {
    let good = 0;
    for (let end = 1; end <= bytes.length; end++) {
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, end), { stream: true });
        good = end;
      } catch {
        break;
      }
    }
    // A prefix that ends inside a character streams fine; the bad byte is where decoding stops.
    let line = 1;
    for (let i = 0; i < good && i < bytes.length; i++) if (bytes[i] === 0x0a) line++;
    return line;
  }

  it("is located on the line of the first byte that is not UTF-8", () => {
    const piece = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 6 }).map((s) => Buffer.from(s)),
      fc.constant(Buffer.from("\n")),
      fc.uint8Array({ minLength: 1, maxLength: 3 }).map((b) => Buffer.from(b.map((x) => x || 1))),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const bytes = Buffer.concat(pieces);
        if (bytes.includes(0)) return;
        let valid = true;
        try {
          new TextDecoder("utf-8", { fatal: true }).decode(bytes);
        } catch {
          valid = false;
        }
        const result = read(bytes, "demo.sh");
        if (valid) return;
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.error.message).toMatch(/not valid UTF-8/);
        expect(result.error.loc.line).toBe(slowLine(bytes));
      }),
      { numRuns: 300 },
    );
  });
});
