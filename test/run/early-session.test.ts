import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { earlySession } from "../../src/cli/warm.js";
import { BashSession } from "../../src/session/bash.js";
import { demoshts, processesWith, removeWorkspaces, workspace } from "./e2e-helpers.js";

// A live run starts its bash before the rest of the tool has loaded (src/cli.ts), and takes
// that session when it is the one the run asks for. These tests hold it to what a user must
// not be able to tell apart from a session started when the run asked for it, and to the
// promise that nothing of a demo runs before the demo has been read whole.

afterEach(removeWorkspaces);

const host = (argv: string[], extra: Partial<Parameters<typeof earlySession>[0]> = {}) => ({
  argv,
  env: {},
  cwd: "/talks",
  outputPiped: false,
  ...extra,
});

describe("which session a command line will start", () => {
  it("guesses the demo, its arguments and the bash of a live run", () => {
    expect(earlySession(host(["demo.md"]))).toEqual({
      bash: undefined,
      argv0: "/talks/demo.md",
      args: [],
      cwd: "/talks",
    });
    expect(earlySession(host(["--ci", "--timeout", "5s", "sub/demo.sh", "a", "b c"]))).toEqual({
      bash: undefined,
      argv0: "/talks/sub/demo.sh",
      args: ["a", "b c"],
      cwd: "/talks",
    });
    expect(
      earlySession(host(["--from=3", "demo.md", "--", "--ci"], { env: { DEMOSHTS_BASH: "/b" } })),
    ).toMatchObject({ bash: "/b", argv0: "/talks/demo.md", args: ["--ci"] });
  });

  it("starts nothing for a dry run, a check, a usage error or a session of another kind", () => {
    for (const argv of [
      ["--dry-run", "demo.md"],
      ["-V"],
      ["--help"],
      ["check", "demo.md"],
      ["doctor", "demo.md"],
      ["export", "rec.cast"],
      ["--bash", "/usr/bin/bash", "demo.md"],
      ["--record", "talk.cast", "demo.md"],
      ["--replay", "talk.cast", "demo.md"],
      ["demo.md", "--ci"],
      ["--no-such-option", "demo.md"],
      ["--", "demo.md"],
      [],
    ]) {
      expect(earlySession(host(argv)), argv.join(" ")).toBeUndefined();
    }
  });

  it("starts nothing when bash would read $BASH_ENV, or output is passed through for a report", () => {
    expect(earlySession(host(["demo.md"], { env: { BASH_ENV: "/x" } }))).toBeUndefined();
    const report = ["--report", "junit=r.xml", "demo.md"];
    expect(earlySession(host(report, { outputPiped: true }))).toBeUndefined();
    expect(earlySession(host(report))).toBeDefined();
    const nested = { DEMOSHTS_INHERIT: "{}", DEMOSHTS_CHANNEL: "/tmp/c" };
    expect(earlySession(host(["demo.md"], { env: nested, outputPiped: true }))).toBeUndefined();
    expect(earlySession(host(["demo.md"], { env: nested }))).toBeDefined();
  });
});

describe("a session started early", () => {
  const dir = () => fs.realpathSync(workspace());

  it("is taken with the runner's own variables set before the first command", async () => {
    const cwd = dir();
    const env = { PATH: process.env.PATH ?? "", HOME: cwd, KEEP: "same", DEMOSHTS_OLD: "gone" };
    const session = new BashSession({ argv0: `${cwd}/demo.sh`, args: ["one"], env, cwd });
    const { DEMOSHTS_OLD: _, ...rest } = env;
    const runner = { ...rest, SHELL: "/launcher it's", DEMOSHTS_INHERIT: '{"ci":true}' };
    expect(session.adopt({ argv0: `${cwd}/demo.sh`, args: ["one"], env: runner, cwd })).toBe(true);
    // Once only.
    expect(session.adopt({ argv0: `${cwd}/demo.sh`, args: ["one"], env: runner, cwd })).toBe(false);
    expect((await session.ready()).ok).toBe(true);
    const out = path.join(cwd, "out");
    const run = await session.run(
      `printf '%s|' "$0" "$1" "$SHELL" "$DEMOSHTS_INHERIT" "\${DEMOSHTS_OLD-unset}" "$KEEP" > ${out}; env | grep -c '^SHELL=' >> ${out}`,
    );
    expect(run.status).toBe(0);
    expect(fs.readFileSync(out, "utf8")).toBe(
      `${cwd}/demo.sh|one|/launcher it's|{"ci":true}|unset|same|1\n`,
    );
    await session.close();
  });

  it("is not taken for another demo, arguments, directory, bash or variable", async () => {
    const cwd = dir();
    const env = { PATH: process.env.PATH ?? "", HOME: cwd };
    const start = { argv0: `${cwd}/demo.sh`, args: ["one"], env, cwd };
    const session = new BashSession(start);
    for (const other of [
      { ...start, argv0: `${cwd}/other.sh` },
      { ...start, args: ["two"] },
      { ...start, args: [] },
      { ...start, cwd: "/" },
      { ...start, bash: "/bin/bash-other" },
      { ...start, env: { ...env, LANG: "C" } },
      { ...start, env: { PATH: env.PATH } },
      { ...start, doneMark: "!" },
    ]) {
      expect(session.adopt(other)).toBe(false);
    }
    expect(session.adopt(start)).toBe(true);
    await session.close();
  });
});

describe("a live run", () => {
  /** A bash that notes each start (its pid) in `log`, then is the real bash. */
  function loggingBash(where: string): { bash: string; log: string } {
    const log = path.join(where, "bash.log");
    const bash = path.join(where, "logging-bash");
    // Not on PATH itself: `bash` there is the real one.
    fs.writeFileSync(bash, `#!/usr/bin/env bash\necho "$$" >> '${log}'\nexec bash "$@"\n`, {
      mode: 0o755,
    });
    return { bash, log };
  }
  const starts = (log: string): string[] =>
    fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : [];

  const demo = [
    'printf "%s|%s|%s|%s\\n" "$0" "$1" "${SHELL##*/}" "${DEMOSHTS_BASH##*/}"',
    "echo second",
  ].join("\n");

  it("starts one bash, and its demo sees what a session started later would", () => {
    const cwd = fs.realpathSync(workspace({ "demo.sh": `${demo}\n` }));
    const { bash, log } = loggingBash(cwd);
    const early = demoshts(cwd, ["--ci", "demo.sh", "arg"], { env: { DEMOSHTS_BASH: bash } });
    expect(early.stderr).toContain("2 commands run, 0 failed");
    expect(early.status).toBe(0);
    expect(starts(log)).toHaveLength(1);
    // --report with output that is not a terminal passes output through: no early session.
    const later = demoshts(cwd, ["--ci", "--report", "junit=r.xml", "demo.sh", "arg"], {
      env: { DEMOSHTS_BASH: bash },
    });
    expect(later.status).toBe(0);
    expect(starts(log)).toHaveLength(2);
    const seen = (out: string) => out.split("\n").find((l) => l.startsWith("/"));
    expect(seen(early.stdout)).toBe(`${cwd}/demo.sh|arg|demoshts|logging-bash`);
    expect(seen(later.stdout)).toBe(seen(early.stdout));
  });

  it("of a demo that does not parse runs none of it, and ends the bash it started", () => {
    const cwd = fs.realpathSync(
      workspace({ "demo.md": "# Broken\n\n```bash\ntouch created\n```\n\n<!-- @macro m -->\n" }),
    );
    const { bash, log } = loggingBash(cwd);
    const run = demoshts(cwd, ["demo.md"], { env: { DEMOSHTS_BASH: bash } });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("nothing was executed");
    expect(fs.existsSync(path.join(cwd, "created"))).toBe(false);
    // Ended before the run returned, whether or not it had got as far as noting its start.
    expect(processesWith(path.join(cwd, "demo.md"))).toEqual([]);
    for (const pid of starts(log)) expect(fs.existsSync(`/proc/${pid}`)).toBe(false);
  });

  it("with $BASH_ENV set starts no bash before the demo is read", () => {
    const cwd = fs.realpathSync(
      workspace({
        "demo.md": "# Broken\n\n```bash\ntrue\n```\n\n<!-- @macro m -->\n",
        "env.sh": "touch from-bash-env\n",
      }),
    );
    const { bash, log } = loggingBash(cwd);
    const run = demoshts(cwd, ["demo.md"], {
      env: { DEMOSHTS_BASH: bash, BASH_ENV: path.join(cwd, "env.sh") },
    });
    expect(run.status).toBe(2);
    expect(starts(log)).toEqual([]);
    expect(fs.existsSync(path.join(cwd, "from-bash-env"))).toBe(false);
  });

  it("starts no bash for a dry run or a check", () => {
    const cwd = fs.realpathSync(workspace({ "demo.sh": `${demo}\n` }));
    const { bash, log } = loggingBash(cwd);
    expect(demoshts(cwd, ["--dry-run", "demo.sh"], { env: { DEMOSHTS_BASH: bash } }).status).toBe(
      0,
    );
    expect(demoshts(cwd, ["check", "demo.sh"], { env: { DEMOSHTS_BASH: bash } }).status).toBe(0);
    expect(starts(log)).toEqual([]);
  });
});
