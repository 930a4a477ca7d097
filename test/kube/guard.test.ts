import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { stringify } from "yaml";
import { currentContext, guardContext, probeServer } from "../../src/kube/guard.js";
import {
  type KubeconfigSource,
  loadKubeconfig,
  unusableReason,
} from "../../src/kube/kubeconfig.js";

// ---------------------------------------------------------------- fixtures

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "demoshts-kube-"));
  roots.push(dir);
  return dir;
}

function write(file: string, text: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** A source over the real file system that records every file it is asked for. */
function diskSource(options: { kubeconfig?: string; home?: string }): KubeconfigSource & {
  reads: string[];
} {
  const reads: string[] = [];
  return {
    env: { KUBECONFIG: options.kubeconfig },
    home: options.home,
    reads,
    readFile(file) {
      reads.push(file);
      try {
        return readFileSync(file, "utf8");
      } catch {
        return undefined;
      }
    },
  };
}

/** A source with no disk behind it at all. */
function memorySource(files: Record<string, string>, kubeconfig: string): KubeconfigSource {
  return { env: { KUBECONFIG: kubeconfig }, home: undefined, readFile: (file) => files[file] };
}

interface Spec {
  clusters?: Record<string, Record<string, unknown>>;
  users?: Record<string, Record<string, unknown>>;
  contexts?: Record<string, { cluster: string; user?: string }>;
  current?: string;
}

function kubeconfig(spec: Spec): string {
  const doc: Record<string, unknown> = {
    apiVersion: "v1",
    kind: "Config",
    clusters: Object.entries(spec.clusters ?? {}).map(([name, cluster]) => ({ name, cluster })),
    users: Object.entries(spec.users ?? {}).map(([name, user]) => ({ name, user })),
    contexts: Object.entries(spec.contexts ?? {}).map(([name, context]) => ({ name, context })),
  };
  if (spec.current !== undefined) doc["current-context"] = spec.current;
  return stringify(doc);
}

/** One kubeconfig file in a fresh directory, read through $KUBECONFIG. */
function single(spec: Spec): ReturnType<typeof diskSource> & { file: string; dir: string } {
  const dir = tempDir();
  const file = write(path.join(dir, "config"), kubeconfig(spec));
  return Object.assign(diskSource({ kubeconfig: file }), { file, dir });
}

/** A kubeconfig whose current context `demo` points at `server` with a token. */
function demoConfig(server: string, user: Record<string, unknown> = { token: "t0ken" }): Spec {
  return {
    clusters: { demo: { server, "insecure-skip-tls-verify": true } },
    users: { demo: user },
    contexts: { demo: { cluster: "demo", user: "demo" } },
    current: "demo",
  };
}

function loaded(source: KubeconfigSource) {
  const result = loadKubeconfig(source);
  if ("error" in result) throw new Error(`unexpected error: ${result.error}`);
  return result;
}

function loadError(source: KubeconfigSource): string {
  const result = loadKubeconfig(source);
  if (!("error" in result)) throw new Error("expected loadKubeconfig to fail");
  return result.error;
}

// ------------------------------------------------------- stand-in servers

const VERSION = { major: "1", minor: "30", gitVersion: "v1.30.4" };

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
}

interface StandIn {
  url: string;
  seen: Seen[];
  /** How many client connections are still open. */
  open(): number;
}

type Reply = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const answerVersion: Reply = (req, res) => {
  if (req.url === "/version" || req.url === "/version/") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(VERSION));
  } else {
    res.writeHead(404).end();
  }
};

function answerStatus(code: number, message: string): Reply {
  return (_req, res) => {
    res.writeHead(code, { "content-type": "application/json" });
    res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", message, code }));
  };
}

const servers: (http.Server | https.Server)[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function standIn(
  reply: Reply = answerVersion,
  tls?: { key: string; cert: string },
): Promise<StandIn> {
  const seen: Seen[] = [];
  const handler: Reply = (req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    reply(req, res);
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  servers.push(server);
  let open = 0;
  server.on(tls ? "secureConnection" : "connection", (socket: Socket) => {
    open++;
    socket.on("close", () => open--);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `${tls ? "https" : "http"}://127.0.0.1:${port}`, seen, open: () => open };
}

/** A port on 127.0.0.1 where nothing listens (it was just released). */
async function deadPort(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await work();
  return { result, ms: performance.now() - start };
}

async function probe(source: KubeconfigSource, timeoutMs = 2000) {
  return probeServer(loaded(source).config, timeoutMs);
}

function reasonOf(result: { ok: true } | { ok: false; reason: string }): string {
  if (result.ok) throw new Error("expected the probe to fail");
  return result.reason;
}

function messageOf(result: { ok: true } | { ok: false; message: string }): string {
  if (result.ok) throw new Error("expected the guard to fail");
  return result.message;
}

// ------------------------------------------------------------------ tests

describe("loadKubeconfig", () => {
  const three: Spec = {
    clusters: {
      kind: { server: "https://127.0.0.1:6443" },
      prod: { server: "https://prod.example.com" },
      staging: { server: "https://staging.example.com/" },
    },
    users: { admin: { token: "a" }, dev: { token: "d" } },
    contexts: {
      "kind-demo": { cluster: "kind", user: "admin" },
      prod: { cluster: "prod", user: "dev" },
      staging: { cluster: "staging", user: "dev" },
    },
    current: "prod",
  };

  it("falls back to ~/.kube/config under source.home when $KUBECONFIG is not set", () => {
    const home = tempDir();
    const file = write(path.join(home, ".kube", "config"), kubeconfig(three));
    const source = diskSource({ home });
    const { config, files } = loaded(source);
    expect(files).toEqual([file]);
    expect(source.reads).toEqual([file]);
    expect(config.getCurrentContext()).toBe("prod");
    expect(config.getContexts().map((c) => c.name)).toEqual(["kind-demo", "prod", "staging"]);
    expect(config.getCluster("staging")?.server).toBe("https://staging.example.com");
  });

  it("treats an empty $KUBECONFIG (or one of only separators) as not set", () => {
    const home = tempDir();
    const file = write(path.join(home, ".kube", "config"), kubeconfig(three));
    for (const list of ["", path.delimiter, `${path.delimiter}${path.delimiter}`]) {
      expect(loaded(diskSource({ kubeconfig: list, home })).files).toEqual([file]);
    }
  });

  it("merges the $KUBECONFIG files with kubectl's rules and ignores ~/.kube/config", () => {
    const home = tempDir();
    write(path.join(home, ".kube", "config"), kubeconfig({ ...three, current: "staging" }));
    const dir = tempDir();
    // The first file sets no current-context; it defines "shared" first.
    const first = write(
      path.join(dir, "a.yaml"),
      kubeconfig({
        clusters: { shared: { server: "https://first.example.com" } },
        users: { u: { token: "first" } },
        contexts: { one: { cluster: "shared", user: "u" } },
      }),
    );
    const second = write(
      path.join(dir, "b.yaml"),
      kubeconfig({
        clusters: {
          shared: { server: "https://second.example.com" },
          other: { server: "https://other.example.com" },
        },
        users: { u: { token: "second" } },
        contexts: { one: { cluster: "other", user: "u" }, two: { cluster: "other", user: "u" } },
        current: "two",
      }),
    );
    const third = write(path.join(dir, "c.yaml"), kubeconfig({ current: "one" }));
    const source = diskSource({ kubeconfig: [first, second, third].join(path.delimiter), home });
    const { config, files } = loaded(source);
    expect(files).toEqual([first, second, third]);
    expect(source.reads).toEqual([first, second, third]);
    // The first file to set a value wins ...
    expect(config.getCluster("shared")?.server).toBe("https://first.example.com");
    expect(config.getUser("u")?.token).toBe("first");
    expect(config.getContextObject("one")?.cluster).toBe("shared");
    // ... entries only later files define are added ...
    expect(config.getCluster("other")?.server).toBe("https://other.example.com");
    expect(config.getContexts().map((c) => c.name)).toEqual(["one", "two"]);
    // ... and current-context comes from the first file that has one.
    expect(config.getCurrentContext()).toBe("two");
  });

  it("takes current-context from the first file when both files set it", () => {
    const dir = tempDir();
    const a = write(path.join(dir, "a"), kubeconfig({ ...three, current: "kind-demo" }));
    const b = write(path.join(dir, "b"), kubeconfig({ current: "prod" }));
    const status = currentContext(diskSource({ kubeconfig: `${a}${path.delimiter}${b}` }));
    expect(status).toEqual({
      context: "kind-demo",
      cluster: "kind",
      server: "https://127.0.0.1:6443",
      files: [a, b],
    });
  });

  it("skips $KUBECONFIG files that do not exist, reads a repeated file once, and says when none exists", () => {
    const dir = tempDir();
    const real = write(path.join(dir, "real"), kubeconfig(three));
    const missing = path.join(dir, "missing");
    const list = [missing, real, real].join(path.delimiter);
    expect(loaded(diskSource({ kubeconfig: list })).files).toEqual([real]);
    const error = loadError(diskSource({ kubeconfig: missing }));
    expect(error).toContain("none of the files in $KUBECONFIG exists");
    expect(error).toContain(missing);
  });

  it("reports no kubeconfig at all", () => {
    const home = tempDir();
    const error = loadError(diskSource({ home }));
    expect(error).toContain(path.join(home, ".kube", "config"));
    expect(error).toContain("does not exist");
    expect(loadError(diskSource({}))).toContain("home directory is unknown");
  });

  it("reports a broken YAML kubeconfig, naming the file", () => {
    const dir = tempDir();
    const file = write(path.join(dir, "broken"), "clusters:\n  - name: a\n   cluster: [\n");
    const error = loadError(diskSource({ kubeconfig: file }));
    expect(error).toContain(`kubeconfig ${file} is not valid YAML`);
    // A broken file among good ones is still an error, as with kubectl.
    const good = write(path.join(dir, "good"), kubeconfig(three));
    expect(loadError(diskSource({ kubeconfig: `${good}${path.delimiter}${file}` }))).toContain(
      file,
    );
  });

  it("rejects files that parse but are not kubeconfigs", () => {
    const dir = tempDir();
    const scalar = write(path.join(dir, "scalar"), "just a string\n");
    expect(loadError(diskSource({ kubeconfig: scalar }))).toContain("top level is not a mapping");
    const notList = write(path.join(dir, "notlist"), "clusters: {a: 1}\n");
    expect(loadError(diskSource({ kubeconfig: notList }))).toContain("clusters must be a list");
    const twice = write(
      path.join(dir, "twice"),
      "contexts:\n- name: x\n  context: {cluster: a}\n- name: x\n  context: {cluster: b}\n",
    );
    expect(loadError(diskSource({ kubeconfig: twice }))).toContain('contexts names "x" twice');
  });

  it("accepts an empty file as an empty kubeconfig", () => {
    const dir = tempDir();
    const file = write(path.join(dir, "empty"), "");
    expect(currentContext(diskSource({ kubeconfig: file }))).toEqual({
      context: undefined,
      cluster: undefined,
      server: undefined,
      files: [file],
    });
  });

  it("reads everything through the source, never process.env or the disk", () => {
    const other = tempDir();
    write(path.join(other, ".kube", "config"), kubeconfig({ ...three, current: "staging" }));
    vi.stubEnv("KUBECONFIG", path.join(other, ".kube", "config"));
    vi.stubEnv("HOME", other);
    try {
      const files = {
        "/virtual/kubeconfig": kubeconfig({
          clusters: { v: { server: "https://v.example.com", "certificate-authority": "ca.pem" } },
          users: { v: { "token-file": "../secrets/token" } },
          contexts: { virtual: { cluster: "v", user: "v" } },
          current: "virtual",
        }),
        "/virtual/ca.pem": "-----BEGIN CERTIFICATE-----\nvirtual\n",
        "/secrets/token": "from-a-file\n",
      };
      const { config } = loaded(memorySource(files, "/virtual/kubeconfig"));
      expect(config.getCurrentContext()).toBe("virtual");
      // Relative references are resolved against the kubeconfig's directory,
      // read through the source and handed to client-node inline.
      const cluster = config.getCluster("v");
      expect(cluster?.caFile).toBeUndefined();
      expect(Buffer.from(cluster?.caData ?? "", "base64").toString()).toBe(
        files["/virtual/ca.pem"],
      );
      expect(config.getUser("v")?.token).toBe("from-a-file");
      expect(unusableReason(config)).toBeUndefined();
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("currentContext", () => {
  it("names the context, its cluster and server, and the files read", () => {
    const source = single({
      clusters: { c1: { server: "https://one.example.com" } },
      contexts: { a: { cluster: "c1" }, b: { cluster: "c1" } },
      current: "b",
    });
    expect(currentContext(source)).toEqual({
      context: "b",
      cluster: "c1",
      server: "https://one.example.com",
      files: [source.file],
    });
  });

  it("leaves out what the kubeconfig does not say", () => {
    const none = single({ contexts: { a: { cluster: "c1" } } });
    expect(currentContext(none)).toMatchObject({ context: undefined, cluster: undefined });
    const missingCluster = single({ contexts: { a: { cluster: "gone" } }, current: "a" });
    expect(currentContext(missingCluster)).toMatchObject({
      context: "a",
      cluster: "gone",
      server: undefined,
    });
  });

  it("passes a load error through", () => {
    const home = tempDir();
    expect(currentContext(diskSource({ home }))).toHaveProperty("error");
  });
});

describe("probeServer", () => {
  it("asks /version and sends the user's token", async () => {
    const server = await standIn();
    const result = await probe(single(demoConfig(server.url)));
    expect(result).toEqual({ ok: true, version: "v1.30.4" });
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0]?.method).toBe("GET");
    expect(server.seen[0]?.url).toMatch(/^\/version\/?$/);
    expect(server.seen[0]?.headers.authorization).toBe("Bearer t0ken");
  });

  it("sends the token from a token-file relative to the kubeconfig", async () => {
    const server = await standIn();
    const source = single(demoConfig(server.url, { "token-file": "secrets/token" }));
    write(path.join(source.dir, "secrets", "token"), "file-token\n");
    expect(await probe(source)).toEqual({ ok: true, version: "v1.30.4" });
    expect(server.seen[0]?.headers.authorization).toBe("Bearer file-token");
  });

  it("sends the token an exec credential plugin prints", async () => {
    const server = await standIn();
    const credential = {
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      status: { token: "exec-token" },
    };
    const exec = {
      apiVersion: "client.authentication.k8s.io/v1",
      command: process.execPath,
      args: ["-e", `process.stdout.write(${JSON.stringify(JSON.stringify(credential))})`],
    };
    expect(await probe(single(demoConfig(server.url, { exec })))).toEqual({
      ok: true,
      version: "v1.30.4",
    });
    expect(server.seen[0]?.headers.authorization).toBe("Bearer exec-token");
  });

  it("reports an exec credential plugin that fails, without asking the server", async () => {
    const server = await standIn();
    const exec = {
      apiVersion: "client.authentication.k8s.io/v1",
      command: process.execPath,
      args: ["-e", "process.stderr.write('no credentials for you'); process.exit(1)"],
    };
    const reason = reasonOf(await probe(single(demoConfig(server.url, { exec }))));
    expect(reason).toContain('as user "demo"');
    expect(reason).toContain("no credentials for you");
    expect(server.seen).toHaveLength(0);
  });

  it("talks plain HTTP to an http:// server without insecure-skip-tls-verify, as kubectl does", async () => {
    const server = await standIn();
    const spec = demoConfig(server.url);
    spec.clusters = { demo: { server: server.url } };
    expect(await probe(single(spec))).toEqual({ ok: true, version: "v1.30.4" });
  });

  it("fails fast when nothing listens", async () => {
    const url = await deadPort();
    const { result, ms } = await timed(() => probe(single(demoConfig(url)), 5000));
    expect(reasonOf(result)).toBe(`nothing is listening at ${url} (connection refused)`);
    expect(ms).toBeLessThan(1500);
  });

  it("gives up on a server that never answers within the timeout", async () => {
    const server = await standIn(() => {});
    const { result, ms } = await timed(() => probe(single(demoConfig(server.url)), 400));
    expect(reasonOf(result)).toBe(`${server.url} did not answer within 400 ms`);
    expect(server.seen).toHaveLength(1);
    expect(ms).toBeGreaterThanOrEqual(390);
    expect(ms).toBeLessThan(900);
    // The request was aborted, not left hanging.
    await vi.waitFor(() => expect(server.open()).toBe(0), { timeout: 500, interval: 20 });
  });

  it("reports a 401 as an answer that rejected the credentials", async () => {
    const server = await standIn(answerStatus(401, "Unauthorized"));
    const reason = reasonOf(await probe(single(demoConfig(server.url))));
    expect(reason).toContain(`${server.url} answered HTTP 401 Unauthorized`);
    expect(reason).toContain('rejected the credentials of user "demo"');
    expect(server.seen[0]?.headers.authorization).toBe("Bearer t0ken");
  });

  it("reports a 500 with the server's message", async () => {
    const server = await standIn(answerStatus(500, "etcd is on fire"));
    const reason = reasonOf(await probe(single(demoConfig(server.url))));
    expect(reason).toBe(`${server.url} answered /version with HTTP 500: etcd is on fire`);
  });

  it("does not take any 200 for a Kubernetes API server", async () => {
    const server = await standIn((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ hello: "world" }));
    });
    expect(reasonOf(await probe(single(demoConfig(server.url))))).toContain("without a gitVersion");
  });

  it("reports configurations that cannot work without any network traffic", async () => {
    const server = await standIn();
    const noCluster = single({ contexts: { demo: { cluster: "gone" } }, current: "demo" });
    expect(reasonOf(await probe(noCluster))).toBe(
      'context "demo" names cluster "gone", which is not defined',
    );
    const noCurrent = single({ ...demoConfig(server.url), current: undefined });
    expect(reasonOf(await probe(noCurrent))).toBe("no current context is set");
    const dangling = single({ ...demoConfig(server.url), current: "elsewhere" });
    expect(reasonOf(await probe(dangling))).toBe('the current context "elsewhere" is not defined');
    const noUser = single({ ...demoConfig(server.url), users: {} });
    expect(reasonOf(await probe(noUser))).toBe(
      'context "demo" names user "demo", which is not defined',
    );
    const spec = demoConfig(server.url);
    spec.clusters = { demo: { server: server.url, "certificate-authority": "nope.pem" } };
    const noCa = single(spec);
    expect(reasonOf(await probe(noCa))).toBe(
      `cannot read certificate-authority file ${path.join(noCa.dir, "nope.pem")} of cluster "demo" (set in kubeconfig ${noCa.file})`,
    );
    expect(server.seen).toHaveLength(0);
  });

  const openssl = spawnSync("openssl", ["version"]).status === 0;

  it.skipIf(!openssl)("checks an HTTPS server against the kubeconfig's CA", async () => {
    const dir = tempDir();
    const made = spawnSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "ca.pem"),
      ],
      { encoding: "utf8" },
    );
    expect(made.status, made.stderr).toBe(0);
    const key = readFileSync(path.join(dir, "key.pem"), "utf8");
    const cert = readFileSync(path.join(dir, "ca.pem"), "utf8");
    const server = await standIn(answerVersion, { key, cert });

    const trusted = write(
      path.join(dir, "trusted"),
      kubeconfig({
        ...demoConfig(server.url),
        // Relative to this kubeconfig's directory.
        clusters: { demo: { server: server.url, "certificate-authority": "ca.pem" } },
      }),
    );
    expect(await probe(diskSource({ kubeconfig: trusted }))).toEqual({
      ok: true,
      version: "v1.30.4",
    });
    expect(server.seen[0]?.headers.authorization).toBe("Bearer t0ken");

    // Inline data wins over a file reference, as with kubectl.
    const inline = single({
      ...demoConfig(server.url),
      clusters: {
        demo: {
          server: server.url,
          "certificate-authority-data": Buffer.from(cert).toString("base64"),
          "certificate-authority": "no-such-file.pem",
        },
      },
    });
    expect(await probe(inline)).toEqual({ ok: true, version: "v1.30.4" });

    const untrusted = single({
      ...demoConfig(server.url),
      clusters: { demo: { server: server.url } },
    });
    expect(reasonOf(await probe(untrusted))).toBe(
      `the TLS handshake with ${server.url} failed: self-signed certificate`,
    );
  });
});

describe("guardContext", () => {
  const several = (server: string, current: string | undefined): Spec => ({
    clusters: {
      demo: { server, "insecure-skip-tls-verify": true },
      prod: { server: "https://prod.invalid" },
    },
    users: { demo: { token: "t0ken" }, prod: { token: "p" } },
    contexts: {
      "kind-demo": { cluster: "demo", user: "demo" },
      prod: { cluster: "prod", user: "prod" },
    },
    current,
  });

  it("passes when the current context is the expected one and its server answers", async () => {
    const server = await standIn();
    const result = await guardContext("kind-demo", single(several(server.url, "kind-demo")));
    expect(result).toEqual({
      ok: true,
      context: "kind-demo",
      server: server.url,
      version: "v1.30.4",
    });
    expect(server.seen[0]?.headers.authorization).toBe("Bearer t0ken");
  });

  it("fails on the wrong context, naming both and how to switch, without asking any server", async () => {
    const server = await standIn();
    const source = single(several(server.url, "prod"));
    const message = messageOf(await guardContext("kind-demo", source));
    expect(message).toBe(
      `This demo expects kube context "kind-demo", but the current context is "prod" (kubeconfig: ${source.file}).\n` +
        "Switch with: kubectl config use-context kind-demo",
    );
    expect(server.seen).toHaveLength(0);
  });

  it("lists the defined contexts when the expected one does not exist", async () => {
    const source = single(several("https://x.invalid", "prod"));
    const message = messageOf(await guardContext("kind-other", source));
    expect(message).toContain('expects kube context "kind-other"');
    expect(message).toContain('the current context is "prod"');
    expect(message).toContain(`kubeconfig: ${source.file}; contexts defined: kind-demo, prod`);
    expect(message).toContain("kubectl config use-context kind-other");
  });

  it("fails when no context is current", async () => {
    const source = single(several("https://x.invalid", undefined));
    const message = messageOf(await guardContext("kind-demo", source));
    expect(message).toContain('expects kube context "kind-demo", but no current context is set');
    expect(message).toContain(source.file);
    expect(message).toContain("kubectl config use-context kind-demo");
  });

  it("names every kubeconfig file read", async () => {
    const dir = tempDir();
    const a = write(path.join(dir, "a"), kubeconfig({ current: "prod" }));
    const b = write(path.join(dir, "b"), kubeconfig(several("https://x.invalid", undefined)));
    const message = messageOf(
      await guardContext("kind-demo", diskSource({ kubeconfig: `${a}${path.delimiter}${b}` })),
    );
    expect(message).toContain(`(kubeconfig: ${a}, ${b})`);
  });

  it("quotes a context name the shell would split", async () => {
    const source = single(several("https://x.invalid", "prod"));
    const message = messageOf(await guardContext("my demo", source));
    expect(message).toContain("kubectl config use-context 'my demo'");
  });

  it("fails when the right context's server does not answer", async () => {
    const url = await deadPort();
    const source = single(several(url, "kind-demo"));
    const message = messageOf(await guardContext("kind-demo", source));
    expect(message).toContain('expects kube context "kind-demo", and it is the current context');
    expect(message).toContain(`nothing is listening at ${url} (connection refused)`);
    expect(message).toContain(`(kubeconfig: ${source.file})`);
    expect(message).toContain("check with: kubectl --context kind-demo version");
  });

  it("counts a server answering 401 as not answering properly", async () => {
    const server = await standIn(answerStatus(401, "Unauthorized"));
    const message = messageOf(
      await guardContext("kind-demo", single(several(server.url, "kind-demo"))),
    );
    expect(message).toContain("answered HTTP 401 Unauthorized");
    expect(server.seen).toHaveLength(1);
  });

  it("fails when there is no usable kubeconfig", async () => {
    const dir = tempDir();
    const file = write(path.join(dir, "broken"), "current-context: [\n");
    const message = messageOf(await guardContext("kind-demo", diskSource({ kubeconfig: file })));
    expect(message).toContain(
      'expects kube context "kind-demo", but the current context is unknown',
    );
    expect(message).toContain(`kubeconfig ${file} is not valid YAML`);
    expect(message).toContain("kubectl config use-context kind-demo");
  });

  it("waits 3 seconds by default for a server that never answers", async () => {
    const server = await standIn(() => {});
    const { result, ms } = await timed(() =>
      guardContext("kind-demo", single(several(server.url, "kind-demo"))),
    );
    expect(messageOf(result)).toContain(`${server.url} did not answer within 3000 ms`);
    expect(ms).toBeGreaterThanOrEqual(2990);
    expect(ms).toBeLessThan(3500);
  });
});
