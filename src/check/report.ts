/** How `demoshts check` prints what it found: text for people, JSON for tools, GitHub annotations. */

export interface Finding {
  severity: "error" | "warning" | "note";
  file: string;
  line: number;
  column?: number;
  message: string;
  hint?: string;
  rule: string;
}

export interface CheckSummary {
  /** The demo checked, as given. */
  readonly file: string;
  readonly errors: number;
  readonly warnings: number;
  readonly notes: number;
  /** Distinct nested demos (`$SHELL other.md`) that were read. */
  readonly nestedDemos: number;
  /** Distinct files the demo uses (manifests, values, scripts...) that were checked. */
  readonly filesChecked: number;
}

const SEVERITY_ORDER = { error: 0, warning: 1, note: 2 } as const;

/** By file, then line and column; errors before warnings before notes at the same place. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      (a.column ?? 0) - (b.column ?? 0) ||
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}

/** `file:line[:column]: severity: message`, and the hint on the next line, as formatDiagnostic does. */
export function formatFinding(f: Finding): string {
  const where = `${f.file}:${f.line}${f.column === undefined ? "" : `:${f.column}`}`;
  const hint = f.hint === undefined ? "" : `\n  hint: ${f.hint}`;
  return `${where}: ${f.severity}: ${f.message}${hint}`;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function formatSummary(s: CheckSummary): string {
  return (
    `demoshts check: ${count(s.errors, "error")}, ${count(s.warnings, "warning")}, ` +
    `${count(s.notes, "note")} in ${s.file} ` +
    `(and ${count(s.nestedDemos, "nested demo")}, ${count(s.filesChecked, "file")} checked)`
  );
}

export function summarize(
  file: string,
  findings: readonly Finding[],
  nestedDemos: number,
  filesChecked: number,
): CheckSummary {
  const of = (severity: Finding["severity"]) =>
    findings.filter((f) => f.severity === severity).length;
  return {
    file,
    errors: of("error"),
    warnings: of("warning"),
    notes: of("note"),
    nestedDemos,
    filesChecked,
  };
}

/** The whole report as text: one finding a line (hints below), then the summary. */
export function formatCheckText(findings: readonly Finding[], summary: CheckSummary): string {
  return [...findings.map(formatFinding), formatSummary(summary)].map((l) => `${l}\n`).join("");
}

/** The whole report as one JSON object. */
export function formatCheckJson(findings: readonly Finding[], summary: CheckSummary): string {
  return `${JSON.stringify({ findings, summary }, null, 2)}\n`;
}

/** Escapes a workflow command's message, as GitHub's runner reads it. */
export function escapeData(text: string): string {
  return text.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

/** Escapes a workflow command's property value (`file=...`), which also may not hold `:` or `,`. */
export function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(":", "%3A").replaceAll(",", "%2C");
}

const COMMAND = { error: "error", warning: "warning", note: "notice" } as const;

/** A GitHub Actions annotation: `::error file=F,line=L,col=C::message`. */
export function githubAnnotation(f: Finding): string {
  const props = [`file=${escapeProperty(f.file)}`, `line=${f.line}`];
  if (f.column !== undefined) props.push(`col=${f.column}`);
  const message = f.hint === undefined ? f.message : `${f.message}\nhint: ${f.hint}`;
  return `::${COMMAND[f.severity]} ${props.join(",")}::${escapeData(message)}`;
}
