import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const CLI = path.join(ROOT, "dist", "cli.js");

import { removeWorkspaces, workspace } from "../helpers/workspace.js";

export { removeWorkspaces, workspace };

/** The minimal environment of a CI job: no CI variable, no DEMO_HOOK_*, an empty home. */
export function minimalEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HOME: workspace(), LANG: "C", ...extra };
}

export interface Run {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time of the whole CLI run, in milliseconds. */
  readonly ms: number;
  /** Did the CLI run past `timeout` (a hang), so that it had to be killed? */
  readonly hung: boolean;
}

export interface RunOptions {
  /** Extra environment variables. */
  readonly env?: Record<string, string>;
  /** Kill the CLI (SIGTERM) after this long; a hang then shows as `signal`. */
  readonly timeout?: number;
  /** Give the CLI an open-then-closed pipe as stdin instead of /dev/null. */
  readonly pipeStdin?: boolean;
}

/** Runs `node dist/cli.js ARGS` in `cwd` with no terminal at all (so CI mode applies). */
export function demoshts(cwd: string, args: readonly string[], options: RunOptions = {}): Run {
  const started = performance.now();
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: minimalEnv(options.env),
    encoding: "utf8",
    timeout: options.timeout ?? 15_000,
    ...(options.pipeStdin ? { input: "" } : { stdio: ["ignore", "pipe", "pipe"] as const }),
  });
  return {
    status: result.status,
    signal: result.signal,
    stdout: result.stdout ?? "",
    stderr: result.stderr ?? "",
    ms: performance.now() - started,
    hung: (result.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT",
  };
}

/** Starts the CLI without waiting for it; stdin is /dev/null. */
export function startDemoshts(cwd: string, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: minimalEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Pids of the processes whose command line contains `marker` (read from /proc). */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ");
      if (cmdline.includes(marker)) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Waits up to `ms` for `check` to hold; returns whether it did. */
export async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  for (;;) {
    if (check()) return true;
    if (performance.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Ends the processes this suite started (found by their unique marker), by pid. */
export function killLeftovers(marker: string): number[] {
  const pids = processesWith(marker);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  return pids;
}

/** The lines of `text`, without the empty one after the last newline. */
export function lines(text: string): string[] {
  const all = text.split("\n");
  if (all[all.length - 1] === "") all.pop();
  return all;
}

/** A Markdown shell fence around `body`. */
export function fence(...body: string[]): string {
  return ["```bash", ...body, "```"].join("\n");
}
