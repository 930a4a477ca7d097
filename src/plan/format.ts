import { formatOf } from "../reader/read.js";
import type { Diagnostic } from "../script/types.js";
import { formatDuration } from "../util/duration.js";
import type { PlanRecord } from "./plan.js";

/** `file:line: severity: message` and its hint, as every command prints problems. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.loc.file}:${d.loc.line}: ${d.severity}: ${d.message}\n  hint: ${d.hint}`;
}

const KEY = "[key]";

function commandLines(text: string): string[] {
  return text.split("\n");
}

/** Tags for what `@fails` and `@timeout` set on a command. */
function commandTags(r: PlanRecord & { kind: "command" }): string {
  const tags = [
    r.expectFailure ? "expected to fail" : "",
    r.timeoutMs === undefined ? "" : `time limit ${formatDuration(r.timeoutMs)}`,
  ].filter(Boolean);
  return tags.length === 0 ? "" : `   (${tags.join(", ")})`;
}

function describe(r: PlanRecord): string[] {
  switch (r.kind) {
    case "commentary":
      return r.text.split("\n").map((line) => `| ${line}`.trimEnd());
    case "command": {
      if (!r.runs) return [`$ ${r.shown}   (typed out, not run)`];
      if (r.display === "hidden") {
        const lines = commandLines(r.text).map(
          (l, i) => `${i === 0 ? "(hidden)" : "        "} ${l}`,
        );
        lines[lines.length - 1] += `${commandTags(r)}${r.waitAfter ? `   then ${KEY}` : ""}`;
        return lines;
      }
      const [first = "", ...rest] = commandLines(r.shown);
      const before = r.waitBefore ? `${KEY} ` : "";
      const how = r.display === "instant" ? "   (shown at once)" : "";
      const after = r.waitAfter ? `   then ${KEY}` : "";
      const lines = [
        `${before}$ ${first}`,
        ...rest.map((l) => `${" ".repeat(before.length)}  ${l}`),
      ];
      lines[lines.length - 1] += `${how}${commandTags(r)}${after}`;
      return lines;
    }
    case "macro": {
      const how =
        r.display === "hidden"
          ? ""
          : `   (shown as $ ${r.text}${r.waitBefore ? `, ${KEY} before` : ""})`;
      return [`macro ${r.name}${how}`];
    }
    case "macro-end":
      return [`end of macro ${r.name}${r.waitAfter ? `   then ${KEY}` : ""}`];
    case "wait":
      return [`${KEY} wait`];
    case "print":
      return [`print: ${r.text}`];
    case "ifhook":
      return [`ifhook ${r.name}: ${r.live ? "live, body runs" : "not live, body skipped"}`];
    case "nested":
      return [`nested demo ${r.target}${r.args.length > 0 ? ` ${r.args.join(" ")}` : ""}:`];
  }
}

/**
 * Said once when a demo shows its audience nothing at all: a demo starts
 * hidden, and only `@SHOW` makes its commentary and commands visible.
 */
export function nothingShownNotice(file: string, line: number): string {
  const directive = formatOf(file) === "markdown" ? "<!-- @SHOW -->" : "#@SHOW";
  return (
    `${file} shows the audience nothing: a demo starts hidden, and nothing in it turned on @SHOW. ` +
    `Put ${directive} on a line of its own where the audience should start to see it ` +
    `(after the setup; the first commentary or command is at ${file}:${line}).`
  );
}

/** Does any step of the plan show the audience something? */
function showsAnything(records: readonly PlanRecord[]): boolean {
  return records.some(
    (r) =>
      r.kind === "commentary" ||
      r.kind === "print" ||
      ((r.kind === "command" || r.kind === "macro") && r.display !== "hidden"),
  );
}

/** The dry run's plan for people: one block per step, located, indented by nesting. */
export function formatPlanText(
  records: readonly PlanRecord[],
  firstLine?: { readonly file: string; readonly line: number },
): string {
  let width = 0;
  for (const r of records) width = Math.max(width, r.file.length + 1 + String(r.line).length);
  const out: string[] = [];
  for (const r of records) {
    const where = `${r.file}:${r.line}`.padEnd(width);
    const indent = "  ".repeat(r.depth);
    describe(r).forEach((line, i) => {
      out.push(`${i === 0 ? where : " ".repeat(width)}  ${indent}${line}`.trimEnd());
    });
  }
  const commands = records.filter((r) => r.kind === "command" && r.runs);
  const shown = commands.filter((r) => r.kind === "command" && r.display !== "hidden");
  const keys = records.reduce((n, r) => {
    if (r.kind === "wait") return n + 1;
    if (r.kind === "command" || r.kind === "macro") n += r.waitBefore ? 1 : 0;
    if (r.kind === "command" || r.kind === "macro-end") n += r.waitAfter ? 1 : 0;
    return n;
  }, 0);
  const nested = records.filter((r) => r.kind === "nested").length;
  out.push(
    "",
    `Plan: ${commands.length} command${commands.length === 1 ? "" : "s"} (${shown.length} shown), ` +
      `${keys} key press${keys === 1 ? "" : "es"}` +
      (nested > 0 ? `, ${nested} nested demo${nested === 1 ? "" : "s"}` : "") +
      ". Dry run: nothing was executed.",
  );
  if (firstLine && !showsAnything(records)) {
    out.push(nothingShownNotice(firstLine.file, firstLine.line));
  }
  return `${out.join("\n")}\n`;
}

/** The dry run's plan for tools: JSON Lines, one object per step, in run order. */
export function formatPlanJson(records: readonly PlanRecord[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join("");
}
