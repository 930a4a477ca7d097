import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  demoshts,
  eventually,
  fence,
  killLeftovers,
  lines,
  processesWith,
  ROOT,
  removeWorkspaces,
  startDemoshts,
  workspace,
} from "./e2e-helpers.js";

// End to end: the built CLI, a real bash, and no terminal anywhere (stdin is /dev/null or a
// pipe), so every run is in CI mode. The assertions are what a user sees: exit codes, the log
// on stdout and stderr, and the files the demo's commands create.

const VERSION = (
  JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }
).version;

/** `sleep` durations unique to this run, so that process checks only see our own sleeps. */
const SLEEP_TAG = `100.${process.pid}`;
let sleeps = 0;
function uniqueSleep(): string {
  sleeps++;
  return `sleep ${SLEEP_TAG}${sleeps}`;
}

/** Bash sessions that a test could leave running (a bug), ended by pid in afterAll. */
const sessionPidFiles: string[] = [];

/** User and system CPU time a process has used, in clock ticks (from /proc: Linux only). */
function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

function exists(dir: string, file: string): boolean {
  return fs.existsSync(path.join(dir, file));
}

afterAll(() => {
  killLeftovers(`sleep ${SLEEP_TAG}`);
  for (const file of sessionPidFiles) {
    try {
      const pid = Number(fs.readFileSync(file, "utf8").trim());
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmdline.includes("--noprofile")) process.kill(pid, "SIGKILL");
    } catch {
      // No pid file, or the session is gone already: nothing to end.
    }
  }
  removeWorkspaces();
});

describe("one bash session for the whole demo", () => {
  it("keeps variables, arrays, functions, aliases, cd, exports and options across Markdown blocks", () => {
    const demo = [
      "# State", // 1
      "",
      "<!-- @SHOW -->",
      "",
      "Setting things up.", // 5
      "",
      fence(
        "X=1", // 8
        "arr=(zero one two)",
        "f() {", // 10
        '  echo "f:$1:$X"',
        "}",
        "function g {",
        '  echo "g:${#arr[@]}"',
        "}", // 15
        "alias hi='echo alias-ran'",
        "mkdir -p sub/dir",
        "cd sub/dir",
        "export EXPORTED=yes",
      ), // 20
      "",
      "A later block.",
      "",
      fence(
        'echo "x=$X y=${Y:-fallback} arr1=${arr[1]}"', // 25
        "f one",
        "g",
        "hi",
        "pwd",
        "bash -c 'echo \"child sees X=$X EXPORTED=$EXPORTED\"'", // 30
        "env | grep '^EXPORTED='",
        "cat <<EOF",
        "heredoc X=$X",
        "EOF",
        "for w in a b; do \\", // 35
        '  echo "for:$w"; \\',
        "done",
        "if [[ $X == 1 && -d . ]]; then \\",
        '  echo "if:yes"; \\',
        "fi", // 40
        "loop() {",
        "  for w in c d; do",
        '    echo "loop:$w"',
        "  done",
        "  if [[ $X == 1 ]]; then", // 45
        '    echo "if2:yes"',
        "  fi",
        "}",
        "loop",
        "echo brace-{a,b}", // 50
        'echo "bash=${BASH_VERSION:+yes}"',
        "false | true",
        "set -o pipefail",
        "#@fails",
        "false | true", // 55
        "echo end",
      ),
      "",
    ].join("\n");
    const dir = workspace({ "demo.md": demo });
    const run = demoshts(dir, ["demo.md"]);
    expect(run.stderr).not.toMatch(/failed with|expected to fail/);
    expect(run.status).toBe(0);
    const out = lines(run.stdout);
    for (const expected of [
      "x=1 y=fallback arr1=one",
      "f:one:1",
      "g:3",
      "alias-ran",
      path.join(dir, "sub", "dir"),
      "child sees X=1 EXPORTED=yes",
      "EXPORTED=yes",
      "heredoc X=1",
      "for:a",
      "for:b",
      "if:yes",
      "loop:c",
      "loop:d",
      "if2:yes",
      "brace-a brace-b",
      "bash=yes",
      "end",
    ]) {
      expect(out, `no line "${expected}" in stdout:\n${run.stdout}`).toContain(expected);
    }
    expect(exists(path.join(dir, "sub"), "dir")).toBe(true);
  });

  it("exports every assignment, also one made inside a function", () => {
    const dir = workspace({
      "demo.sh": [
        "X=1",
        "bash -c 'echo \"X=$X\"'",
        "setz() { Z=3; }",
        "setz",
        "bash -c 'echo \"Z=$Z\"'",
        "",
      ].join("\n"),
    });
    const run = demoshts(dir, ["--ci", "demo.sh"]);
    expect(run.status).toBe(0);
    expect(lines(run.stdout)).toContain("X=1");
    expect(lines(run.stdout)).toContain("Z=3");
  });

  it("keeps the session's own channel out of the commands' way", () => {
    const dir = workspace({
      "demo.sh": [
        // A command's open descriptors: only the standard three (ls adds its own for /proc).
        "ls /proc/self/fd | sort -n | tr '\\n' ' ' > fds.txt",
        "exec 10>ten.txt 11>&1",
        "echo to-ten >&10",
        "exec 10>&- 3>&- 4>&-",
        'echo "still here: $(cat ten.txt)"',
        "",
      ].join("\n"),
    });
    const run = demoshts(dir, ["--ci", "demo.sh"]);
    expect(run.stderr).not.toMatch(/Bad file descriptor/);
    expect(run.status).toBe(0);
    expect(lines(run.stdout)).toContain("still here: to-ten");
    // The same listing from a plain bash started like the test's CLI: whatever this
    // environment itself passes down is there too, and nothing else may be.
    const baseline = spawnSync("bash", ["-c", "ls /proc/self/fd | sort -n | tr '\\n' ' '"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      encoding: "utf8",
    }).stdout;
    expect(fs.readFileSync(path.join(dir, "fds.txt"), "utf8").trim()).toBe(baseline.trim());
  });

  it("keeps $? from one command to the next", () => {
    const dir = workspace({
      "demo.sh": ["#@fails", "sh -c 'exit 5'", 'echo "status=$?"', ""].join("\n"),
    });
    const run = demoshts(dir, ["demo.sh"]);
    expect(run.status).toBe(0);
    expect(lines(run.stdout)).toContain("status=5");
  });
});

describe("$0, the arguments and $SHELL", () => {
  it("gives the script's absolute path as $0, the arguments as $1..., and a runnable $SHELL", () => {
    const dir = workspace({
      "sub/args.sh": [
        'echo "0=$0"',
        'echo "1=$1"',
        'echo "2=$2"',
        'echo "3=$3"',
        'echo "n=$#"',
        'test -x "$SHELL" && [[ $SHELL == /* ]] && echo shell-ok',
        '"$SHELL" --version',
        "",
      ].join("\n"),
    });
    const run = demoshts(dir, ["--ci", "sub/args.sh", "a1", "a 2", "--flag"]);
    expect(run.stderr).not.toMatch(/failed with/);
    expect(run.status).toBe(0);
    const out = lines(run.stdout);
    expect(out).toContain(`0=${path.join(dir, "sub", "args.sh")}`);
    expect(out).toContain("1=a1");
    expect(out).toContain("2=a 2");
    expect(out).toContain("3=--flag");
    expect(out).toContain("n=3");
    expect(out).toContain("shell-ok");
    expect(out).toContain(VERSION);
  });
});

describe("nested demos ($SHELL other-demo)", () => {
  it("runs the child's commands with the parent's variables, in CI mode, without waiting", () => {
    const dir = workspace({
      "parent.md": [
        "# Parent", // 1
        "",
        "<!-- @SHOW -->",
        "",
        fence("NAME=value", "$SHELL child.md one"), // 5-8
        "",
        fence("#@$SHELL child.sh arg1", "echo parent-after"), // 10-13
        "",
      ].join("\n"),
      "child.md": [
        "# Child", // 1
        "",
        fence('echo "child0=$0 arg=$1 NAME=$NAME"', 'touch "from-md-$NAME-$1"'), // 3-6
        "",
        "<!-- @wait -->",
        "",
        fence("echo child-md-done"),
        "",
      ].join("\n"),
      "child.sh": ['touch "from-sh-$NAME-$1"', "#@wait", "echo child-sh-done", ""].join("\n"),
    });
    const run = demoshts(dir, ["parent.md"], { timeout: 10_000 });
    expect(run.hung, `the run hung:\n${run.stdout}\n${run.stderr}`).toBe(false);
    expect(run.stderr).not.toMatch(/failed with/);
    expect(run.status).toBe(0);
    expect(exists(dir, "from-md-value-one")).toBe(true);
    expect(exists(dir, "from-sh-value-arg1")).toBe(true);
    const out = lines(run.stdout);
    expect(out).toContain(`child0=${path.join(dir, "child.md")} arg=one NAME=value`);
    expect(out).toContain("child-md-done");
    expect(out).toContain("child-sh-done");
    expect(out).toContain("parent-after");
    // The child logs its commands as CI mode does: file:line before each.
    expect(run.stdout).toMatch(/^child\.md:4 \$ echo "child0=/m);
    expect(run.stdout).toMatch(/^child\.sh:1 \$ touch "from-sh-/m);
    expect(run.stdout.indexOf("child-sh-done")).toBeLessThan(run.stdout.indexOf("parent-after"));
  });

  it("a failing child demo fails the parent's command, which stops the parent", () => {
    const dir = workspace({
      "parent.sh": ["echo parent-start", "$SHELL child.sh", "touch parent-went-on", ""].join("\n"),
      "child.sh": ["false", "touch child-went-on", ""].join("\n"),
    });
    const run = demoshts(dir, ["parent.sh"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^demoshts: child\.sh:1: failed with status 1: false$/m);
    expect(run.stderr).toMatch(
      /^demoshts: parent\.sh:2: failed with status 1: \$SHELL child\.sh$/m,
    );
    expect(exists(dir, "child-went-on")).toBe(false);
    expect(exists(dir, "parent-went-on")).toBe(false);
  });
});

describe("set -e and exit", () => {
  const errexitScript = (quiet: boolean): string =>
    [
      ...(quiet ? ["DEMOSH_QUIET_FAILURE=true"] : []),
      "set -e",
      "touch one",
      "false || echo recovered",
      "set +e",
      "false",
      "touch two",
      "set -e",
      "false",
      "touch never",
      "",
    ].join("\n");

  it("set -e stops the demo at a later failure (even with --keep-going); set +e turns it off", () => {
    const dir = workspace({ "demo.sh": errexitScript(false) });
    const run = demoshts(dir, ["--keep-going", "demo.sh"]);
    expect(run.status).toBe(1);
    expect(`${run.stdout}${run.stderr}`).toContain("...exiting due to failure.");
    expect(lines(run.stdout)).toContain("recovered");
    expect(exists(dir, "one")).toBe(true);
    expect(exists(dir, "two")).toBe(true);
    expect(exists(dir, "never")).toBe(false);
  });

  it("DEMOSH_QUIET_FAILURE=true assigned in the script suppresses the message", () => {
    const dir = workspace({ "demo.sh": errexitScript(true) });
    const run = demoshts(dir, ["--keep-going", "demo.sh"]);
    expect(run.status).toBe(1);
    expect(`${run.stdout}${run.stderr}`).not.toContain("exiting due to failure");
    expect(exists(dir, "two")).toBe(true);
    expect(exists(dir, "never")).toBe(false);
  });

  const guard = [
    "set -e",
    "DEMOSH_QUIET_FAILURE=true",
    "if [ ! -f config.yaml ]; then \\",
    '  echo "skip: no config.yaml"; \\',
    "  exit 1; \\",
    "fi",
    "touch went-on",
    "",
  ].join("\n");

  it("a guard block with set -e and DEMOSH_QUIET_FAILURE stops silently with status 1", () => {
    const dir = workspace({ "demo.sh": guard });
    const run = demoshts(dir, ["demo.sh"]);
    expect(run.status).toBe(1);
    expect(lines(run.stdout)).toContain("skip: no config.yaml");
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/exiting due to failure|failed with/);
    expect(exists(dir, "went-on")).toBe(false);
  });

  it("the same guard lets the demo go on when its condition is not met", () => {
    const dir = workspace({ "demo.sh": guard, "config.yaml": "a: 1\n" });
    const run = demoshts(dir, ["demo.sh"]);
    expect(run.status).toBe(0);
    expect(lines(run.stdout)).not.toContain("skip: no config.yaml");
    expect(exists(dir, "went-on")).toBe(true);
  });

  it("exit 3 ends the demo with status 3 and nothing after it runs", () => {
    const dir = workspace({
      "demo.md": ["# Exit", "", fence("echo before", "exit 3", "touch after"), ""].join("\n"),
    });
    const run = demoshts(dir, ["demo.md"]);
    expect(run.status).toBe(3);
    expect(lines(run.stdout)).toContain("before");
    expect(exists(dir, "after")).toBe(false);
  });
});

describe("CI failure policy", () => {
  it("stops at the first failing command, naming its file:line and status (exit 1)", () => {
    const dir = workspace({
      "demo.sh": ["echo one", "sh -c 'exit 7'", "touch not-reached", ""].join("\n"),
    });
    const run = demoshts(dir, ["demo.sh"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^demoshts: demo\.sh:2: failed with status 7: sh -c 'exit 7'$/m);
    expect(lines(run.stdout)).toContain("one");
    expect(exists(dir, "not-reached")).toBe(false);
  });

  it("--keep-going runs the rest and exits 1, listing every failure", () => {
    const dir = workspace({
      "demo.sh": ["echo one", "sh -c 'exit 7'", "echo two", "false", "touch reached", ""].join(
        "\n",
      ),
    });
    const run = demoshts(dir, ["--ci", "--keep-going", "demo.sh"]);
    expect(run.status).toBe(1);
    expect(exists(dir, "reached")).toBe(true);
    expect(lines(run.stdout)).toContain("two");
    // The summary at the end lists both, indented, after the one-line count.
    const summary = run.stderr.slice(run.stderr.search(/2 failed/));
    expect(summary).toMatch(/^ {2}demo\.sh:2: failed with status 7: sh -c 'exit 7'$/m);
    expect(summary).toMatch(/^ {2}demo\.sh:4: failed with status 1: false$/m);
  });

  it("a failure after #@fails, #@: fails or <!-- @fails --> is fine (exit 0)", () => {
    const dir = workspace({
      "demo.sh": [
        "#@fails",
        "false",
        "#@: fails",
        "sh -c 'exit 4'",
        "$SHELL demo.md",
        "touch sh-end",
        "",
      ].join("\n"),
      "demo.md": ["# Md", "", "<!-- @fails -->", fence("false"), fence("touch md-end"), ""].join(
        "\n",
      ),
    });
    const run = demoshts(dir, ["demo.sh"]);
    expect(run.stderr).not.toMatch(/failed with|expected to fail/);
    expect(run.status).toBe(0);
    expect(exists(dir, "md-end")).toBe(true);
    expect(exists(dir, "sh-end")).toBe(true);
  });

  it("a command marked @fails that succeeds is reported, and the run exits 1", () => {
    const dir = workspace({ "demo.sh": ["#@fails", "true", "touch not-reached", ""].join("\n") });
    const run = demoshts(dir, ["demo.sh"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/demo\.sh:2: was expected to fail \(@fails\) but succeeded: true/);
    expect(exists(dir, "not-reached")).toBe(false);
  });
});

describe("timeouts", () => {
  // The limits are a few hundred milliseconds: long enough to tell from the run's own start-up
  // cost, short enough that the suite does not wait seconds on each.
  it("--timeout 400ms kills the command and its children; --keep-going goes on in the same session", async () => {
    const sleep = uniqueSleep();
    const dir = workspace({
      "demo.sh": ["T=42", `bash -c '${sleep} & ${sleep}; wait'`, 'echo "after T=$T"', ""].join(
        "\n",
      ),
    });
    const run = demoshts(dir, ["--timeout", "400ms", "--keep-going", "demo.sh"]);
    expect(run.ms).toBeGreaterThanOrEqual(400);
    expect(run.ms).toBeLessThan(1900);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^demoshts: demo\.sh:2: timed out after 400ms and was killed: bash -c/m,
    );
    expect(lines(run.stdout)).toContain("after T=42");
    expect(await eventually(() => processesWith(sleep).length === 0, 300)).toBe(true);
  });

  it("a command that ignores SIGTERM is killed anyway, and the run stops there", async () => {
    const sleep = uniqueSleep();
    const dir = workspace({
      "demo.sh": [`bash -c "trap '' TERM; ${sleep}"`, "touch not-reached", ""].join("\n"),
    });
    const run = demoshts(dir, ["--ci", "--timeout", "400ms", "demo.sh"]);
    expect(run.ms).toBeGreaterThanOrEqual(400);
    expect(run.ms).toBeLessThan(2400); // the limit, then 0.5 s of grace before SIGKILL
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/demo\.sh:1: timed out after 400ms/);
    expect(exists(dir, "not-reached")).toBe(false);
    expect(await eventually(() => processesWith(sleep).length === 0, 300)).toBe(true);
  });

  it("#@timeout 400ms limits only the command after it", async () => {
    const sleep = uniqueSleep();
    const dir = workspace({
      "demo.sh": [
        "T=42",
        "#@timeout 400ms",
        sleep,
        'echo "after T=$T"',
        "sleep 0.6; echo not-limited",
        "",
      ].join("\n"),
    });
    const run = demoshts(dir, ["--keep-going", "demo.sh"]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^demoshts: demo\.sh:3: timed out after 400ms and was killed: sleep /m,
    );
    expect(run.stderr).toMatch(/1 failed/);
    expect(lines(run.stdout)).toContain("after T=42");
    expect(lines(run.stdout)).toContain("not-limited");
    expect(run.ms).toBeLessThan(3000);
    expect(await eventually(() => processesWith(sleep).length === 0, 300)).toBe(true);
  });

  it("--timeout also ends a command made only of bash builtins", () => {
    const dir = workspace({
      "demo.sh": ["echo $$ > session.pid", "while :; do :; done", "echo after-loop", ""].join("\n"),
    });
    sessionPidFiles.push(path.join(dir, "session.pid"));
    const run = demoshts(dir, ["--timeout", "400ms", "--keep-going", "demo.sh"], {
      timeout: 3_400,
    });
    expect(run.hung, "the run hung past its 400ms timeout").toBe(false);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/demo\.sh:2: timed out after 400ms/);
    expect(lines(run.stdout)).toContain("after-loop");
  });
});

describe("a timed-out command is stopped completely", () => {
  /** The lines a demo printed that start with `prefix` (the echoed commands left out). */
  const printed = (stdout: string, prefix: string): string[] =>
    lines(stdout).filter((l) => l.startsWith(prefix));
  const timedOut = (stderr: string): number =>
    (stderr.match(/^demoshts: demo\.sh:\d+: timed out after/gm) ?? []).length;

  it("nothing after the killed process runs, however the runner's signals and bash interleave", () => {
    const dir = workspace({
      "demo.sh": [
        // Three hundred grandchildren are signalled after the sleep bash waits for: a wide
        // window in which bash, not yet told to abandon the command, would go on.
        "#@timeout 1s",
        "( exec >/dev/null 2>&1; for i in $(seq 300); do sleep 5 & done; wait ) & sleep 30; echo after-fg",
        "for i in 1 2 3; do sleep 30; echo after-$i; done; echo after-loop",
        "while :; do sleep 1; done; echo after-while",
        "echo reached",
        "",
      ].join("\n"),
    });
    const run = demoshts(dir, ["--ci", "--timeout", "300ms", "--keep-going", "demo.sh"]);
    expect(run.hung).toBe(false);
    expect(printed(run.stdout, "after-")).toEqual([]);
    expect(lines(run.stdout)).toContain("reached");
    expect(timedOut(run.stderr), run.stderr).toBe(3);
  });

  it("many timed-out commands in a row: none runs on past its killed sleep", () => {
    const steps = Array.from({ length: 12 }, (_, i) => `sleep 5; echo after-${i}`);
    const dir = workspace({ "demo.sh": [...steps, "echo reached", ""].join("\n") });
    const run = demoshts(dir, ["--ci", "--timeout", "100ms", "--keep-going", "demo.sh"]);
    expect(run.hung).toBe(false);
    expect(printed(run.stdout, "after-")).toEqual([]);
    expect(lines(run.stdout)).toContain("reached");
    expect(timedOut(run.stderr), run.stderr).toBe(12);
  });
});

describe("exit codes", () => {
  it("0 for a clean run", () => {
    const dir = workspace({ "demo.sh": "echo fine\n" });
    const run = demoshts(dir, ["demo.sh"], { pipeStdin: true });
    expect(run.status).toBe(0);
    expect(lines(run.stdout)).toContain("fine");
  });

  it("2, with nothing run, for a script that does not parse", () => {
    const dir = workspace({
      "demo.md": [
        "# Broken",
        "",
        fence("touch created"),
        "",
        "<!-- @macro m -->",
        fence("echo in-macro"),
        "",
      ].join("\n"),
    });
    const run = demoshts(dir, ["demo.md"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^demo\.md:7: error: .*never closed/m);
    expect(run.stderr).toContain("nothing was executed");
    expect(exists(dir, "created")).toBe(false);
  });

  it("2, with nothing run, for --timeout abc", () => {
    const dir = workspace({ "demo.sh": "touch created\n" });
    const run = demoshts(dir, ["--timeout", "abc", "demo.sh"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--timeout abc");
    expect(exists(dir, "created")).toBe(false);
  });

  it("2, with nothing run, for an unknown option", () => {
    const dir = workspace({ "demo.sh": "touch created\n" });
    const run = demoshts(dir, ["--ci", "--bogus", "demo.sh"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--bogus");
    expect(exists(dir, "created")).toBe(false);
  });
});

describe("the CI log", () => {
  const demo = [
    "Before the show: hidden.", // 1
    "",
    "<!-- @SHOW -->",
    "",
    "Commentary for the audience.", // 5
    "",
    fence('echo "output of one"'), // 7-9
    "",
    "More commentary.", // 11
    "",
    fence("echo two; echo three"), // 13-15
    "",
  ].join("\n");

  it("prints commentary while showing, and each command as file:line $ command before its output", () => {
    const dir = workspace({ "demo.md": demo });
    const run = demoshts(dir, ["demo.md"]);
    expect(run.status).toBe(0);
    const out = lines(run.stdout);
    const at = (text: string): number => {
      const i = out.findIndex((l) => l.includes(text));
      expect(i, `no "${text}" in stdout:\n${run.stdout}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    expect(run.stdout).not.toContain("Before the show");
    expect(out).toContain('demo.md:8 $ echo "output of one"');
    expect(out).toContain("demo.md:14 $ echo two; echo three");
    const order = [
      at("Commentary for the audience."),
      out.indexOf('demo.md:8 $ echo "output of one"'),
      out.indexOf("output of one"),
      at("More commentary."),
      out.indexOf("demo.md:14 $ echo two; echo three"),
      out.indexOf("two"),
      out.indexOf("three"),
    ];
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it("--quiet drops the commentary but still prints every command with its file:line", () => {
    const dir = workspace({
      "demo.md": demo,
      "demo.sh": ["#@SHOW", "# a shell comment", "echo from-sh", ""].join("\n"),
    });
    const loud = demoshts(dir, ["demo.sh"]);
    expect(loud.stdout).toContain("a shell comment");
    const quiet = demoshts(dir, ["--ci", "--quiet", "demo.md"]);
    expect(quiet.status).toBe(0);
    expect(quiet.stdout).not.toContain("Commentary");
    expect(quiet.stdout).not.toContain("More commentary");
    const out = lines(quiet.stdout);
    expect(out).toContain('demo.md:8 $ echo "output of one"');
    expect(out.indexOf("output of one")).toBe(out.indexOf('demo.md:8 $ echo "output of one"') + 1);
    expect(out).toContain("demo.md:14 $ echo two; echo three");
    const quietSh = demoshts(dir, ["--quiet", "demo.sh"]);
    expect(quietSh.stdout).not.toContain("a shell comment");
    expect(lines(quietSh.stdout)).toContain("demo.sh:3 $ echo from-sh");
  });
});

describe("when the run is cut short", () => {
  it("bash killed from outside during a command: a clear message, non-zero, no hang", () => {
    const dir = workspace({
      "demo.sh": ["echo before", "kill -9 $$", "touch not-reached", ""].join("\n"),
    });
    for (const extra of [[], ["--keep-going"]]) {
      const run = demoshts(dir, [...extra, "demo.sh"], { timeout: 5_000 });
      expect(run.hung, "the run hung").toBe(false);
      expect(run.status).not.toBe(0);
      expect(run.status).not.toBeNull();
      expect(run.stderr).toMatch(/shell session ended unexpectedly.*demo\.sh:2/);
      expect(exists(dir, "not-reached")).toBe(false);
    }
  });

  it("SIGINT to an unattended run ends it promptly with 130; later commands do not run", async () => {
    const sleep = uniqueSleep();
    const dir = workspace({
      "demo.sh": ["echo started", sleep, "touch after-interrupt", ""].join("\n"),
    });
    const child = startDemoshts(dir, ["--ci", "demo.sh"]);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      expect(await eventually(() => processesWith(sleep).length > 0, 5_000)).toBe(true);
      expect(stdout).toContain(`demo.sh:2 $ ${sleep}`);
      const sent = performance.now();
      child.kill("SIGINT");
      const code = await Promise.race([
        closed,
        new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 5_000)),
      ]);
      const took = performance.now() - sent;
      expect(code).toBe(130);
      expect(took).toBeLessThan(1_500);
      expect(stderr).toMatch(/interrupted/);
      expect(exists(dir, "after-interrupt")).toBe(false);
      expect(await eventually(() => processesWith(sleep).length === 0, 300)).toBe(true);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    }
  });

  it("SIGINT also ends a command made only of bash builtins", async () => {
    const dir = workspace({
      "demo.sh": ["echo $$ > session.pid", "while :; do :; done", "touch after", ""].join("\n"),
    });
    sessionPidFiles.push(path.join(dir, "session.pid"));
    const child = startDemoshts(dir, ["--ci", "demo.sh"]);
    let stdout = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      expect(await eventually(() => stdout.includes("demo.sh:2 $ while"), 5_000)).toBe(true);
      // The loop is running once the session's bash is using the CPU.
      const pid = Number(fs.readFileSync(path.join(dir, "session.pid"), "utf8"));
      const start = cpuTicks(pid);
      expect(await eventually(() => cpuTicks(pid) > start + 1, 5_000)).toBe(true);
      child.kill("SIGINT");
      const code = await Promise.race([
        closed,
        new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 2_000)),
      ]);
      expect(code).toBe(130);
      expect(exists(dir, "after")).toBe(false);
    } finally {
      // A second SIGINT ends a run that ignored the first; SIGTERM if even that fails.
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    }
  });
});

describe("hooks", () => {
  const demo = [
    "#@hook show_x X",
    "#@ifhook show_x",
    "touch ifhook-ran",
    "#@endif",
    "show_x",
    "touch end",
    "",
  ].join("\n");

  it("without DEMO_HOOK_X, the @ifhook body is skipped and the hook does nothing", () => {
    for (const env of [{}, { DEMO_HOOK_X: "" }] as Record<string, string>[]) {
      const dir = workspace({ "demo.sh": demo });
      const run = demoshts(dir, ["demo.sh"], { env });
      expect(run.status).toBe(0);
      expect(exists(dir, "end")).toBe(true);
      expect(exists(dir, "ifhook-ran")).toBe(false);
      expect(exists(dir, "hooked")).toBe(false);
    }
  });

  it("with DEMO_HOOK_X set, the @ifhook body runs and the hook runs its text", () => {
    const dir = workspace({ "demo.sh": demo });
    const run = demoshts(dir, ["demo.sh"], { env: { DEMO_HOOK_X: "touch hooked" } });
    expect(run.status).toBe(0);
    expect(exists(dir, "ifhook-ran")).toBe(true);
    expect(exists(dir, "hooked")).toBe(true);
    expect(exists(dir, "end")).toBe(true);
  });
});

describe("a CI log has no screen codes", () => {
  it("wait_clear and @clear write nothing when standard output is not a terminal, even with TERM set", () => {
    const cwd = workspace({
      "demo.md": [
        "# Demo",
        "```bash",
        "echo one",
        "#@wait_clear",
        "#@clear",
        "echo two",
        "```",
        "",
      ].join("\n"),
    });
    const run = demoshts(cwd, ["--ci", "demo.md"], { env: { TERM: "xterm-256color" } });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("one\n");
    expect(run.stdout).toContain("two\n");
    expect(run.stdout).not.toContain("\u001b");
    expect(run.stderr).not.toContain("\u001b");
  });

  it("a command's own clear still runs (it is the demo's, not the runner's)", () => {
    const cwd = workspace({ "demo.sh": "clear; echo cleared\n" });
    const run = demoshts(cwd, ["--ci", "demo.sh"], { env: { TERM: "xterm-256color" } });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("\u001b[");
  });
});
