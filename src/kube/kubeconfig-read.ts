import path from "node:path";
import type { Cluster, Context, User } from "@kubernetes/client-node";
import { parseDocument } from "yaml";
import { candidateFiles, type KubeconfigSource, noFilesReason } from "./kubeconfig-files.js";

// Reading kubeconfig files, without client-node (whose import alone takes most of a second):
// kubeconfig.ts hands what is read here to client-node when a cluster is to be asked.

export type { KubeconfigSource };

/** The kubeconfig as read: the merged entries, and what was found wrong with some of them. */
export interface KubeconfigData {
  readonly clusters: ReadonlyMap<string, Cluster>;
  readonly users: ReadonlyMap<string, User>;
  readonly contexts: ReadonlyMap<string, Context>;
  readonly currentContext: string;
  /**
   * Problems found while reading that only matter when the entry is used, like kubectl,
   * which complains about an unreadable certificate only for the context it talks to.
   * Keyed by `cluster:NAME` and `user:NAME`.
   */
  readonly problems: ReadonlyMap<string, string>;
  /** The kubeconfig files read, in order. */
  readonly files: readonly string[];
}

class LoadError extends Error {}

type Raw = Record<string, unknown>;

function isMapping(value: unknown): value is Raw {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function parseFile(file: string, text: string): Raw {
  const doc = parseDocument(text, { uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const message = first.message.split("\n")[0] ?? first.message;
    throw new LoadError(`kubeconfig ${file} is not valid YAML: ${message}`);
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined) return {};
  if (!isMapping(data)) {
    throw new LoadError(`kubeconfig ${file} is not a kubeconfig: its top level is not a mapping`);
  }
  return data;
}

function stringField(owner: Raw, key: string, where: string): string | undefined {
  const value = owner[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new LoadError(`${where}.${key} must be a string`);
  return value;
}

/** The named entries of one list (`clusters`, `users`, `contexts`) of one file. */
function namedEntries(doc: Raw, list: string, inner: string, file: string): [string, Raw][] {
  const value = doc[list];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new LoadError(`kubeconfig ${file}: ${list} must be a list`);
  const seen = new Set<string>();
  return value.map((entry: unknown, index): [string, Raw] => {
    const where = `kubeconfig ${file}: ${list}[${index}]`;
    if (!isMapping(entry)) throw new LoadError(`${where} must be a mapping`);
    const name = stringField(entry, "name", where);
    if (name === undefined || name === "") throw new LoadError(`${where} has no name`);
    if (seen.has(name)) throw new LoadError(`kubeconfig ${file}: ${list} names "${name}" twice`);
    seen.add(name);
    const body = entry[inner];
    if (body !== undefined && body !== null && !isMapping(body)) {
      throw new LoadError(`${where}.${inner} must be a mapping`);
    }
    return [name, body ?? {}];
  });
}

/** Reads a file a kubeconfig entry refers to, relative to the kubeconfig's own directory. */
class References {
  readonly problems: string[] = [];

  constructor(
    private readonly source: KubeconfigSource,
    private readonly file: string,
    private readonly what: string,
  ) {}

  resolve(reference: string): string {
    return path.resolve(path.dirname(path.resolve(this.file)), reference);
  }

  read(field: string, reference: string): string | undefined {
    const full = this.resolve(reference);
    const text = this.source.readFile(full);
    if (text === undefined) {
      this.problems.push(
        `cannot read ${field} file ${full} of ${this.what} (set in kubeconfig ${this.file})`,
      );
    }
    return text;
  }

  /** Inline data wins over a file, as with kubectl; file contents are handed on as base64. */
  base64(owner: Raw, field: string, where: string): string | undefined {
    const data = stringField(owner, `${field}-data`, where);
    if (data !== undefined && data !== "") return data;
    const file = stringField(owner, field, where);
    if (file === undefined || file === "") return undefined;
    const text = this.read(field, file);
    return text === undefined ? undefined : Buffer.from(text).toString("base64");
  }
}

function toCluster(name: string, body: Raw, file: string, source: KubeconfigSource) {
  const where = `kubeconfig ${file}: cluster "${name}"`;
  const refs = new References(source, file, `cluster "${name}"`);
  const server = (stringField(body, "server", where) ?? "").replace(/\/+$/, "");
  const skip = body["insecure-skip-tls-verify"];
  if (skip !== undefined && skip !== null && typeof skip !== "boolean") {
    throw new LoadError(`${where}: insecure-skip-tls-verify must be true or false`);
  }
  const cluster: Cluster = {
    name,
    server,
    caData: refs.base64(body, "certificate-authority", where),
    tlsServerName: stringField(body, "tls-server-name", where),
    // kubectl talks plain HTTP to an http:// server; client-node only does so
    // when TLS verification is switched off, which means nothing without TLS.
    skipTLSVerify: skip === true || server.startsWith("http://"),
    proxyUrl: stringField(body, "proxy-url", where),
  };
  return { cluster, problems: refs.problems };
}

function toUser(name: string, body: Raw, file: string, source: KubeconfigSource) {
  const where = `kubeconfig ${file}: user "${name}"`;
  const refs = new References(source, file, `user "${name}"`);
  let token = stringField(body, "token", where);
  const tokenFile = stringField(body, "token-file", where);
  if ((token === undefined || token === "") && tokenFile !== undefined && tokenFile !== "") {
    token = refs.read("token-file", tokenFile)?.trim();
  }
  let exec: unknown = body.exec;
  if (exec !== undefined && exec !== null) {
    if (!isMapping(exec)) throw new LoadError(`${where}: exec must be a mapping`);
    const command = stringField(exec, "command", `${where}.exec`);
    // Like kubectl: a command with a directory part is relative to the kubeconfig.
    if (command?.includes(path.sep) || command?.includes("/")) {
      exec = { ...exec, command: refs.resolve(command) };
    }
  }
  const user: User = {
    name,
    token: token === "" ? undefined : token,
    certData: refs.base64(body, "client-certificate", where),
    keyData: refs.base64(body, "client-key", where),
    username: stringField(body, "username", where),
    password: stringField(body, "password", where),
    impersonateUser: stringField(body, "as", where),
    exec: exec ?? undefined,
    authProvider: body["auth-provider"] ?? undefined,
  };
  return { user, problems: refs.problems };
}

function toContext(name: string, body: Raw, file: string): Context {
  const where = `kubeconfig ${file}: context "${name}"`;
  return {
    name,
    cluster: stringField(body, "cluster", where) ?? "",
    user: stringField(body, "user", where) ?? "",
    namespace: stringField(body, "namespace", where),
  };
}

/**
 * The kubeconfig as kubectl reads it: $KUBECONFIG (a list separated by
 * path.delimiter; files merged with kubectl's rules: the first file to set a
 * value wins, current-context from the first file that has one), else
 * ~/.kube/config.
 *
 * Like kubectl, files named in $KUBECONFIG that do not exist are skipped, a
 * file that exists but does not parse is an error, and a name defined twice in
 * one file is an error. Relative file references (certificate-authority,
 * client-certificate, client-key, token-file, an exec command with a
 * directory part) are relative to the kubeconfig that holds them. Referenced
 * files are read here, through `source`; kubeconfig.ts hands them to client-node
 * inline, so client-node never reads the file system for them. One that cannot be
 * read is a problem of its entry (reported by unusableReason in kubeconfig.ts when
 * its context is used, as kubectl does). `files` lists the kubeconfig files actually
 * read, in order.
 */
export function readKubeconfig(source: KubeconfigSource): KubeconfigData | { error: string } {
  const candidates = candidateFiles(source);
  if ("error" in candidates) return candidates;
  const files: string[] = [];
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  const problems = new Map<string, string>();
  let currentContext = "";
  try {
    for (const file of candidates.paths) {
      const text = source.readFile(file);
      if (text === undefined) continue;
      files.push(file);
      const doc = parseFile(file, text);
      // Check the whole file before taking anything from it.
      const fileClusters = namedEntries(doc, "clusters", "cluster", file);
      const fileUsers = namedEntries(doc, "users", "user", file);
      const fileContexts = namedEntries(doc, "contexts", "context", file);
      const current = stringField(doc, "current-context", `kubeconfig ${file}`);
      for (const [name, body] of fileClusters) {
        if (clusters.has(name)) continue;
        const { cluster, problems: found } = toCluster(name, body, file, source);
        clusters.set(name, cluster);
        if (found[0] !== undefined) problems.set(`cluster:${name}`, found.join("; "));
      }
      for (const [name, body] of fileUsers) {
        if (users.has(name)) continue;
        const { user, problems: found } = toUser(name, body, file, source);
        users.set(name, user);
        if (found[0] !== undefined) problems.set(`user:${name}`, found.join("; "));
      }
      for (const [name, body] of fileContexts) {
        if (!contexts.has(name)) contexts.set(name, toContext(name, body, file));
      }
      if (currentContext === "" && current !== undefined) currentContext = current;
    }
  } catch (error) {
    if (error instanceof LoadError) return { error: error.message };
    throw error;
  }
  if (files.length === 0) {
    return { error: noFilesReason(candidates) };
  }
  return { clusters, users, contexts, currentContext, problems, files };
}

/**
 * Is the current context still `context`, on the cluster at `server`, with nothing found
 * wrong with it, as when a run found that server answering? Read without client-node and
 * without any network traffic.
 */
export function sameContextAs(source: KubeconfigSource, context: string, server: string): boolean {
  const read = readKubeconfig(source);
  if ("error" in read || read.currentContext !== context) return false;
  const entry = read.contexts.get(context);
  if (entry === undefined || entry.cluster === "") return false;
  const cluster = read.clusters.get(entry.cluster);
  if (cluster === undefined || cluster.server === "" || cluster.server !== server) return false;
  if (entry.user !== "" && !read.users.has(entry.user)) return false;
  if (read.problems.has(`cluster:${cluster.name}`)) return false;
  return entry.user === "" || !read.problems.has(`user:${entry.user}`);
}
