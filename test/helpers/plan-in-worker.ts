import { Worker } from "node:worker_threads";
import type { PlanResult } from "../../src/plan/plan.js";
import type { LoadOptions } from "../../src/reader/load.js";

/** One planDemo call over in-memory files (paths relative to `cwd`). */
export interface PlanJob {
  readonly files: Record<string, string | Uint8Array>;
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly load: LoadOptions;
  readonly shellCommand: string;
  readonly cwd: string;
}

export type PlanOutcome =
  | { readonly kind: "result"; readonly result: PlanResult }
  | { readonly kind: "threw"; readonly message: string }
  | { readonly kind: "timeout"; readonly ms: number }
  | { readonly kind: "crashed"; readonly message: string };

type Reply =
  | { id: number; kind: "result"; result: PlanResult }
  | { id: number; kind: "threw"; message: string };

/**
 * Runs planDemo in a worker thread. A plan that never finishes starves the event
 * loop of the thread it runs in, so only another thread can notice and stop it:
 * after `timeoutMs` the worker is terminated (and restarted for the next job).
 */
export class PlanWorker {
  private worker: Worker | undefined;
  private ready: Promise<Worker> | undefined;
  private nextId = 1;

  /** Starts the worker (loading the sources takes a second or two). */
  start(): Promise<Worker> {
    if (this.ready) return this.ready;
    const worker = new Worker(new URL("./plan-worker.mjs", import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    this.worker = worker;
    this.ready = new Promise((resolve, reject) => {
      const onExit = (code: number): void =>
        reject(new Error(`the plan worker exited with code ${code} before it was ready`));
      const onMessage = (message: { kind: string }): void => {
        if (message.kind !== "ready") return;
        worker.off("message", onMessage);
        worker.off("error", reject);
        worker.off("exit", onExit);
        resolve(worker);
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
      worker.once("exit", onExit);
    });
    return this.ready;
  }

  async plan(job: PlanJob, timeoutMs: number): Promise<PlanOutcome> {
    const worker = await this.start();
    const id = this.nextId++;
    return new Promise<PlanOutcome>((resolve) => {
      const finish = (outcome: PlanOutcome, restart: boolean): void => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
        if (restart) void this.stop();
        resolve(outcome);
      };
      const onMessage = (reply: Reply): void => {
        if (reply.id !== id) return;
        finish(reply.kind === "result" ? reply : { kind: "threw", message: reply.message }, false);
      };
      const onError = (error: Error): void =>
        finish({ kind: "crashed", message: String(error) }, true);
      const onExit = (code: number): void =>
        finish({ kind: "crashed", message: `worker exited with code ${code}` }, true);
      const timer = setTimeout(() => finish({ kind: "timeout", ms: timeoutMs }, true), timeoutMs);
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      worker.postMessage({ id, ...job });
    });
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    if (worker) await worker.terminate();
  }
}
