import { analyzeDemo, type CheckIo, type CheckRequest } from "../check/check.js";
import { formatDiagnostic } from "../plan/format.js";
import { currentContext, probeServer } from "./guard.js";
import { type KubeconfigSource, loadKubeconfig } from "./kubeconfig.js";

export interface DoctorIo extends CheckIo {
  readonly kubeconfig: KubeconfigSource;
  /** Runs `path args` with a time limit; its first line of output when it succeeds. */
  runVersion(path: string, args: readonly string[], timeoutMs: number): Promise<string | undefined>;
}

const VERSION_TIMEOUT_MS = 2_000;
const SERVER_TIMEOUT_MS = 3_000;
/** Ways CLIs report their version, tried in order. */
const VERSION_ARGS: readonly (readonly string[])[] = [["--version"], ["version", "--client"]];
/** Commands whose presence means the demo talks to a cluster. */
const CLUSTER_CLIS = new Set(["kubectl", "helm", "linkerd", "istioctl"]);

async function versionOf(io: DoctorIo, path: string): Promise<string | undefined> {
  for (const args of VERSION_ARGS) {
    const line = await io.runVersion(path, args, VERSION_TIMEOUT_MS);
    if (line) return line;
  }
  return undefined;
}

/**
 * `demoshts doctor FILE`: what the demo needs and whether this machine has it:
 * each command it runs (found where, which version), the current Kubernetes
 * context and whether its API server answers. Returns 0 when all is there.
 */
export async function runDoctor(request: CheckRequest, io: DoctorIo): Promise<number> {
  const analysis = await analyzeDemo(request, io);
  if (analysis.fatal) {
    io.stderr.write(`${formatDiagnostic(analysis.fatal)}\n`);
    return 2;
  }
  const out: string[] = [`demoshts doctor: ${request.file}`, "", "Commands the demo runs:"];
  const uses = [...analysis.commands.entries()].sort(([a], [b]) => a.localeCompare(b));
  const versions = await Promise.all(
    uses.map(([, use]) => (use.found ? versionOf(io, use.found) : Promise.resolve(undefined))),
  );
  const width = Math.max(0, ...uses.map(([name]) => name.length));
  let missing = 0;
  uses.forEach(([name, use], i) => {
    if (use.found) {
      const version = versions[i] ? `  ${versions[i]}` : "  (no version reported)";
      out.push(`  ok       ${name.padEnd(width)}  ${use.found}${version}`);
    } else {
      missing++;
      out.push(
        `  MISSING  ${name.padEnd(width)}  not on PATH (first used at ${use.file}:${use.line})`,
      );
    }
  });
  if (uses.length === 0) out.push("  (none)");

  const needsCluster = uses.some(([name]) => CLUSTER_CLIS.has(name));
  let clusterOk = true;
  out.push("", "Kubernetes:");
  const status = currentContext(io.kubeconfig);
  if ("error" in status) {
    clusterOk = false;
    out.push(`  kubeconfig: ${status.error}`);
  } else {
    out.push(`  kubeconfig: ${status.files.length > 0 ? status.files.join(", ") : "(none found)"}`);
    out.push(`  current context: ${status.context ?? "(none set)"}`);
    if (status.context !== undefined) {
      out.push(
        `  cluster: ${status.cluster ?? "(undefined)"}, server ${status.server ?? "(none)"}`,
      );
      const loaded = loadKubeconfig(io.kubeconfig);
      const probe =
        "error" in loaded
          ? { ok: false as const, reason: loaded.error }
          : await probeServer(loaded.config, SERVER_TIMEOUT_MS);
      if (probe.ok) out.push(`  API server: answers, Kubernetes ${probe.version}`);
      else {
        clusterOk = false;
        out.push(`  API server: does not answer: ${probe.reason}`);
      }
    } else {
      clusterOk = false;
    }
  }
  const ready = missing === 0 && (!needsCluster || clusterOk);
  out.push(
    "",
    ready
      ? "Everything the demo needs is here."
      : `Not ready: ${[
          missing > 0 ? `${missing} command${missing === 1 ? "" : "s"} missing` : "",
          needsCluster && !clusterOk ? "no usable cluster" : "",
        ]
          .filter(Boolean)
          .join(", ")}.`,
  );
  io.stdout.write(`${out.join("\n")}\n`);
  return ready ? 0 : 1;
}
