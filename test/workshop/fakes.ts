import { type ChildProcessByStdio, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { CLI, minimalEnv, ROOT, type Run, workspace } from "../run/e2e-helpers.js";
import { type FakeCluster, INGRESS_IP } from "./fake-cluster.js";

export { INGRESS_IP };

/** The commands the workshop's cluster steps use: only fakes may answer to these names. */
export const FAKED = ["kubectl", "helm", "linkerd", "istioctl", "bat", "batcat", "curl", "k3d"];

/** Names that must not come from the real PATH either (they could reach a real cluster). */
const HIDDEN = [...FAKED, "docker"];

const FAKE_CLI = fileURLToPath(new URL("fake-cli.sh", import.meta.url));

/** One call of a fake CLI, as fake-cli.sh logged it. */
export interface FakeCall {
  /** The command's name, then its arguments. */
  argv: string[];
  cwd: string;
  /** What `kubectl apply -f -` read from its stdin. */
  stdin?: string;
}

/** A fresh directory holding fake-cli.sh under each faked name but `omit`, to put first on PATH. */
export function makeFakes(omit: readonly string[] = []): string {
  const dir = workspace();
  const script = fs.readFileSync(FAKE_CLI, "utf8");
  for (const name of FAKED) {
    if (!omit.includes(name)) fs.writeFileSync(path.join(dir, name), script, { mode: 0o755 });
  }
  return dir;
}

/**
 * A directory of symlinks to every executable on `searchPath` (the first of each name wins, as
 * in a PATH lookup) except the faked names and docker, so that nothing real can answer to them.
 */
export function realToolsWithoutFaked(searchPath: string): string {
  const dir = workspace();
  const linked = new Set<string>(HIDDEN);
  for (const from of searchPath.split(path.delimiter)) {
    if (!path.isAbsolute(from)) continue;
    let names: string[];
    try {
      names = fs.readdirSync(from);
    } catch {
      continue;
    }
    for (const name of names) {
      if (linked.has(name)) continue;
      const target = path.join(from, name);
      try {
        if (!fs.statSync(target).isFile()) continue;
        fs.accessSync(target, fs.constants.X_OK);
      } catch {
        continue;
      }
      fs.symlinkSync(target, path.join(dir, name));
      linked.add(name);
    }
  }
  return dir;
}

/** The calls logged to `file`, in order; none when no fake ever ran. */
export function readCalls(file: string): FakeCall[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as FakeCall);
}

/** The environment that points the fakes at their log and at `cluster`. */
export function fakeEnv(cluster: FakeCluster, log: string): Record<string, string> {
  return { WORKSHOP_FAKE_LOG: log, WORKSHOP_FAKE_CLUSTER: cluster.address };
}

/**
 * Runs `node dist/cli.js ARGS` in `cwd` without a terminal, without blocking this process (the
 * fake cluster answers from it), and kills it after `timeout` ms.
 */
export function runCli(
  cwd: string,
  args: readonly string[],
  env: Record<string, string>,
  timeout = 200_000,
): Promise<Run> {
  const started = performance.now();
  let hung = false;
  const ran = collect(process.execPath, [CLI, ...args], env, cwd, (child) =>
    setTimeout(() => {
      hung = true;
      child.kill("SIGTERM");
    }, timeout),
  );
  return ran.then((r) => ({ ...r, ms: performance.now() - started, hung }));
}

/** Runs `file args` in `cwd` (the project's root by default) without blocking this process. */
export function spawnAsync(
  file: string,
  args: readonly string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return collect(file, args, env, cwd ?? ROOT).then(({ status, stdout, stderr }) => ({
    status,
    stdout,
    stderr,
  }));
}

/** Runs `file args` with no input and collects its output; `limit` may set a timer to end it. */
function collect(
  file: string,
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
  limit?: (child: ChildProcessByStdio<null, Readable, Readable>) => NodeJS.Timeout,
): Promise<{
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}> {
  const child = spawn(file, [...args], {
    cwd,
    env: minimalEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const timer = limit?.(child);
  return new Promise((resolve) => {
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}
