import * as path from "node:path";
import { formatDiagnostic } from "../plan/format.js";
import { planDemo } from "../plan/plan.js";
import type { LoadOptions } from "../reader/load.js";
import { coverage, describeCoverage, summarizeCoverage } from "../record/coverage.js";
import { readRecording } from "../record/playback.js";
import type { CliIo } from "./main.js";

interface Request {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly load: LoadOptions;
  readonly format: "text" | "json";
  readonly shellCommand: string;
}

/** `demoshts check --replay talk.cast DEMO`: which of the demo's commands the recording has. */
export async function checkRecording(file: string, request: Request, io: CliIo): Promise<number> {
  const read = readRecording(path.resolve(io.cwd, file), file);
  if (!read.ok) {
    io.stderr.write(`demoshts: ${read.reason}\n`);
    return 2;
  }
  const plan = await planDemo(request, { cwd: io.cwd, readFile: (p) => io.readFile(p) });
  for (const warning of plan.warnings) io.stderr.write(`${formatDiagnostic(warning)}\n`);
  if (!plan.ok) {
    io.stderr.write(`${formatDiagnostic(plan.error)}\n`);
    return 2;
  }
  const items = coverage(read.recording, plan.records);
  if (request.format === "json") {
    for (const item of items) {
      io.stdout.write(
        `${JSON.stringify({
          file: item.file,
          line: item.line,
          command: item.command,
          state: item.state,
          ...(item.recorded
            ? {
                recordedLine: item.recorded.line,
                recordedCommand: item.recorded.command,
                status: item.recorded.status,
                seconds: Number((item.recorded.end - item.recorded.start).toFixed(3)),
              }
            : {}),
        })}\n`,
      );
    }
  } else {
    for (const item of items) io.stdout.write(`${describeCoverage(item)}\n`);
  }
  io.stderr.write(`demoshts: ${file}: ${summarizeCoverage(items)}\n`);
  return items.some((i) => i.state === "stale" || i.state === "missing") ? 1 : 0;
}
