import {
  ApiException,
  type KubeConfig,
  Observable,
  type ObservableMiddleware,
  VersionApi,
} from "@kubernetes/client-node";
import { type KubeconfigSource, loadKubeconfig, unusableReason } from "./kubeconfig.js";

/** The current context as the kubeconfig describes it; undefined where it says nothing. */
export interface ContextStatus {
  readonly context: string | undefined;
  readonly cluster: string | undefined;
  readonly server: string | undefined;
  /** The kubeconfig files read, in order. */
  readonly files: readonly string[];
}

export type ProbeResult = { ok: true; version: string } | { ok: false; reason: string };

export type GuardResult =
  | { ok: true; context: string; server: string; version: string }
  | { ok: false; message: string };

const DEFAULT_TIMEOUT_MS = 3000;

function nonEmpty(value: string | undefined | null): string | undefined {
  return value === undefined || value === null || value === "" ? undefined : value;
}

/** The current context, its cluster and server, read from the kubeconfig without any network traffic. */
export function currentContext(source: KubeconfigSource): ContextStatus | { error: string } {
  const loaded = loadKubeconfig(source);
  if ("error" in loaded) return loaded;
  const { config, files } = loaded;
  const context = nonEmpty(config.getCurrentContext());
  const contextObject = context === undefined ? null : config.getContextObject(context);
  const cluster = nonEmpty(contextObject?.cluster);
  const server = cluster === undefined ? undefined : nonEmpty(config.getCluster(cluster)?.server);
  return { context, cluster, server, files };
}

const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "EPROTO",
]);

function errorCode(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** The `message` of a Kubernetes Status body, or a short plain-text body. */
function statusMessage(body: unknown): string | undefined {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      const text = body.trim();
      return text !== "" && text.length <= 200 ? text : undefined;
    }
  }
  if (value !== null && typeof value === "object") {
    const message = (value as { message?: unknown }).message;
    if (typeof message === "string" && message !== "") return message;
  }
  return undefined;
}

/**
 * node-fetch says "request to URL failed, reason: WHY"; keep WHY, on one line,
 * and OpenSSL's reason rather than its whole error stack.
 */
function fetchReason(message: string): string {
  const at = message.indexOf("reason: ");
  const why = (at < 0 ? message : message.slice(at + "reason: ".length)).trim();
  const openssl = /routines:[^:]*:([^:]+)/.exec(why)?.[1];
  if (openssl !== undefined) return openssl;
  return why.split("\n")[0] ?? why;
}

function describeFailure(error: unknown, server: string, user: string | undefined): string {
  const who = user === undefined ? "the current user" : `user "${user}"`;
  if (error instanceof ApiException) {
    const status = error.code;
    const detail = statusMessage(error.body);
    const suffix = detail === undefined ? "" : `: ${detail}`;
    if (status === 401) {
      return `${server} answered HTTP 401 Unauthorized: the server is up but rejected the credentials of ${who}${suffix}`;
    }
    if (status === 403) {
      return `${server} answered HTTP 403 Forbidden: ${who} may not read /version${suffix}`;
    }
    return `${server} answered /version with HTTP ${status}${suffix}`;
  }
  if (!(error instanceof Error)) return `asking ${server} failed: ${String(error)}`;
  const code = errorCode(error);
  if (error.name === "FetchError") {
    if (code === "ECONNREFUSED") return `nothing is listening at ${server} (connection refused)`;
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
      return `the host of ${server} cannot be resolved (${code})`;
    }
    const why = fetchReason(error.message);
    if (code !== undefined && TLS_CODES.has(code)) {
      return `the TLS handshake with ${server} failed: ${why}`;
    }
    return `asking ${server} failed: ${why}`;
  }
  if (error.name === "SyntaxError" || /ObjectSerializer|mediaType/.test(error.message)) {
    return `${server} answered /version with something that is not Kubernetes version information (${error.message})`;
  }
  // Raised before anything is sent: an exec credential plugin that failed, a
  // bad client certificate, an unsupported proxy.
  return `could not prepare a request to ${server} as ${who}: ${error.message.trim() || error.name}`;
}

/** Hands the abort signal to the request client-node is about to send. */
function withSignal(signal: AbortSignal): ObservableMiddleware {
  return {
    pre: (context) => {
      context.setSignal(signal);
      return new Observable(Promise.resolve(context));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
}

/**
 * Asks the current context's API server for /version, with a short timeout.
 *
 * Only a 2xx answer carrying a gitVersion is ok. A server that answers with an
 * error status (401, 403, 500, ...) is up, and the reason says so ("answered
 * HTTP 401 Unauthorized ..."), but it is not ok: the demo's commands would
 * fail against it just the same. Connection refused fails at once; a server
 * that never answers fails after `timeoutMs` (the request is aborted). A
 * configuration that cannot work (see unusableReason) fails without any
 * network traffic.
 */
export async function probeServer(config: KubeConfig, timeoutMs: number): Promise<ProbeResult> {
  const unusable = unusableReason(config);
  if (unusable !== undefined) return { ok: false, reason: unusable };
  const server = config.getCurrentCluster()?.server ?? "";
  const user = nonEmpty(config.getContextObject(config.getCurrentContext())?.user);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ ok: false, reason: `${server} did not answer within ${timeoutMs} ms` });
    }, timeoutMs);
  });
  const asked = (async (): Promise<ProbeResult> => {
    try {
      const api = config.makeApiClient(VersionApi);
      const info = await api.getCode(
        {},
        { middleware: [withSignal(controller.signal)], middlewareMergeStrategy: "append" },
      );
      const version: unknown = info?.gitVersion;
      if (typeof version !== "string" || version === "") {
        return {
          ok: false,
          reason: `${server} answered /version without a gitVersion; it does not look like a Kubernetes API server`,
        };
      }
      return { ok: true, version };
    } catch (error) {
      return { ok: false, reason: describeFailure(error, server, user) };
    }
  })();
  try {
    return await Promise.race([asked, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_.:@/+=-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * The guard: ok only when the current context is `expected` AND its API
 * server answers /version properly (see probeServer: an error status such as
 * 401 or 500 is a failure, reported as an answer with that status). Every
 * message names the expected and the current context and the kubeconfig
 * files read; when switching would help, it says how
 * (`kubectl config use-context NAME`).
 */
export async function guardContext(
  expected: string,
  source: KubeconfigSource,
  timeoutMs: number = DEFAULT_TIMEOUT_MS,
): Promise<GuardResult> {
  const want = `"${expected}"`;
  const useContext = `kubectl config use-context ${shellWord(expected)}`;
  const loaded = loadKubeconfig(source);
  if ("error" in loaded) {
    return {
      ok: false,
      message:
        `This demo expects kube context ${want}, but the current context is unknown: ${loaded.error}.\n` +
        `Fix the kubeconfig, then: ${useContext}`,
    };
  }
  const { config, files } = loaded;
  const read = `kubeconfig: ${files.join(", ")}`;
  const current = nonEmpty(config.getCurrentContext());
  if (current !== expected) {
    const now =
      current === undefined ? "no current context is set" : `the current context is "${current}"`;
    if (config.getContextObject(expected) === null) {
      const names = config.getContexts().map((context) => context.name);
      const defined = names.length === 0 ? "none" : names.join(", ");
      return {
        ok: false,
        message:
          `This demo expects kube context ${want}, but ${now}, and no context ${want} is defined ` +
          `(${read}; contexts defined: ${defined}).\n` +
          `Create the cluster or add the context, then: ${useContext}`,
      };
    }
    return {
      ok: false,
      message: `This demo expects kube context ${want}, but ${now} (${read}).\nSwitch with: ${useContext}`,
    };
  }
  const probe = await probeServer(config, timeoutMs);
  if (!probe.ok) {
    return {
      ok: false,
      message:
        `This demo expects kube context ${want}, and it is the current context, ` +
        `but its API server is not usable: ${probe.reason} (${read}).\n` +
        `Start or repair that cluster; check with: kubectl --context ${shellWord(expected)} version`,
    };
  }
  return {
    ok: true,
    context: expected,
    server: config.getCurrentCluster()?.server ?? "",
    version: probe.version,
  };
}
