#!/usr/bin/env node
import { isatty } from "node:tty";
import { fileURLToPath } from "node:url";
import { earlySession } from "./cli/warm.js";
import type { BashSession } from "./session/bash.js";

// The command's entry. A live run starts its bash session here, before the rest of the
// tool loads, so that bash sets up while Node loads and compiles the rest: the two took
// about as long as each other, one after the other (see src/cli/warm.ts). Everything else
// is in src/cli/process.ts.

const script = fileURLToPath(import.meta.url);

function startEarly(): Promise<BashSession | undefined> | undefined {
  let cwd: string;
  try {
    cwd = process.cwd();
  } catch {
    // The directory is gone: the run says so.
    return undefined;
  }
  const early = earlySession({
    argv: process.argv.slice(2),
    env: process.env,
    cwd,
    outputPiped: !isatty(1) && !isatty(2),
  });
  if (!early) return undefined;
  return import("./session/bash.js").then(
    ({ BashSession }) =>
      new BashSession({
        argv0: early.argv0,
        args: early.args,
        env: { ...process.env },
        cwd: early.cwd,
        ...(early.bash === undefined ? {} : { bash: early.bash }),
      }),
    // Whatever stopped it (no temporary directory, say) stops the run's own session too,
    // and the run reports it there.
    () => undefined,
  );
}

// The session first: loaded side by side, its module would wait for the rest to compile.
const warm = await startEarly()?.catch(() => undefined);
const { runProcess } = await import("./cli/process.js");
await runProcess(script, warm);
