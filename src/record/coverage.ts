import type { PlanRecord } from "../plan/plan.js";
import type { Recording } from "./playback.js";
import type { RecordedStep } from "./steps.js";

/** Where a command of the demo stands against a recording. */
export interface Coverage {
  readonly file: string;
  readonly line: number;
  readonly command: string;
  readonly state: "recorded" | "moved" | "stale" | "missing";
  /** The recorded step (for `stale`, the one recorded at this line). */
  readonly recorded?: RecordedStep;
}

/**
 * Every command the demo would run (as the dry run walks it, nested demos being
 * one step of their parent), and whether the recording has its output.
 */
export function coverage(recording: Recording, records: readonly PlanRecord[]): Coverage[] {
  const seen = new Set<string>();
  const out: Coverage[] = [];
  for (const record of records) {
    if (record.kind !== "command" || record.depth !== 0 || !record.runs) continue;
    const key = `${record.file}\0${record.line}\0${record.text}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const where = { file: record.file, line: record.line, command: record.text };
    const found = recording.index.find(where);
    if (found.kind === "recorded") {
      out.push({ ...where, state: found.moved ? "moved" : "recorded", recorded: found.step });
    } else if (found.kind === "stale") {
      out.push({ ...where, state: "stale", recorded: found.recorded });
    } else {
      out.push({ ...where, state: "missing" });
    }
  }
  return out;
}

function firstLine(text: string): string {
  const [first = "", ...rest] = text.split("\n");
  return rest.length > 0 ? `${first} ...` : first;
}

/** One line per command: `file:line: state: command (details)`. */
export function describeCoverage(item: Coverage): string {
  const where = `${item.file}:${item.line}`;
  const command = firstLine(item.command);
  const r = item.recorded;
  const took = r ? `${(r.end - r.start).toFixed(1)}s, status ${r.status}` : "";
  switch (item.state) {
    case "recorded":
      return `${where}: recorded (${took}): ${command}`;
    case "moved":
      return `${where}: recorded at line ${r?.line} (${took}): ${command}`;
    case "stale":
      return `${where}: stale, the command changed since the recording (it was: ${firstLine(r?.command ?? "")}): ${command}`;
    case "missing":
      return `${where}: missing, not in the recording: ${command}`;
  }
}

/** `12 of 14 commands recorded, 1 stale, 1 missing`. */
export function summarizeCoverage(items: readonly Coverage[]): string {
  const count = (...states: Coverage["state"][]) =>
    items.filter((i) => states.includes(i.state)).length;
  const n = items.length;
  return `${count("recorded", "moved")} of ${n} command${n === 1 ? "" : "s"} recorded, ${count("stale")} stale, ${count("missing")} missing`;
}
