import { type CommandRecord, clock, type NestedRun } from "./journal.js";

/** Where `--report junit=FILE` and `--report json=FILE` write. */
export interface ReportTargets {
  readonly junit?: string;
  readonly json?: string;
}

/** Reads one `--report KIND=FILE`; a message when it is not one. */
export function parseReport(
  text: string,
  into: { junit?: string; json?: string },
): string | undefined {
  const match = /^(junit|json)=(.+)$/.exec(text);
  if (!match) return `--report ${text} is not junit=FILE or json=FILE`;
  into[match[1] as "junit" | "json"] = match[2] as string;
  return undefined;
}

function firstLine(text: string): string {
  const [first = "", ...rest] = text.split("\n");
  return rest.length > 0 ? `${first} ...` : first;
}

/** A test case's name: where the command is and what it runs. */
export function caseName(r: CommandRecord): string {
  return `${r.file}:${r.line} $ ${firstLine(r.command)}`;
}

interface Counts {
  tests: number;
  failures: number;
}

function count(records: readonly CommandRecord[], into: Counts = { tests: 0, failures: 0 }) {
  for (const r of records) {
    into.tests++;
    if (r.outcome === "failed") into.failures++;
    for (const n of r.nested ?? []) count(n.commands, into);
  }
  return into;
}

/** The JSON report: the run's outcome and every command, nested demos inside their command. */
export function jsonReport(run: NestedRun, outcome: string): string {
  const { tests, failures } = count(run.commands);
  return `${JSON.stringify(
    {
      demo: run.file,
      outcome,
      durationMs: run.durationMs,
      tests,
      failures,
      commands: run.commands,
    },
    null,
    2,
  )}\n`;
}

type Builder = import("junit-report-builder").Builder;
type Suite = import("junit-report-builder").TestSuite;

/** The JUnit XML report: one suite per demo, one case per command, nested demos as nested suites. */
export async function junitReport(run: NestedRun): Promise<string> {
  // Loaded only when a report is asked for: it takes about a tenth of a second.
  const loaded = (await import("junit-report-builder")) as unknown as { default: Builder };
  const builder = loaded.default.newBuilder();
  builder.name("demoshts");
  const fill = (suite: Suite, nested: NestedRun): void => {
    suite.name(nested.file).time(nested.durationMs / 1000);
    for (const r of nested.commands) {
      const c = suite
        .testCase()
        .className(r.section || r.file)
        .name(caseName(r))
        .file(r.file)
        .time(r.durationMs / 1000);
      if (r.outcome === "failed") c.failure(r.message ?? `failed with status ${r.status}`);
      if (r.output !== undefined) c.standardOutput(r.output);
      for (const inner of r.nested ?? []) {
        const child = builder.newBuilder().testSuite();
        fill(child, inner);
        // The builder makes suites only at the top; a nested demo's suite goes inside its parent's.
        (suite as unknown as { _children: unknown[] })._children.push(child);
      }
    }
  };
  fill(builder.testSuite(), run);
  return `${builder.build()}\n`;
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** The Markdown table appended to `$GITHUB_STEP_SUMMARY`. */
export function stepSummary(run: NestedRun, outcome: string): string {
  const { tests, failures } = count(run.commands);
  const rows: string[] = [];
  const add = (records: readonly CommandRecord[], depth: number): void => {
    for (const r of records) {
      const mark = r.outcome === "failed" ? "❌ failed" : "✅ passed";
      const what = `${"&nbsp;&nbsp;".repeat(depth)}\`${cell(firstLine(r.command)).replaceAll("`", "'")}\``;
      rows.push(
        `| ${mark} | ${cell(`${r.file}:${r.line}`)} | ${cell(r.section)} | ${what} | ${(r.durationMs / 1000).toFixed(1)}s |`,
      );
      for (const n of r.nested ?? []) add(n.commands, depth + 1);
    }
  };
  add(run.commands, 0);
  return [
    `### demoshts ${run.file}: ${outcome}`,
    "",
    `${tests} command${tests === 1 ? "" : "s"} run, ${failures} failed, in ${clock(run.durationMs)}.`,
    "",
    "| Result | Where | Section | Command | Time |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}
