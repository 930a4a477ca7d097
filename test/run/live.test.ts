import { describe, expect, it } from "vitest";
import { MemoryChannel, runLive } from "./fakes.js";

const lines = (...l: string[]) => `${l.join("\n")}\n`;
const RETURN = "\r";

describe("presenter: modes and keys", () => {
  it("runs hidden commands without showing them; shows and waits once @SHOW is seen", async () => {
    const run = await runLive(
      { "demo.sh": lines("setup", "#@SHOW", "# Look:", "echo one", "echo two") },
      "demo.sh",
      { keys: [RETURN, RETURN] },
    );
    expect(run.code).toBe(0);
    expect(run.shell.commands).toEqual(["setup", "echo one", "echo two"]);
    expect(run.stdout.plain).toBe("# Look:\n$ echo one\n$ echo two\n");
    expect(run.keys?.left).toBe(0);
  });

  it("types each character with a delay within the typing range, from the random source", async () => {
    const run = await runLive({ "demo.sh": lines("#@SHOW", "echo hi") }, "demo.sh", {
      keys: [RETURN],
    });
    // random() is 0.5: every delay is the middle of 10-100 ms, one per character typed.
    expect(run.keys?.delays).toEqual(Array(7).fill(55));
  });

  it("RETURN while typing finishes the command and runs it without a further wait", async () => {
    const run = await runLive({ "demo.sh": lines("#@SHOW", "echo hello") }, "demo.sh", {
      keys: [`@${RETURN}`],
    });
    expect(run.shell.commands).toEqual(["echo hello"]);
    expect(run.stdout.plain).toBe("$ echo hello\n");
    expect(run.keys?.delays).toHaveLength(1);
  });

  it("SPACE while typing shows the rest at once, then waits for RETURN", async () => {
    const run = await runLive({ "demo.sh": lines("#@SHOW", "echo hello") }, "demo.sh", {
      keys: ["@ ", RETURN],
    });
    expect(run.shell.commands).toEqual(["echo hello"]);
    expect(run.keys?.delays).toHaveLength(1);
    expect(run.keys?.left).toBe(0);
  });

  it("+ skips the command, saying ...skipping, and goes on", async () => {
    const run = await runLive(
      { "demo.sh": lines("#@SHOW", "rm -rf /tmp/x", "echo next") },
      "demo.sh",
      {
        keys: ["+", RETURN],
      },
    );
    expect(run.shell.commands).toEqual(["echo next"]);
    expect(run.stdout.plain).toContain("$ rm -rf /tmp/x\n...skipping\n$ echo next\n");
  });

  it("- goes back: shows the previous command at once and runs it again", async () => {
    const run = await runLive({ "demo.sh": lines("#@SHOW", "echo one", "echo two") }, "demo.sh", {
      keys: [RETURN, "-", RETURN, RETURN],
    });
    expect(run.shell.commands).toEqual(["echo one", "echo one", "echo two"]);
    // The repeated command is shown at once: no typing delays for it.
    expect(run.keys?.delays).toHaveLength("echo one".length + "echo two".length * 2);
  });

  it("- before the first command says there is nothing earlier and waits again", async () => {
    const run = await runLive({ "demo.sh": lines("#@SHOW", "echo one") }, "demo.sh", {
      keys: ["-", RETURN],
    });
    expect(run.stdout.plain).toContain("...nothing earlier to repeat!");
    expect(run.shell.commands).toEqual(["echo one"]);
  });

  it("Q quits with status 0 and runs nothing more", async () => {
    const run = await runLive({ "demo.sh": lines("#@SHOW", "echo one", "echo two") }, "demo.sh", {
      keys: [RETURN, "Q"],
    });
    expect(run.code).toBe(0);
    expect(run.shell.commands).toEqual(["echo one"]);
    expect(run.shell.closed).toBe(true);
  });

  it("ignores other keys at a wait (lower-case q included)", async () => {
    const run = await runLive({ "demo.sh": lines("#@SHOW", "echo one") }, "demo.sh", {
      keys: ["q", "x", "\u001b", RETURN],
    });
    expect(run.shell.commands).toEqual(["echo one"]);
  });

  it("@wait waits for a key even while hidden; @waitafter waits after the command", async () => {
    const run = await runLive(
      { "demo.sh": lines("#@wait", "echo hidden", "#@SHOW", "#@waitafter", "echo shown") },
      "demo.sh",
      { keys: [RETURN, RETURN, RETURN] },
    );
    expect(run.shell.commands).toEqual(["echo hidden", "echo shown"]);
    expect(run.keys?.left).toBe(0);
  });

  it("drops keys typed during a command, on a terminal", async () => {
    const run = await runLive({ "demo.sh": lines("#@SHOW", "echo one") }, "demo.sh", {
      keys: [RETURN],
    });
    expect(run.shell.options[0]?.dropKeys).toBe(true);
    expect(run.keys?.releases).toBeGreaterThan(0);
  });
});

describe("what is shown", () => {
  it("fills ${NAME} with the session's value in commands and commentary; $NAME stays as written", async () => {
    const run = await runLive(
      {
        "demo.md": lines(
          "```bash",
          "INGRESS_IP=10.0.0.7",
          "```",
          "<!-- @SHOW -->",
          "Open http://${INGRESS_IP}/gui/ now; ${UNSET} stays.",
          "```bash",
          "curl http://${INGRESS_IP}/ $INGRESS_IP",
          "```",
        ),
      },
      "demo.md",
      { keys: [RETURN] },
    );
    expect(run.stdout.plain).toContain("Open http://10.0.0.7/gui/ now; ${UNSET} stays.");
    expect(run.stdout.plain).toContain("$ curl http://10.0.0.7/ $INGRESS_IP");
    expect(run.shell.commands).toContain("curl http://${INGRESS_IP}/ $INGRESS_IP");
  });

  it("prints @print text even while hidden, filled in, without quotes", async () => {
    const run = await runLive({ "demo.sh": lines("X=1", '#@print "# X is ${X}"') }, "demo.sh", {
      keys: [],
    });
    expect(run.stdout.plain).toBe("# X is 1\n");
  });

  it("shows runs of blank lines as one", async () => {
    const run = await runLive({ "demo.sh": lines("#@SHOW", "# a", "", "", "", "# b") }, "demo.sh", {
      keys: [],
    });
    expect(run.stdout.plain).toBe("# a\n\n# b\n");
  });
});

describe("macros and hooks", () => {
  it("runs a macro's body hidden; a call typed as a command is shown and waited on first", async () => {
    const run = await runLive(
      {
        "demo.sh": lines("#@macro setup", "  echo in-macro", "#@end", "#@SHOW", "setup", "#@setup"),
      },
      "demo.sh",
      { keys: [RETURN] },
    );
    expect(run.shell.commands).toEqual(["echo in-macro", "echo in-macro"]);
    expect(run.stdout.plain).toBe("$ setup\n");
  });

  it("defines hook functions first and decides @ifhook from the session's variables", async () => {
    const demo = lines("#@hook show_x X", "#@ifhook show_x", "  #@show_x", "#@endif", "echo end");
    const off = await runLive({ "demo.sh": demo }, "demo.sh", { keys: [] });
    expect(off.shell.commands).toEqual(['show_x() { eval "${DEMO_HOOK_X:-:}"; }', "echo end"]);
    const on = await runLive({ "demo.sh": demo }, "demo.sh", {
      keys: [],
      vars: { DEMO_HOOK_X: "open x" },
    });
    expect(on.shell.commands.slice(1)).toEqual(["show_x", "echo end"]);
  });
});

describe("failures", () => {
  const failing = (command: string) => ({ status: command.startsWith("false") ? 1 : 0 });

  it("on stage, goes on after a failure unless set -e is on", async () => {
    const run = await runLive({ "demo.sh": lines("false", "echo after") }, "demo.sh", {
      keys: [],
      outcome: failing,
    });
    expect(run.code).toBe(0);
    expect(run.shell.commands).toEqual(["false", "echo after"]);
  });

  it("with set -e, stops at a failure, says so, and exits 1", async () => {
    const run = await runLive({ "demo.sh": lines("set -e", "false", "echo never") }, "demo.sh", {
      keys: [],
      outcome: failing,
    });
    expect(run.code).toBe(1);
    expect(run.shell.commands).toEqual(["set -e", "false"]);
    expect(run.stdout.plain).toContain("...exiting due to failure.");
  });

  it("DEMOSH_QUIET_FAILURE, set in the script, silences the message", async () => {
    const run = await runLive(
      { "demo.sh": lines("set -e", "DEMOSH_QUIET_FAILURE=true", "false") },
      "demo.sh",
      { keys: [], outcome: failing },
    );
    expect(run.code).toBe(1);
    expect(run.stdout.plain).not.toContain("exiting");
  });

  it("exit N ends the demo with status N", async () => {
    const run = await runLive({ "demo.sh": lines("exit 3", "echo never") }, "demo.sh", {
      keys: [],
    });
    expect(run.code).toBe(3);
    expect(run.shell.commands).toEqual(["exit 3"]);
  });

  it("in CI, prints each command with its file:line, and stops at the first failure", async () => {
    const run = await runLive(
      { "demo.md": lines("# Title", "```bash", "echo ok", "false oops", "echo never", "```") },
      "demo.md",
      { outcome: failing },
    );
    expect(run.code).toBe(1);
    expect(run.shell.commands).toEqual(["echo ok", "false oops"]);
    expect(run.stdout.plain).toContain("demo.md:3 $ echo ok\ndemo.md:4 $ false oops\n");
    expect(run.stderr.plain).toContain("demoshts: demo.md:4: failed with status 1: false oops");
  });

  it("in CI with --keep-going, runs everything and lists every failure", async () => {
    const run = await runLive({ "demo.sh": lines("false a", "echo b", "false c") }, "demo.sh", {
      outcome: failing,
      settings: { keepGoing: true },
    });
    expect(run.code).toBe(1);
    expect(run.shell.commands).toEqual(["false a", "echo b", "false c"]);
    expect(run.stderr.plain).toMatch(/2 failed/);
    expect(run.stderr.plain).toContain("  demo.sh:1: failed with status 1: false a");
    expect(run.stderr.plain).toContain("  demo.sh:3: failed with status 1: false c");
  });

  it("in CI, a command marked @fails may fail; if it succeeds, that is a failure", async () => {
    const fine = await runLive({ "demo.sh": lines("#@fails", "false x", "echo y") }, "demo.sh", {
      outcome: failing,
    });
    expect(fine.code).toBe(0);
    expect(fine.shell.commands).toEqual(["false x", "echo y"]);
    const surprise = await runLive({ "demo.sh": lines("#@: fails", "echo x") }, "demo.sh", {
      outcome: failing,
    });
    expect(surprise.code).toBe(1);
    expect(surprise.stderr.plain).toContain(
      "demo.sh:2: was expected to fail (@fails) but succeeded",
    );
  });

  it("passes --timeout, or a command's @timeout, to the shell and fails a timed-out step", async () => {
    const run = await runLive(
      { "demo.sh": lines("echo a", "#@timeout 2s", "sleep 100") },
      "demo.sh",
      {
        outcome: (c) => (c === "sleep 100" ? { status: 143, timedOut: true } : {}),
        settings: { timeoutMs: 60_000 },
      },
    );
    expect(run.shell.options.map((o) => o.timeoutMs)).toEqual([60_000, 2_000]);
    expect(run.code).toBe(1);
    expect(run.stderr.plain).toContain("demo.sh:3: timed out after 2s and was killed: sleep 100");
  });

  it("in CI, --quiet leaves commentary out but still prints the commands", async () => {
    const run = await runLive(
      { "demo.md": lines("Prose here.", "```sh", "echo hi", "```") },
      "demo.md",
      {
        settings: { quiet: true },
      },
    );
    expect(run.stdout.plain).toBe("demo.md:3 $ echo hi\n");
  });
});

describe("the cluster guard", () => {
  it("refuses to start, running nothing, when the current context is not the expected one", async () => {
    const run = await runLive({ "demo.sh": lines("touch created") }, "demo.sh", {
      kubeContext: "k3d-workshop",
      context: "prod",
    });
    expect(run.code).toBe(2);
    expect(run.shell.commands).toEqual([]);
    expect(run.stderr.plain).toContain("the current context is prod, not k3d-workshop");
    expect(run.stderr.plain).toContain("nothing was executed");
  });

  it("takes the expected context from the script's @kube-context when none is given", async () => {
    const demo = lines("<!-- @kube-context k3d-workshop -->", "```bash", "touch created", "```");
    const refused = await runLive({ "demo.md": demo }, "demo.md", { context: "prod" });
    expect(refused.code).toBe(2);
    expect(refused.stderr.plain).toContain("(demo.md:1 asks for it)");
    expect(refused.shell.commands).toEqual([]);
    const allowed = await runLive({ "demo.md": demo }, "demo.md", { context: "k3d-workshop" });
    expect(allowed.code).toBe(0);
    expect(allowed.shell.commands).toEqual(["touch created"]);
    // Nested demos ($SHELL other.md) check the same context again when they start.
    expect(allowed.shell.started?.env.DEMOSH_KUBE_CONTEXT).toBe("k3d-workshop");
  });
});

describe("presenter: the notice about the keys comes after the hidden setup", () => {
  const notice = "Press RETURN to start.";

  it("runs the hidden start first, then shows the notice and waits before the first shown step", async () => {
    const run = await runLive(
      {
        "demo.md": lines(
          "```bash",
          "setup",
          "```",
          "<!-- @SHOW -->",
          "# Title",
          "```bash",
          "echo one",
          "```",
        ),
      },
      "demo.md",
      { keys: [RETURN, RETURN], blurb: true },
    );
    expect(run.code).toBe(0);
    expect(run.shell.commands).toEqual(["setup", "echo one"]);
    // The notice is wrapped to the terminal's width: read it as one line.
    const out = run.stdout.plain.replace(/\s+/g, " ");
    expect(out.indexOf(notice)).toBeGreaterThanOrEqual(0);
    expect(out.indexOf(notice)).toBeLessThan(out.indexOf("Title"));
    expect(run.keys?.left).toBe(0);
  });

  it("a setup that fails ends the run before the notice: no key is asked for", async () => {
    const run = await runLive(
      { "demo.sh": lines("check-requirements", "exit 1", "#@SHOW", "echo one") },
      "demo.sh",
      { keys: [], blurb: true },
    );
    expect(run.code).toBe(1);
    expect(run.shell.commands).toEqual(["check-requirements", "exit 1"]);
    expect(run.stdout.plain).not.toContain(notice);
  });

  it("Q at the notice ends the run with 0 and runs nothing shown", async () => {
    const run = await runLive(
      { "demo.sh": lines("setup", "#@SHOW", "# Look:", "echo one") },
      "demo.sh",
      { keys: ["Q"], blurb: true },
    );
    expect(run.code).toBe(0);
    expect(run.shell.commands).toEqual(["setup"]);
    expect(run.stdout.plain).not.toContain("Look:");
  });
});

describe("presenter: a demo that shows nothing says so", () => {
  const said = (text: string) => text.split("shows the audience nothing").length - 1;

  it("once, on stderr, with the reason and where @SHOW would go (Markdown)", async () => {
    const run = await runLive(
      {
        "demo.md": lines("# Demo", "", "Some words.", "", "```bash", "echo one", "echo two", "```"),
      },
      "demo.md",
      { keys: [], blurb: true },
    );
    expect(run.code).toBe(0);
    expect(run.shell.commands).toEqual(["echo one", "echo two"]);
    expect(run.stdout.plain).toBe("");
    expect(said(run.stderr.plain)).toBe(1);
    expect(run.stderr.plain).toContain(
      "demoshts: demo.md shows the audience nothing: a demo starts hidden, and nothing in it turned on @SHOW. Put <!-- @SHOW --> on a line of its own where the audience should start to see it (after the setup; the first commentary or command is at demo.md:1).",
    );
  });

  it("names #@SHOW for a shell script", async () => {
    const run = await runLive({ "demo.sh": lines("echo one") }, "demo.sh", { keys: [] });
    expect(run.stderr.plain).toContain("Put #@SHOW on a line of its own");
    expect(run.stderr.plain).toContain("demo.sh:1");
  });

  it("not when anything was shown, nor in CI, nor by a nested demo (its parent decides)", async () => {
    const shown = await runLive({ "demo.sh": lines("setup", "#@SHOW", "echo one") }, "demo.sh", {
      keys: [RETURN],
    });
    expect(said(shown.stderr.plain)).toBe(0);
    const ci = await runLive({ "demo.sh": lines("echo one") }, "demo.sh");
    expect(said(ci.stderr.plain)).toBe(0);
    const nested = await runLive({ "demo.sh": lines("echo one") }, "demo.sh", {
      keys: [],
      outermost: false,
    });
    expect(said(nested.stderr.plain)).toBe(0);
  });

  it("not when a nested demo showed something, and a demo that shows tells its parent", async () => {
    const channel = new MemoryChannel();
    const child = await runLive({ "child.sh": lines("#@SHOW", "echo one") }, "child.sh", {
      keys: [RETURN],
      outermost: false,
      channel,
    });
    expect(child.code).toBe(0);
    expect(channel.anyShown()).toBe(true);
    const parent = await runLive({ "demo.sh": lines("$SHELL child.sh") }, "demo.sh", {
      keys: [],
      channel,
    });
    expect(said(parent.stderr.plain)).toBe(0);
    expect(channel.cleared).toBe(true);
  });
});

describe("presenter: Q in a nested demo ends the whole run", () => {
  it("a nested demo whose presenter pressed Q tells the run, and ends with 0", async () => {
    const channel = new MemoryChannel();
    const child = await runLive(
      { "child.sh": lines("#@SHOW", "echo one", "echo two") },
      "child.sh",
      { keys: [RETURN, "Q"], outermost: false, channel },
    );
    expect(child.code).toBe(0);
    expect(child.shell.commands).toEqual(["echo one"]);
    expect(channel.quitting()).toBe(true);
  });

  it("the parent stops after the nested demo's command, with 0, showing nothing more", async () => {
    const channel = new MemoryChannel();
    const parent = await runLive(
      { "demo.sh": lines("#@SHOW", "$SHELL child.sh", "# After", "echo after") },
      "demo.sh",
      {
        keys: [RETURN],
        channel,
        outcome: (command) => {
          if (command === "$SHELL child.sh") channel.quit();
          return {};
        },
      },
    );
    expect(parent.code).toBe(0);
    expect(parent.shell.commands).toEqual(["$SHELL child.sh"]);
    expect(parent.stdout.plain).not.toContain("After");
    expect(channel.cleared).toBe(true);
  });

  it("a nested demo that fails, or ends with exit 0, is not taken for Q", async () => {
    const channel = new MemoryChannel();
    const parent = await runLive(
      { "demo.sh": lines("#@SHOW", "$SHELL failing.sh", "$SHELL done.sh", "echo after") },
      "demo.sh",
      {
        keys: [RETURN, RETURN, RETURN],
        channel,
        outcome: (command) => (command === "$SHELL failing.sh" ? { status: 1 } : {}),
      },
    );
    expect(parent.code).toBe(0);
    expect(parent.shell.commands).toEqual(["$SHELL failing.sh", "$SHELL done.sh", "echo after"]);
  });
});

describe("CI: no screen codes in a log", () => {
  it("does not run the builtin macros' clear when standard output is not a terminal", async () => {
    const run = await runLive(
      { "demo.sh": lines("#@SHOW", "echo one", "#@wait_clear", "echo two") },
      "demo.sh",
      {
        settings: { screen: false },
      },
    );
    expect(run.code).toBe(0);
    expect(run.shell.commands).toEqual(["echo one", "echo two"]);
  });

  it("runs them where standard output is a terminal", async () => {
    const run = await runLive({ "demo.sh": lines("#@SHOW", "#@clear", "echo two") }, "demo.sh", {
      settings: { screen: true },
    });
    expect(run.shell.commands).toEqual(["clear", "echo two"]);
  });
});
