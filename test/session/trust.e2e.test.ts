import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  CLI,
  demoshts,
  eventually,
  killLeftovers,
  lines,
  minimalEnv,
  processesWith,
  removeWorkspaces,
  workspace,
} from "../run/e2e-helpers.js";

// What a demo, a careless clean-up or another user can do to the session, and what the
// runner must still guarantee: exit codes that tell the truth, no plumbing on screen, no
// processes left behind, and a $SHELL launcher nobody else could have written.

const TAG = `100.${process.pid}`;
let sleeps = 0;
function uniqueSleep(): string {
  sleeps++;
  return `sleep ${TAG}${sleeps}`;
}

afterAll(() => {
  killLeftovers(`sleep ${TAG}`);
  removeWorkspaces();
});

const REAL_BASH = execFileSync("bash", ["-c", 'printf %s "$BASH"'], { encoding: "utf8" });

describe("the $SHELL launcher", () => {
  /** Where the launcher goes with TMPDIR=tmp, learnt from a clean run. */
  function launcherPath(): { relative: string; dir: string } {
    const dir = workspace({ "demo.sh": 'echo "shell=$SHELL"\n' });
    const tmp = path.join(dir, "tmp");
    fs.mkdirSync(tmp);
    const run = demoshts(dir, ["--ci", "demo.sh"], { env: { TMPDIR: tmp } });
    const shell =
      lines(run.stdout)
        .find((l) => l.startsWith("shell="))
        ?.slice(6) ?? "";
    expect(shell.startsWith(tmp)).toBe(true);
    return { relative: path.relative(tmp, shell), dir };
  }

  it("is never taken from a directory another user made first, even a writable one", () => {
    const { relative } = launcherPath();
    const dir = workspace({
      "demo.sh": 'echo "shell=$SHELL"\n"$SHELL" --ci child.sh\n',
      "child.sh": "echo child-ran\n",
    });
    const tmp = path.join(dir, "tmp");
    // Another user (uid 65534) made the directory first, open to all, with a launcher of theirs.
    const planted = path.join(tmp, relative);
    fs.mkdirSync(path.dirname(planted), { recursive: true });
    fs.writeFileSync(planted, `#!/bin/sh\ntouch ${JSON.stringify(path.join(dir, "owned"))}\n`, {
      mode: 0o777,
    });
    const top = path.join(tmp, relative.split(path.sep)[0] as string);
    for (const p of [top, path.dirname(planted), planted]) {
      fs.chownSync(p, 65534, 65534);
      fs.chmodSync(p, 0o777);
    }
    const run = demoshts(dir, ["--ci", "demo.sh"], { env: { TMPDIR: tmp } });
    expect(run.status, run.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, "owned")), "the planted launcher ran").toBe(false);
    expect(lines(run.stdout)).toContain("child-ran");
    const shell =
      lines(run.stdout)
        .find((l) => l.startsWith("shell="))
        ?.slice(6) ?? "";
    expect(shell.startsWith(top)).toBe(false);
  });

  it("is not written through a symlink planted at its name", () => {
    const { relative } = launcherPath();
    const dir = workspace({ "demo.sh": '"$SHELL" --version\n', "victim.txt": "secret\n" });
    const tmp = path.join(dir, "tmp");
    const file = path.join(tmp, relative);
    // Our own private directories, but a link where the launcher goes.
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.chmodSync(path.join(tmp, relative.split(path.sep)[0] as string), 0o700);
    const victim = path.join(dir, "victim.txt");
    fs.chmodSync(victim, 0o600);
    fs.symlinkSync(victim, file);
    const run = demoshts(dir, ["--ci", "demo.sh"], { env: { TMPDIR: tmp } });
    expect(run.status, run.stderr).toBe(0);
    expect(fs.readFileSync(victim, "utf8")).toBe("secret\n");
    expect(fs.statSync(victim).mode & 0o777).toBe(0o600);
    expect(fs.lstatSync(file).isSymbolicLink()).toBe(false);
  });
});

describe("a run that did not finish never reports success", () => {
  it("ulimit -n 3 in a demo: exit 1, naming the last step that ran", () => {
    const dir = workspace({ "demo.sh": "echo one\nulimit -n 3\necho two > two.txt\n" });
    const run = demoshts(dir, ["--ci", "demo.sh"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/ended unexpectedly.*demo\.sh:2: ulimit -n 3/);
    expect(fs.existsSync(path.join(dir, "two.txt"))).toBe(false);
  });

  it("a demo removing the session's files from $TMPDIR: exit 1, naming the step", () => {
    const dir = workspace({
      "demo.sh": 'rm -rf "${TMPDIR:-/tmp}"/demoshts-session-*\necho two > two.txt\n',
    });
    const tmp = path.join(dir, "tmp");
    fs.mkdirSync(tmp);
    const run = demoshts(dir, ["--ci", "--keep-going", "demo.sh"], { env: { TMPDIR: tmp } });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/ended unexpectedly.*demo\.sh:1/);
    expect(fs.existsSync(path.join(dir, "two.txt"))).toBe(false);
  });

  it("--keep-going, a failure, then exit 0: still exit 1", () => {
    const dir = workspace({ "demo.sh": "false\nexit 0\n" });
    const run = demoshts(dir, ["--ci", "--keep-going", "demo.sh"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/1 failed/);
  });
});

describe("the demo's own code cannot break the runner", () => {
  it("set -x shows the demo's commands, never the runner's", () => {
    const dir = workspace({ "demo.sh": "set -x\nA=1\necho a-$A\nset +x\necho done\n" });
    const run = demoshts(dir, ["--ci", "demo.sh"]);
    expect(run.status, run.stderr).toBe(0);
    const traced = lines(run.stderr).filter((l) => l.startsWith("+"));
    expect(traced.map((l) => l.replace(/^\++ /, ""))).toEqual(["A=1", "echo a-1", "set +x"]);
  });

  it("IFS=, in a demo: ${A} and ${B} are still filled in where shown", () => {
    const dir = workspace({
      "demo.md":
        '<!-- @SHOW -->\n\n```bash\nA=one B=two\nIFS=,\n```\n\nShown: ${A} ${B}.\n\n```bash\necho "[$IFS]"\n```\n',
    });
    const run = demoshts(dir, ["--ci", "demo.md"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("Shown: one two.");
    expect(lines(run.stdout)).toContain("[,]");
  });

  it("functions named like builtins, and aliases, neither hang nor break the session", () => {
    const names =
      "printf read echo cd eval return set shopt trap command builtin export unset declare local kill exit break source";
    const defs = names.split(" ").map((n) => `${n}() { :; }`);
    const dir = workspace({
      "demo.sh": [
        "set -u",
        ...defs,
        "alias read=false printf=false if=true",
        'nosuch && A=bad || A="good"',
        '/bin/echo "A=$A"',
        "#@fails",
        "false",
        "/bin/echo after",
        "",
      ].join("\n"),
    });
    const run = demoshts(dir, ["--ci", "demo.sh"], { timeout: 10_000 });
    expect(run.hung).toBe(false);
    expect(run.status, run.stderr).toBe(0);
    expect(lines(run.stdout)).toContain("A=good");
    expect(lines(run.stdout)).toContain("after");
  });

  it("bash's own messages name the demo's file and line", () => {
    const dir = workspace({
      "demo.md": [
        "# Title",
        "",
        "```bash",
        "echo one",
        "nosuchcmd",
        "```",
        "",
        "```bash",
        "for i in 1; do",
        "  nosuch2",
        "done",
        'echo "line=$LINENO"',
        "```",
        "",
      ].join("\n"),
      "first.sh": "nosuch0\n",
    });
    const run = demoshts(dir, ["--ci", "--keep-going", "demo.md"]);
    expect(run.stderr).toContain(
      `${path.join(dir, "demo.md")}: line 5: nosuchcmd: command not found`,
    );
    expect(run.stderr).toContain(
      `${path.join(dir, "demo.md")}: line 10: nosuch2: command not found`,
    );
    expect(lines(run.stdout)).toContain("line=12");
    const first = demoshts(dir, ["--ci", "first.sh"]);
    expect(first.stderr).toContain(
      `${path.join(dir, "first.sh")}: line 1: nosuch0: command not found`,
    );
  });
});

describe("the oldest bash", () => {
  /** A bash that reports itself as 3.2, as macOS's /bin/bash does: the real one, renamed. */
  function oldBash(dir: string): string {
    const bin = path.join(dir, "old-bin");
    fs.mkdirSync(bin);
    const file = path.join(bin, "bash");
    fs.writeFileSync(
      file,
      [
        `#!${REAL_BASH}`,
        'args=("$@")',
        'for i in "${!args[@]}"; do',
        "  if [[ ${args[i]} == -c ]]; then",
        "    j=$((i + 1)) s=${args[i+1]}",
        '    s=${s//BASH_VERSINFO/OLD_VERSINFO}; s=${s//\\"\\$BASH\\"/\\"$0\\"}',
        '    args[j]="OLD_VERSINFO=(3 2 57 1 release x86_64-apple-darwin); $s"',
        "  fi",
        "done",
        `exec ${REAL_BASH} "\${args[@]}"`,
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    return bin;
  }

  it("refuses bash 3.2 with exit 2, naming it and how to get a newer one; nothing runs", () => {
    const dir = workspace({ "demo.sh": "touch ran\n" });
    const bin = oldBash(dir);
    const run = demoshts(dir, ["--ci", "demo.sh"], {
      env: { PATH: `${bin}:${process.env.PATH}` },
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`${path.join(bin, "bash")} is bash 3.2.57`);
    expect(run.stderr).toContain("needs bash 4.0 or newer");
    expect(run.stderr).toContain("brew install bash");
    expect(run.stderr).toContain("--bash PATH");
    expect(fs.existsSync(path.join(dir, "ran"))).toBe(false);
  });

  it("--bash PATH and DEMOSHTS_BASH choose another bash, for nested demos too", () => {
    const dir = workspace({
      "demo.sh": 'echo "outer=$BASH"\n"$SHELL" child.sh\n',
      "child.sh": 'echo "inner=$BASH"\n',
    });
    const bin = oldBash(dir);
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const byOption = demoshts(dir, ["--ci", "--bash", REAL_BASH, "demo.sh"], { env });
    expect(byOption.status, byOption.stderr).toBe(0);
    expect(lines(byOption.stdout)).toContain(`outer=${REAL_BASH}`);
    expect(lines(byOption.stdout)).toContain(`inner=${REAL_BASH}`);
    const byEnv = demoshts(dir, ["--ci", "demo.sh"], { env: { ...env, DEMOSHTS_BASH: REAL_BASH } });
    expect(byEnv.status, byEnv.stderr).toBe(0);
  });
});

describe("nothing is left behind", () => {
  it("SIGTERM to demoshts ends a command's child that ignores SIGTERM, and later ones", async () => {
    const sleep = uniqueSleep();
    const late = uniqueSleep();
    const dir = workspace({
      "demo.sh": [
        // A child that ignores SIGTERM, and a loop that keeps starting new processes.
        `bash -c 'trap "" TERM; ${sleep}' &`,
        `bash -c 'trap "" TERM; while :; do ${late} & wait; done' &`,
        "wait",
        "",
      ].join("\n"),
    });
    const child = spawn(process.execPath, [CLI, "--ci", "demo.sh"], {
      cwd: dir,
      env: minimalEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(await eventually(() => processesWith(sleep).length > 0, 10_000)).toBe(true);
    expect(await eventually(() => processesWith(late).length > 0, 10_000)).toBe(true);
    child.kill("SIGTERM");
    expect(await closed).toBe(143);
    expect(await eventually(() => processesWith(sleep).length === 0, 3_000)).toBe(true);
    expect(await eventually(() => processesWith(late).length === 0, 3_000)).toBe(true);
  });

  /** kill -9 of a run of `demoshts ARGS demo.sh` in the middle of a command; then its session must end. */
  async function killedMidCommand(args: readonly string[], within: number): Promise<void> {
    const sleep = uniqueSleep();
    const dir = workspace({ "demo.sh": `echo $$ > session.pid\n${sleep}\n` });
    const child = spawn(process.execPath, [CLI, ...args, "demo.sh"], {
      cwd: dir,
      env: minimalEnv(),
      stdio: ["ignore", "ignore", "ignore"],
    });
    expect(await eventually(() => processesWith(sleep).length > 0, 10_000)).toBe(true);
    const session = Number(fs.readFileSync(path.join(dir, "session.pid"), "utf8"));
    child.kill("SIGKILL");
    expect(await eventually(() => processesWith(sleep).length === 0, within)).toBe(true);
    const gone = (): boolean => {
      try {
        process.kill(session, 0);
        return false;
      } catch {
        return true;
      }
    };
    expect(await eventually(gone, 5_000)).toBe(true);
  }

  it("kill -9 of demoshts: the session notices and ends itself and its command", async () => {
    await killedMidCommand(["--ci"], 5_000);
  });

  it("kill -9 of demoshts recording on a pseudo-terminal: that session ends too", async () => {
    // A session on a pseudo-terminal has no pipe to the runner: its watchdog watches the pid.
    await killedMidCommand(["--ci", "--record", "run.cast"], 6_000);
  });
});

describe("closing", () => {
  it("leaves no session directory behind", () => {
    const dir = workspace({ "demo.sh": "echo hi\n" });
    const tmp = path.join(dir, "tmp");
    fs.mkdirSync(tmp);
    const run = spawnSync(process.execPath, [CLI, "--ci", "demo.sh"], {
      cwd: dir,
      env: minimalEnv({ TMPDIR: tmp }),
      encoding: "utf8",
    });
    expect(run.status).toBe(0);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith("demoshts-session-"))).toEqual([]);
  });
});
