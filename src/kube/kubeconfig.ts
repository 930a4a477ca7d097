import { KubeConfig } from "@kubernetes/client-node";
import { type KubeconfigSource, readKubeconfig } from "./kubeconfig-read.js";

export type { KubeconfigSource };

/** What was found wrong with entries while reading (see KubeconfigData.problems). */
const deferredProblems = new WeakMap<KubeConfig, ReadonlyMap<string, string>>();

/**
 * The kubeconfig as kubectl reads it (see readKubeconfig), handed to client-node.
 * `files` lists the kubeconfig files actually read, in order.
 */
export function loadKubeconfig(
  source: KubeconfigSource,
): { config: KubeConfig; files: string[] } | { error: string } {
  const read = readKubeconfig(source);
  if ("error" in read) return read;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [...read.clusters.values()],
    users: [...read.users.values()],
    contexts: [...read.contexts.values()],
    currentContext: read.currentContext,
  });
  deferredProblems.set(config, read.problems);
  return { config, files: [...read.files] };
}

/**
 * Why the current context cannot be used as configured, found without any
 * network traffic: no current context, a context, cluster or user that is not
 * defined, a cluster without a server, or a referenced certificate or token
 * file that could not be read. Undefined when nothing is known to be wrong.
 */
export function unusableReason(config: KubeConfig): string | undefined {
  const name = config.getCurrentContext();
  if (name === undefined || name === "") return "no current context is set";
  const context = config.getContextObject(name);
  if (context === null) return `the current context "${name}" is not defined`;
  if (context.cluster === "") return `context "${name}" names no cluster`;
  const cluster = config.getCluster(context.cluster);
  if (cluster === null) {
    return `context "${name}" names cluster "${context.cluster}", which is not defined`;
  }
  if (cluster.server === "") return `cluster "${cluster.name}" has no server`;
  if (context.user !== undefined && context.user !== "" && config.getUser(context.user) === null) {
    return `context "${name}" names user "${context.user}", which is not defined`;
  }
  const problems = deferredProblems.get(config);
  return (
    problems?.get(`cluster:${cluster.name}`) ??
    (context.user ? problems?.get(`user:${context.user}`) : undefined)
  );
}
