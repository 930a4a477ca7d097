import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import { constants } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { removeWorkspaces, workspace } from "../helpers/workspace.js";

// Huge, deep, endless or odd input: every case ends at once with a located
// error (or its plan), never a crash, a hang, or a wait for input.

// Each case runs the CLI on input built to be big: give it room on a busy machine.
vi.setConfig({ testTimeout: 90_000 });

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = path.join(ROOT, "dist", "cli.js");

interface Run {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The status a shell would report: 128 + the signal's number when a signal ended it. */
  readonly shellStatus: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface Options {
  readonly node?: readonly string[];
  readonly env?: Record<string, string>;
  /** Keep stdin an open pipe that never ends (else /dev/null). */
  readonly openStdin?: boolean;
  /** Called once the process runs; may signal it. */
  readonly started?: (child: ChildProcess) => void | Promise<void>;
  readonly timeout?: number;
}

function start(cwd: string, args: readonly string[], options: Options = {}) {
  return spawn(process.execPath, [...(options.node ?? []), CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: workspace(), LANG: "C.UTF-8", ...options.env },
    stdio: [options.openStdin ? "pipe" : "ignore", "pipe", "pipe"],
  });
}

/** Runs the built CLI; a run still going after `timeout` is killed and fails the test. */
function demoshts(cwd: string, args: readonly string[], options: Options = {}): Promise<Run> {
  const child = start(cwd, args, options);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const limit = options.timeout ?? 15_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`demoshts ${args.join(" ")} did not end within ${limit} ms:\n${stderr}`));
    }, limit);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      const shellStatus = status ?? 128 + (signal ? constants.signals[signal] : 0);
      resolve({ status, signal, shellStatus, stdout, stderr });
    });
    void options.started?.(child);
  });
}

/** `file:line: error: message` with its hint on the next line. */
function expectError(stderr: string, file: string, line: number, message: RegExp): void {
  const lines = stderr.split("\n");
  const at = lines.findIndex((l) => l.startsWith(`${file}:${line}: error: `));
  expect(at, `no "${file}:${line}: error:" in stderr:\n${stderr.slice(0, 2000)}`).toBeGreaterThan(
    -1,
  );
  expect(lines[at]).toMatch(message);
  expect(lines[at + 1] ?? "").toMatch(/^\s+hint: \S/);
  expect(stderr).not.toMatch(/internal error|RangeError|at .*\.js:\d+/);
}

function lines(count: number, line: (i: number) => string): string {
  let text = "";
  for (let i = 0; i < count; i++) text += `${line(i)}\n`;
  return text;
}

/** Resolves once the process has used `seconds` of CPU: it has long passed start-up. */
async function cpuUsed(pid: number, seconds: number): Promise<void> {
  const tick = 100;
  for (;;) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if ((Number(fields[11]) + Number(fields[12])) / tick >= seconds) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

afterAll(() => {
  removeWorkspaces();
});

describe("size: nothing the input's size decides is spread into a call", () => {
  // A smaller stack makes 10,000 lines overflow where the default stack needs about 130,000.
  const node = ["--stack-size=80"];
  const dir = workspace({ "big.sh": lines(10_000, (i) => `: ${i + 1}`) });

  it.concurrent("--dry-run plans a 10,000-line script on a small stack", async () => {
    const run = await demoshts(dir, ["--dry-run", "big.sh"], { node });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^big\.sh:10000 +\(hidden\) : 10000$/m);
    expect(run.stdout).toContain("Plan: 10000 commands");
  });

  it.concurrent("check reads it too", async () => {
    const run = await demoshts(dir, ["check", "big.sh"], { node, timeout: 60_000 });
    expect(run.stderr).not.toMatch(/internal error|RangeError/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("0 errors");
  }, 90_000);
});

describe("depth: too deep a nest is a located error with its chain", () => {
  it.concurrent("@macro blocks nested 2,000 deep: refused at the 101st", async () => {
    let text = "";
    for (let i = 0; i < 2000; i++) text += `#@macro m${i}\n`;
    text += "echo hi\n";
    for (let i = 0; i < 2000; i++) text += "#@end\n";
    const run = await demoshts(workspace({ "deep.sh": text }), ["--dry-run", "deep.sh"]);
    expect(run.status).toBe(2);
    expectError(
      run.stderr,
      "deep.sh",
      101,
      /nested more than 100 blocks deep \(@macro m0 \(line 1\) > /,
    );
    expect(run.stdout).toBe("");
  });

  it.concurrent("<!-- @ifhook --> blocks nested 3,000 deep in Markdown", async () => {
    let text = "# Deep\n\n<!-- @hook h H -->\n\n";
    for (let i = 0; i < 3000; i++) text += "<!-- @ifhook h -->\n";
    text += "```bash\necho hi\n```\n";
    for (let i = 0; i < 3000; i++) text += "<!-- @endif -->\n";
    const run = await demoshts(workspace({ "deep.md": text }), ["--dry-run", "deep.md"]);
    expect(run.status).toBe(2);
    expectError(run.stderr, "deep.md", 105, /@ifhook is nested more than 100 blocks deep/);
  });

  it.concurrent("an @import chain 1,500 files long: refused with the chain", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 1500; i++) files[`f${i}.sh`] = `echo ${i}\n#@import f${i + 1}.sh\n`;
    files["f1500.sh"] = "echo end\n";
    const run = await demoshts(workspace(files), ["--dry-run", "f0.sh"]);
    expect(run.status).toBe(2);
    expectError(
      run.stderr,
      "f100.sh",
      2,
      /goes more than 100 files deep \(f0\.sh -> f1\.sh -> .* -> f101\.sh\)/,
    );
  });

  it.concurrent("a chain of 5,000 macros each calling the next: refused at the call", async () => {
    let text = "";
    for (let i = 0; i < 5000; i++) text += `#@macro a${i}\n  a${i + 1}\n#@end\n`;
    text += "#@macro a5000\n  echo end\n#@end\necho start\na0\n";
    const run = await demoshts(workspace({ "calls.sh": text }), ["--dry-run", "calls.sh"]);
    expect(run.status).toBe(2);
    expectError(run.stderr, "calls.sh", 15_005, /more than 100 macros deep \(a0 -> a1 -> /);
  });

  it.concurrent("$SHELL demos nested 150 deep: the dry run stops at 100", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 150; i++) files[`n${i}.sh`] = `$SHELL n${i + 1}.sh\n`;
    files["n150.sh"] = "echo end\n";
    const run = await demoshts(workspace(files), ["--dry-run", "n0.sh"]);
    expect(run.status).toBe(2);
    expectError(run.stderr, "n100.sh", 1, /more than 100 demos deep \(n0\.sh -> n1\.sh -> /);
  });
});

describe("doubling: input that multiplies per level stops at a located limit", () => {
  it.concurrent("macros that each call the next twice, 30 levels", async () => {
    let text = "";
    for (let i = 0; i < 30; i++) text += `#@macro d${i}\n  d${i + 1}\n  d${i + 1}\n#@end\n`;
    text += "#@macro d30\n  echo leaf\n#@end\nd0\n";
    const run = await demoshts(workspace({ "double.sh": text }), ["--dry-run", "double.sh"]);
    expect(run.status).toBe(2);
    expectError(run.stderr, "double.sh", 124, /more than 1,000,000 steps \(d0 -> d1 -> /);
  });

  it.concurrent("files that each import the next twice, 30 levels", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++)
      files[`i${i}.sh`] = `#@import i${i + 1}.sh\n#@import i${i + 1}.sh\n`;
    files["i30.sh"] = "echo leaf\n";
    const run = await demoshts(workspace(files), ["--dry-run", "i0.sh"], { timeout: 60_000 });
    expect(run.status).toBe(2);
    expectError(run.stderr, "i29.sh", 1, /import more than 10,000 files/);
  });

  it.concurrent("demos that each run the next twice with $SHELL, 30 levels", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[`s${i}.sh`] = `$SHELL s${i + 1}.sh\n$SHELL s${i + 1}.sh\n`;
    files["s30.sh"] = "echo leaf\n";
    const run = await demoshts(workspace(files), ["--dry-run", "s0.sh"], { timeout: 60_000 });
    expect(run.status).toBe(2);
    expectError(run.stderr, "s29.sh", 1, /more than 1,000 nested demos/);
  });

  it.concurrent("a script of more than 1,000,000 lines", async () => {
    const dir = workspace({ "long.sh": "\n".repeat(1_000_005) });
    const run = await demoshts(dir, ["--dry-run", "long.sh"]);
    expect(run.status).toBe(2);
    expectError(run.stderr, "long.sh", 1_000_001, /longer than 1,000,000 lines/);
  });
});

describe("files that are not regular, or too big, are refused without waiting", () => {
  function fifo(dir: string, name: string): void {
    execFileSync("mkfifo", [path.join(dir, name)]);
  }

  it.concurrent("a demo that is a named pipe (FIFO)", async () => {
    const dir = workspace();
    fifo(dir, "f.md");
    const run = await demoshts(dir, ["--dry-run", "f.md"]);
    expect(run.status).toBe(2);
    expectError(run.stderr, "f.md", 1, /named pipe \(FIFO\), not a regular file/);
  });

  it.concurrent("@import /dev/zero and an imported FIFO", async () => {
    const dir = workspace({ "z.sh": "echo a\n#@import /dev/zero\n", "p.sh": "#@import f.sh\n" });
    fifo(dir, "f.sh");
    const [zero, pipe] = await Promise.all([
      demoshts(dir, ["--dry-run", "z.sh"]),
      demoshts(dir, ["--dry-run", "p.sh"]),
    ]);
    expect(zero.status).toBe(2);
    expectError(zero.stderr, "z.sh", 2, /cannot @import \/dev\/zero: it is a character device/);
    expect(pipe.status).toBe(2);
    expectError(pipe.stderr, "p.sh", 1, /cannot @import f\.sh: it is a named pipe/);
  });

  it.concurrent("a nested $SHELL demo that is a FIFO is a warning, and the plan goes on", async () => {
    const dir = workspace({ "demo.sh": "$SHELL f.md\necho after\n" });
    fifo(dir, "f.md");
    const run = await demoshts(dir, ["--dry-run", "demo.sh"]);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(
      /^demo\.sh:1: warning: nested demo f\.md cannot be read: it is a named pipe/m,
    );
    expect(run.stdout).toContain("echo after");
  });

  it.concurrent("check does not wait on kubectl apply -f /dev/stdin", async () => {
    const dir = workspace({ "demo.sh": "kubectl apply -f /dev/stdin\n" });
    const run = await demoshts(dir, ["check", "demo.sh"], { openStdin: true });
    expect(run.status).toBe(1);
    expect(run.stderr + run.stdout).toMatch(
      /cannot read .*dev\/stdin: it is a (named pipe|character device|socket)/,
    );
  });

  it.concurrent("a demo and an import larger than 64 MiB", async () => {
    const dir = workspace({ "i.sh": "echo a\n#@import huge.md\n" });
    fs.writeFileSync(path.join(dir, "huge.md"), "");
    fs.truncateSync(path.join(dir, "huge.md"), 64 * 1024 * 1024 + 1);
    const [demo, imported] = await Promise.all([
      demoshts(dir, ["--dry-run", "huge.md"]),
      demoshts(dir, ["--dry-run", "i.sh"]),
    ]);
    expect(demo.status).toBe(2);
    expectError(demo.stderr, "huge.md", 1, /larger than 64 MiB/);
    expect(imported.status).toBe(2);
    expectError(imported.stderr, "i.sh", 2, /cannot @import huge\.md: it is larger than 64 MiB/);
  });

  it.concurrent("an invalid UTF-8 byte on the last of 200,000 lines is located there", async () => {
    const body = Buffer.from("echo a line of the demo\n".repeat(199_999));
    const dir = workspace({
      "bad.sh": Buffer.concat([body, Buffer.from("echo \xff\n", "latin1")]),
    });
    const run = await demoshts(dir, ["--dry-run", "bad.sh"]);
    expect(run.status).toBe(2);
    expectError(run.stderr, "bad.sh", 200_000, /not valid UTF-8/);
  });
});

describe("Ctrl-C and SIGTERM end dry runs, checks and doctor at once", () => {
  const big = lines(200_000, (i) => `: ${i + 1}`);

  it.concurrent.each([
    ["--dry-run", "SIGINT", 130],
    ["--dry-run", "SIGTERM", 143],
    ["check", "SIGINT", 130],
  ] as const)("%s, %s: the shell sees %i, and no plan or report", async (mode, signal, code) => {
    const dir = workspace({ "big.sh": big });
    const run = await demoshts(dir, [mode, "big.sh"], {
      timeout: 120_000,
      started: async (child) => {
        // Start-up takes about 0.2 s of CPU; the dry run of big.sh about 1.7 s, a check more.
        await cpuUsed(child.pid as number, 0.5);
        child.kill(signal);
      },
    });
    expect(run.shellStatus).toBe(code);
    expect(run.stdout).toBe("");
  });

  it("doctor, while a CLI's version command hangs", async () => {
    const bin = workspace();
    const marker = path.join(bin, "asked");
    fs.writeFileSync(
      path.join(bin, "kubectl"),
      `#!/bin/sh\n: > ${JSON.stringify(marker)}\nexec sleep 30\n`,
      { mode: 0o755 },
    );
    const dir = workspace({ "demo.sh": "kubectl get pods\n" });
    const run = await demoshts(dir, ["doctor", "demo.sh"], {
      env: { PATH: `${bin}:${process.env.PATH ?? ""}` },
      started: async (child) => {
        while (!fs.existsSync(marker)) await new Promise((r) => setTimeout(r, 20));
        child.kill("SIGINT");
      },
    });
    expect(run.shellStatus).toBe(130);
    expect(run.stdout).toBe("");
  });
});

describe("a working directory that is gone", () => {
  function inDeletedDir(command: string): Run {
    const dir = workspace();
    const script = `cd ${JSON.stringify(dir)} && rmdir "$PWD" && ${command}`;
    try {
      const stdout = execFileSync("bash", ["-c", script], {
        env: { PATH: process.env.PATH ?? "", HOME: workspace() },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      return { status: 0, signal: null, shellStatus: 0, stdout, stderr: "" };
    } catch (error) {
      const e = error as { status: number; stdout: string; stderr: string };
      return {
        status: e.status,
        signal: null,
        shellStatus: e.status,
        stdout: e.stdout,
        stderr: e.stderr,
      };
    }
  }

  it("started in it: one line saying so, exit 2", () => {
    const demo = path.join(workspace({ "demo.sh": "echo hi\n" }), "demo.sh");
    for (const mode of ["--dry-run", "check", "--ci"]) {
      const run = inDeletedDir(`node ${JSON.stringify(CLI)} ${mode} ${JSON.stringify(demo)}`);
      expect(run.status, mode).toBe(2);
      expect(run.stderr).toBe(
        "demoshts: the current directory no longer exists (it was deleted); cd to one that exists and run again\n",
      );
    }
  });

  it("left in it by the demo: the nested demo that cannot start fails the run (exit 1)", async () => {
    const dir = workspace({ "nested.sh": "echo nested\n" });
    const here = workspace();
    fs.writeFileSync(
      path.join(dir, "demo.sh"),
      `cd ${JSON.stringify(here)}\nrmdir "$PWD"\n$SHELL ${JSON.stringify(path.join(dir, "nested.sh"))}\necho not reached\n`,
    );
    const run = await demoshts(dir, ["--ci", "demo.sh"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("demoshts: the current directory no longer exists");
    expect(run.stderr).toMatch(/demo\.sh:3: failed with status 2/);
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.stdout).not.toContain("not reached\n");
  });
});
