/**
 * `demoshts doctor FILE`: what the demo needs and whether this machine has
 * it: each command it runs on the path it will take here (found where, which
 * version), the current Kubernetes context and whether its API server answers.
 */
import { type KubeconfigSource, missingKubeconfig } from "../kube/kubeconfig-files.js";
import { formatDiagnostic } from "../plan/format.js";
import { describeInstallation } from "../shell/installs.js";
import type { Output } from "../util/output.js";
import { demoNeeds, type Need, type NeedsIo, type NeedsRequest } from "./needs.js";

export type DoctorRequest = NeedsRequest;

export interface DoctorIo extends NeedsIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly kubeconfig: KubeconfigSource;
  /** Runs `path args` with a time limit; its first line of output when it succeeds. */
  runVersion(path: string, args: readonly string[], timeoutMs: number): Promise<string | undefined>;
}

const VERSION_TIMEOUT_MS = 2_000;
const SERVER_TIMEOUT_MS = 3_000;
/**
 * How a command reports its version: `--version`, then, only for the CLIs known to have
 * one, their `version` subcommand (without asking a cluster). Any other command is never
 * given a `version` word: `sh version` runs a file named version, and an `rm` without
 * `--version` (as on macOS) would remove one.
 */
const VERSION_SUBCOMMANDS: Readonly<Record<string, readonly string[]>> = {
  kubectl: ["version", "--client"],
  helm: ["version", "--short"],
  linkerd: ["version", "--client"],
  istioctl: ["version", "--remote=false"],
  k3d: ["version"],
  kind: ["version"],
};
/** Commands whose presence means the demo talks to a cluster. */
const CLUSTER_CLIS = new Set(["kubectl", "helm", "linkerd", "istioctl"]);

async function versionOf(io: DoctorIo, path: string): Promise<string | undefined> {
  const line = await io.runVersion(path, ["--version"], VERSION_TIMEOUT_MS);
  if (line) return line;
  const name = path.slice(path.lastIndexOf("/") + 1);
  const subcommand = Object.hasOwn(VERSION_SUBCOMMANDS, name)
    ? VERSION_SUBCOMMANDS[name]
    : undefined;
  return subcommand && io.runVersion(path, subcommand, VERSION_TIMEOUT_MS);
}

/** One line per command: ok, missing, defined or installed by the demo, or not needed here. */
function needLine(need: Need, width: number, version: string | undefined): string {
  const name = need.name.padEnd(width);
  const where = `${need.at.file}:${need.at.line}`;
  switch (need.status) {
    case "found":
      return `  ok       ${name}  ${need.path}  ${version ?? "(no version reported)"}`;
    case "missing":
      return `  MISSING  ${name}  not on PATH (first used at ${where})`;
    case "defined":
      return `  ok       ${name}  a function or alias of the demo (${need.by.file}:${need.by.line})`;
    case "installed":
      return `  later    ${name}  installed by the demo (${describeInstallation(need.by)})`;
    case "not-needed":
      return `  -        ${name}  not needed here: the demo runs it only ${need.because.name === need.name ? "if it is there" : `when ${need.because.name} is ${need.because.present ? "there" : "missing"}`} (${where})`;
  }
}

/**
 * Prints what the demo needs and what this machine has; returns 0 when all
 * is there, 1 when something is missing, 2 when the demo cannot be read.
 */
export async function runDoctor(request: DoctorRequest, io: DoctorIo): Promise<number> {
  const analysis = await demoNeeds(request, io);
  if (analysis.fatal) {
    io.stderr.write(`${formatDiagnostic(analysis.fatal)}\n`);
    return 2;
  }
  const out: string[] = [`demoshts doctor: ${request.file}`, "", "Commands the demo runs:"];
  const uses = analysis.needs;
  const versions = await Promise.all(
    uses.map((need) =>
      need.status === "found" ? versionOf(io, need.path) : Promise.resolve(undefined),
    ),
  );
  const width = Math.max(0, ...uses.map((need) => need.name.length));
  let missing = 0;
  uses.forEach((need, i) => {
    if (need.status === "missing") missing++;
    out.push(needLine(need, width, versions[i]));
  });
  if (uses.length === 0) out.push("  (none)");

  const needsCluster = uses.some(
    (need) => need.status !== "not-needed" && CLUSTER_CLIS.has(need.name),
  );
  let clusterOk = true;
  out.push("", "Kubernetes:");
  // The Kubernetes client library is large: loaded only when there is a kubeconfig to read.
  const absent = missingKubeconfig(io.kubeconfig);
  const status =
    absent === undefined
      ? (await import("../kube/guard.js")).currentContext(io.kubeconfig)
      : { error: absent };
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
      const { probeServer } = await import("../kube/guard.js");
      const { loadKubeconfig } = await import("../kube/kubeconfig.js");
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
