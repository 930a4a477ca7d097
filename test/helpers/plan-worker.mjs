// Worker thread that runs planDemo (from the TypeScript sources) over in-memory files,
// so that a test can stop a plan that never finishes instead of hanging the test run.
import { register } from "node:module";
import * as path from "node:path";
import { parentPort } from "node:worker_threads";

register("./ts-hooks.mjs", import.meta.url);
const { planDemo } = await import("../../src/plan/plan.ts");

parentPort.on("message", async (job) => {
  const byPath = new Map(
    Object.entries(job.files).map(([name, data]) => [path.resolve(job.cwd, name), data]),
  );
  const host = {
    cwd: job.cwd,
    readFile(absolute) {
      const data = byPath.get(absolute);
      return data === undefined ? { ok: false, reason: "no such file" } : { ok: true, data };
    },
  };
  try {
    const result = await planDemo(
      {
        file: job.file,
        args: job.args,
        env: job.env,
        load: job.load,
        shellCommand: job.shellCommand,
      },
      host,
    );
    parentPort.postMessage({ id: job.id, kind: "result", result });
  } catch (error) {
    parentPort.postMessage({
      id: job.id,
      kind: "threw",
      message: String(error instanceof Error ? (error.stack ?? error.message) : error),
    });
  }
});
parentPort.postMessage({ kind: "ready" });
