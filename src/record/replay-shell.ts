import type { ShellStart } from "../run/run.js";
import type { RunOptions, Shell, ShellRun } from "../session/shell.js";

/**
 * The shell of a replay: it executes nothing. Commands are played from the
 * recording instead; variables are those the demo started with.
 */
export class ReplayShell implements Shell {
  constructor(private readonly start: ShellStart) {}

  async run(_command: string, _options?: RunOptions): Promise<ShellRun> {
    return { status: 0, errexit: false, timedOut: false, durationMs: 0 };
  }

  async values(names: readonly string[]): Promise<ReadonlyMap<string, string | undefined>> {
    const values = new Map<string, string | undefined>();
    for (const name of names) {
      if (name === "0") values.set(name, this.start.argv0);
      else if (/^[0-9]+$/.test(name)) values.set(name, this.start.args[Number(name) - 1]);
      else values.set(name, this.start.env[name]);
    }
    return values;
  }

  interrupt(): void {}

  async close(): Promise<void> {}
}
