import { describe, expect, it } from "vitest";
import type { PlanRecord } from "../../src/plan/plan.js";
import { brief, errorOf, plan, planResult } from "./memory.js";

const md = (...lines: string[]) => `${lines.join("\n")}\n`;

describe("modes", () => {
  it("starts hidden: commands run unseen and nothing waits; @SHOW types and waits; @HIDE hides", async () => {
    const records = await plan(
      {
        "demo.md": md(
          "Hidden intro",
          "```bash",
          "setup",
          "```",
          "<!-- @SHOW -->",
          "Now you see me",
          "```bash",
          "shown",
          "```",
          "<!-- @HIDE -->",
          "```bash",
          "cleanup",
          "```",
        ),
      },
      "demo.md",
    );
    expect(brief(records)).toEqual([
      "demo.md:3 command [hidden] setup",
      'demo.md:6 commentary "Now you see me"',
      "demo.md:8 command [typed,key-before] shown",
      "demo.md:12 command [hidden] cleanup",
    ]);
  });

  it("@SKIP runs and shows nothing until the next @SHOW, and to the end when never closed", async () => {
    const records = await plan(
      {
        "demo.sh": md(
          "#@SHOW",
          "echo one",
          "#@SKIP",
          "# skipped text",
          "echo skipped",
          "#@wait",
          "#@HIDE",
          "#@SHOW",
          "echo two",
          "#@SKIP",
          "echo never",
          "#@print never",
        ),
      },
      "demo.sh",
    );
    expect(brief(records)).toEqual([
      "demo.sh:2 command [typed,key-before] echo one",
      "demo.sh:9 command [typed,key-before] echo two",
    ]);
  });
});

describe("modifiers and waits", () => {
  it("applies each modifier to the next command only, across commentary in between", async () => {
    const records = await plan(
      {
        "demo.sh": md(
          "#@SHOW",
          "#@immed",
          "# a comment does not use up the modifier",
          "echo immed",
          "#@noshow",
          "echo noshow",
          "#@notypeout",
          "echo notypeout",
          "#@nowaitbefore",
          "echo nowaitbefore",
          "#@waitafter",
          "echo waitafter",
          "#@immediate",
          "#@waitafter",
          "echo both",
          "echo plain",
        ),
      },
      "demo.sh",
    );
    expect(brief(records)).toEqual([
      'demo.sh:3 commentary "# a comment does not use up the modifier"',
      "demo.sh:4 command [hidden] echo immed",
      "demo.sh:6 command [hidden] echo noshow",
      "demo.sh:8 command [instant,key-before] echo notypeout",
      "demo.sh:10 command [typed] echo nowaitbefore",
      "demo.sh:12 command [typed,key-before,key-after] echo waitafter",
      "demo.sh:15 command [hidden,key-after] echo both",
      "demo.sh:16 command [typed,key-before] echo plain",
    ]);
  });

  it("@wait waits once whether hidden or showing, and uses up pending modifiers", async () => {
    const records = await plan(
      {
        "demo.md": md(
          "<!-- @wait -->",
          "<!-- @SHOW -->",
          "<!-- @immed -->",
          "<!-- @wait -->",
          "```sh",
          "echo after",
          "```",
        ),
      },
      "demo.md",
    );
    expect(brief(records)).toEqual([
      "demo.md:1 wait",
      "demo.md:4 wait",
      "demo.md:6 command [typed,key-before] echo after",
    ]);
  });

  it("one-line directives run at once, unseen and without waits, even while showing", async () => {
    const records = await plan(
      { "demo.sh": md("#@SHOW", "#@clear", "#@echo hi \\", "  there", "echo shown") },
      "demo.sh",
    );
    expect(brief(records)).toEqual([
      "demo.sh:2 command [hidden] clear",
      "demo.sh:3 command [hidden] echo hi \\\n  there",
      "demo.sh:5 command [typed,key-before] echo shown",
    ]);
  });

  it("shows `#$ text` as typed without running it or waiting", async () => {
    const records = await plan(
      { "demo.sh": md("#@SHOW", "#$ kubectl delete everything") },
      "demo.sh",
    );
    expect(brief(records)).toEqual(["demo.sh:2 command [typed,not-run] kubectl delete everything"]);
  });
});

describe("#@immed before a multi-line if ... fi", () => {
  it("runs the whole block as one hidden command; the #@SHOW ;\\ lines inside do not switch modes", async () => {
    const block = [
      "if [[ -z ${DEMO_HOOK_OFFLINE} ]]; then \\",
      "  #@SHOW ;\\",
      "  curl -LO https://example.com/x.yaml ;\\",
      "  #@HIDE ;\\",
      "fi",
    ];
    const records = await plan(
      { "demo.md": md("```bash", "#@immed", ...block, "echo still-hidden", "```") },
      "demo.md",
    );
    expect(brief(records)).toEqual([
      `demo.md:3 command [hidden] ${block.join("\n")}`,
      "demo.md:8 command [hidden] echo still-hidden",
    ]);
    const command = records[0];
    expect(command?.kind === "command" && command.endLine).toBe(7);
  });
});

describe("@print", () => {
  it("prints even while hidden, with ${VAR} filled from the environment and literal assignments", async () => {
    const records = await plan(
      {
        "demo.sh": md(
          "MESH=linkerd",
          '#@print "# Using ${MESH} on ${CLUSTER}, not ${UNKNOWN}"',
          "NAME=$(whoami)",
          "#@print hello ${NAME} from $MESH",
        ),
      },
      "demo.sh",
      { env: { CLUSTER: "k3d" } },
    );
    expect(brief(records)).toEqual([
      "demo.sh:1 command [hidden] MESH=linkerd",
      "demo.sh:2 print # Using linkerd on k3d, not ${UNKNOWN}",
      "demo.sh:3 command [hidden] NAME=$(whoami)",
      "demo.sh:4 print hello ${NAME} from $MESH",
    ]);
  });
});

describe("macros", () => {
  it("runs a macro's body hidden; a call typed as a command is shown and waited on first", async () => {
    const records = await plan(
      {
        "demo.sh": md(
          "#@macro inner",
          "  echo inner",
          "#@end",
          "#@macro outer",
          "  echo outer",
          "  #@inner",
          "  inner",
          "#@end",
          "#@SHOW",
          "outer",
          "#@outer",
        ),
      },
      "demo.sh",
    );
    expect(brief(records)).toEqual([
      "demo.sh:10 macro outer [typed,key-before]",
      "demo.sh:5 command [hidden] echo outer",
      "demo.sh:6 macro inner [hidden]",
      "demo.sh:2 command [hidden] echo inner",
      "demo.sh:6 macro-end inner",
      "demo.sh:7 macro inner [hidden]",
      "demo.sh:2 command [hidden] echo inner",
      "demo.sh:7 macro-end inner",
      "demo.sh:10 macro-end outer",
      "demo.sh:11 macro outer [hidden]",
      "demo.sh:5 command [hidden] echo outer",
      "demo.sh:6 macro inner [hidden]",
      "demo.sh:2 command [hidden] echo inner",
      "demo.sh:6 macro-end inner",
      "demo.sh:7 macro inner [hidden]",
      "demo.sh:2 command [hidden] echo inner",
      "demo.sh:7 macro-end inner",
      "demo.sh:11 macro-end outer",
    ]);
  });

  it("keeps a macro's own mode from one call to the next", async () => {
    const records = await plan(
      {
        "demo.sh": md(
          "#@macro m",
          "  echo before-show",
          "  #@SHOW",
          "  echo after-show",
          "#@end",
          "#@m",
          "#@m",
        ),
      },
      "demo.sh",
    );
    expect(brief(records).filter((l) => l.includes("command"))).toEqual([
      "demo.sh:2 command [hidden] echo before-show",
      "demo.sh:4 command [typed,key-before] echo after-show",
      "demo.sh:2 command [typed,key-before] echo before-show",
      "demo.sh:4 command [typed,key-before] echo after-show",
    ]);
  });

  it("uses the builtin wait_clear unless the script defines its own, or builtins are off", async () => {
    const builtin = await plan({ "demo.md": md("<!-- @wait_clear -->") }, "demo.md");
    expect(brief(builtin)).toEqual([
      "demo.md:1 macro wait_clear [hidden]",
      "(builtins):4 wait",
      "(builtins):5 command [hidden] clear 2>/dev/null || :",
      "demo.md:1 macro-end wait_clear",
    ]);
    const mine = await plan(
      {
        "demo.md": md(
          "<!-- @wait_clear -->",
          "<!-- @macro wait_clear -->",
          "echo mine",
          "<!-- @end -->",
        ),
      },
      "demo.md",
    );
    expect(brief(mine)).toEqual([
      "demo.md:1 macro wait_clear [hidden]",
      "demo.md:3 command [hidden] echo mine",
      "demo.md:1 macro-end wait_clear",
    ]);
    const none = await plan({ "demo.md": md("<!-- @wait_clear -->") }, "demo.md", {
      builtins: false,
    });
    expect(brief(none)).toEqual(["demo.md:1 command [hidden] wait_clear"]);
  });

  it("does not take an assignment or a function definition for a macro call", async () => {
    const records = await plan(
      { "demo.sh": md("#@macro m", "  echo body", "#@end", "m=1", "m() { echo fn; }") },
      "demo.sh",
    );
    expect(brief(records)).toEqual([
      "demo.sh:4 command [hidden] m=1",
      "demo.sh:5 command [hidden] m() { echo fn; }",
    ]);
  });
});

describe("hooks", () => {
  const script = md(
    "#@hook show_slides SLIDES",
    "#@ifhook show_slides",
    "  #@wait",
    "  #@show_slides",
    "#@endif",
    "echo after",
  );

  it("runs an @ifhook body when its hook's variable is set and not empty", async () => {
    const records = await plan({ "demo.sh": script }, "demo.sh", {
      env: { DEMO_HOOK_SLIDES: "open slides.pdf" },
    });
    expect(brief(records)).toEqual([
      "demo.sh:2 ifhook show_slides live",
      "demo.sh:3 wait",
      "demo.sh:4 command [hidden] show_slides",
      "demo.sh:6 command [hidden] echo after",
    ]);
  });

  it("skips the body when the variable is unset or empty", async () => {
    const envs: Record<string, string>[] = [{}, { DEMO_HOOK_SLIDES: "" }];
    for (const env of envs) {
      const records = await plan({ "demo.sh": script }, "demo.sh", { env });
      expect(brief(records)).toEqual([
        "demo.sh:2 ifhook show_slides not-live",
        "demo.sh:6 command [hidden] echo after",
      ]);
    }
  });

  it("runs browser_then_terminal's waits only when both of its hooks are live", async () => {
    const demo = md(
      "#@hook show_browser BROWSER",
      "#@hook show_terminal TERMINAL",
      "#@browser_then_terminal",
    );
    const one = await plan({ "demo.sh": demo }, "demo.sh", { env: { DEMO_HOOK_BROWSER: "x" } });
    expect(brief(one).filter((l) => l.includes("wait"))).toEqual([]);
    const both = await plan({ "demo.sh": demo }, "demo.sh", {
      env: { DEMO_HOOK_BROWSER: "x", DEMO_HOOK_TERMINAL: "y" },
    });
    expect(brief(both).filter((l) => / wait$|command/.test(l))).toEqual([
      "(builtins):13 wait",
      "(builtins):14 command [hidden] show_browser",
      "(builtins):15 wait",
      "(builtins):16 command [hidden] clear 2>/dev/null || :",
      "(builtins):17 command [hidden] show_terminal",
    ]);
  });
});

describe("nested demos", () => {
  const files = {
    "README.md": md(
      "<!-- @SHOW -->",
      "```bash",
      "#@immed",
      "$SHELL ${DEMO_MESH}/install.md",
      "DIR=parts",
      "$SHELL ${DIR}/sub.sh first",
      "#@$SHELL CREATE.md",
      "$SHELL $(pick-one).md",
      "$SHELL missing.md",
      "```",
    ),
    "linkerd/install.md": md("<!-- @SHOW -->", "```bash", "linkerd check --pre", "```"),
    "parts/sub.sh": md("#@SHOW", "# sub sees ${DIR} and ${1}", "echo ${1}"),
    "CREATE.md": md("```bash", "k3d cluster create", "```"),
  };

  it("shows a nested demo's plan inline and indented when its path can be known", async () => {
    const records = await plan(files, "README.md", { env: { DEMO_MESH: "linkerd" } });
    expect(brief(records)).toEqual([
      "README.md:4 command [hidden] $SHELL ${DEMO_MESH}/install.md",
      "README.md:4 nested linkerd/install.md",
      "  linkerd/install.md:3 command [typed,key-before] linkerd check --pre",
      "README.md:5 command [typed,key-before] DIR=parts",
      "README.md:6 command [typed,key-before] $SHELL ${DIR}/sub.sh first",
      "README.md:6 nested parts/sub.sh first",
      '  parts/sub.sh:2 commentary "# sub sees parts and first"',
      "  parts/sub.sh:3 command [typed,key-before] echo ${1}",
      "README.md:7 command [hidden] $SHELL CREATE.md",
      "README.md:7 nested CREATE.md",
      "  CREATE.md:2 command [hidden] k3d cluster create",
      "README.md:8 command [typed,key-before] $SHELL $(pick-one).md",
      "README.md:9 command [typed,key-before] $SHELL missing.md",
    ]);
    const shown = records.find((r) => r.kind === "command" && r.file === "parts/sub.sh");
    expect(shown?.kind === "command" && shown.shown).toBe("echo first");
  });

  it("warns, at the command, about a nested demo whose known path cannot be read", async () => {
    const result = await planResult(files, "README.md", { env: { DEMO_MESH: "linkerd" } });
    if (!result.ok) throw new Error("expected a plan");
    expect(result.warnings.map((w) => `${w.loc.file}:${w.loc.line}: ${w.message}`)).toEqual([
      "README.md:9: nested demo missing.md cannot be read: no such file",
    ]);
  });

  it("does not look for nested demos where a cd it cannot read may have gone", async () => {
    const records = await plan(
      {
        "demo.sh": md('cd "$(mktemp -d)" && ls', "$SHELL CREATE.md"),
        "CREATE.md": md("echo nested"),
      },
      "demo.sh",
    );
    expect(brief(records)).toEqual([
      'demo.sh:1 command [hidden] cd "$(mktemp -d)" && ls',
      "demo.sh:2 command [hidden] $SHELL CREATE.md",
    ]);
  });

  it("shows the nested command alone when a variable in its path is unknown", async () => {
    const records = await plan(files, "README.md");
    expect(brief(records).slice(0, 2)).toEqual([
      "README.md:4 command [hidden] $SHELL ${DEMO_MESH}/install.md",
      "README.md:5 command [typed,key-before] DIR=parts",
    ]);
  });

  it("reports a nested demo that does not parse, at its own file and line", async () => {
    const error = errorOf(
      await planResult(
        { "demo.sh": md("$SHELL bad.md"), "bad.md": md("<!-- @macro x -->", "echo") },
        "demo.sh",
      ),
    );
    expect(`${error.loc.file}:${error.loc.line}`).toBe("bad.md:1");
  });

  it("without the parser (a live run's count) follows plain cd, NAME=value and export only", async () => {
    const files = {
      "parts/a.md": md("```bash", "echo in-a", "```"),
      "parts/b.md": md("```bash", "echo in-b", "```"),
      "c.md": md("```bash", "echo in-c", "```"),
      "demo.sh": md(
        "cd parts",
        "export A=a B=b",
        "$SHELL ${A}.md",
        "$SHELL $B.md",
        "C=c; cd ..",
        "$SHELL ${C}.md",
      ),
    };
    const nested = (records: readonly PlanRecord[]) =>
      brief(records).filter((r) => r.includes(" nested "));
    expect(nested(await plan(files, "demo.sh", { parse: false }))).toEqual([
      "demo.sh:3 nested parts/a.md",
    ]);
    expect(nested(await plan(files, "demo.sh"))).toEqual([
      "demo.sh:3 nested parts/a.md",
      "demo.sh:4 nested parts/b.md",
      "demo.sh:6 nested c.md",
    ]);
  });

  it("does not expand a demo that runs itself again", async () => {
    const result = await planResult({ "demo.sh": md("#@SHOW", "$SHELL demo.sh") }, "demo.sh");
    if (!result.ok) throw new Error("expected a plan");
    expect(brief(result.records)).toEqual(["demo.sh:2 command [typed,key-before] $SHELL demo.sh"]);
    expect(result.warnings.map((w) => `${w.loc.file}:${w.loc.line}`)).toEqual(["demo.sh:2"]);
  });
});

describe("positional parameters and init files", () => {
  it("knows $0 (absolute) and $1... in what is shown", async () => {
    const records = await plan({ "demo.sh": md("#@SHOW", "echo ${0} ${1} ${2}") }, "demo.sh", {
      args: ["alpha", "beta"],
    });
    const command = records[0];
    expect(command?.kind === "command" && command.shown).toBe("echo /demo/demo.sh alpha beta");
  });

  it("reads the first init file found, before the script, unless init is off", async () => {
    const files = {
      ".demoshrc.md": md("<!-- @macro hi -->", "echo from-local-md", "<!-- @end -->"),
      "/home/me/.demoshrc": md("#@macro hi", "  echo from-home", "#@end"),
      "demo.sh": md("#@hi"),
    };
    const local = await plan(files, "demo.sh", { init: true, home: "/home/me" });
    expect(brief(local)).toContain(".demoshrc.md:2 command [hidden] echo from-local-md");
    const { ".demoshrc.md": _, ...homeOnly } = files;
    const home = await plan(homeOnly, "demo.sh", { init: true, home: "/home/me" });
    expect(brief(home)).toContain("~/.demoshrc:2 command [hidden] echo from-home");
    const off = await plan(files, "demo.sh", { init: false, home: "/home/me" });
    expect(brief(off)).toEqual(["demo.sh:1 command [hidden] hi"]);
  });
});
