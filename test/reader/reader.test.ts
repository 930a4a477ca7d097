import { describe, expect, it } from "vitest";
import { readScriptText } from "../../src/reader/load.js";
import type { Diagnostic, Script, Step } from "../../src/script/types.js";

function read(text: string | Uint8Array, file = "demo.md", files: Record<string, string> = {}) {
  return readScriptText(text, file, {}, files);
}

function ok(
  text: string | Uint8Array,
  file = "demo.md",
  files: Record<string, string> = {},
): Script {
  const result = read(text, file, files);
  if (!result.ok) throw new Error(`unexpected error: ${JSON.stringify(result.error)}`);
  return result.script;
}

function fails(text: string | Uint8Array, file = "demo.md", files: Record<string, string> = {}) {
  const result = read(text, file, files);
  if (result.ok) throw new Error("expected an error");
  return result.error;
}

/** Steps as `line kind detail` strings, blank lines left out. */
function lines(steps: readonly Step[]): string[] {
  return steps.flatMap(stepLine);
}

function stepLine(s: Step): string[] {
  {
    const at = `${s.loc.file}:${s.loc.line}`;
    switch (s.kind) {
      case "command":
        return [`${at} command ${JSON.stringify(s.text)}`];
      case "immediate":
        return [`${at} immediate ${JSON.stringify(s.text)}`];
      case "commentary":
        return [`${at} ${s.hidden ? "hidden " : ""}commentary ${JSON.stringify(s.text)}`];
      case "typed":
        return [`${at} typed ${JSON.stringify(s.text)}`];
      case "mode":
        return [`${at} mode ${s.mode}`];
      case "modifier":
        return [`${at} modifier ${s.modifier}`];
      case "print":
        return [`${at} print ${JSON.stringify(s.args)}`];
      case "wait":
        return [`${at} wait`];
      case "hook":
        return [`${at} hook ${s.name} ${s.suffix}`];
      case "import":
        return [`${at} import ${s.path} ${s.format}`];
      case "macro":
      case "ifhook":
        return [`${at} ${s.kind} ${s.name} [${lines(s.body).join(" | ")}]`];
      case "kube-context":
        return [`${at} kube-context ${s.name}`];
      case "blank":
        return [];
    }
  }
}

describe("Markdown", () => {
  it("runs only fences that start with ```bash or ```sh; other fences are commentary", () => {
    const script = ok(
      [
        "# Title",
        "```bash",
        "echo one",
        "```",
        "```sh",
        "echo two",
        "```",
        "```yaml",
        "kind: Pod",
        "```",
        "```console",
        "$ echo three",
        "```",
        "```",
        "echo four",
        "```",
      ].join("\n"),
    );
    expect(lines(script.steps)).toEqual([
      'demo.md:1 commentary "# Title"',
      'demo.md:3 command "echo one"',
      'demo.md:6 command "echo two"',
      'demo.md:8 commentary "```yaml\\nkind: Pod\\n```\\n```console\\n$ echo three\\n```\\n```\\necho four\\n```"',
    ]);
  });

  it("scans by lines: a shell fence inside an HTML comment still runs", () => {
    const script = ok(
      ["<!--", "```bash", "kubectl create ns setup", "```", "-->", "Text"].join("\n"),
    );
    expect(lines(script.steps)).toEqual([
      'demo.md:1 commentary "<!--"',
      'demo.md:3 command "kubectl create ns setup"',
      'demo.md:5 commentary "-->\\nText"',
    ]);
  });

  it("takes `<!-- @name args -->` at a line start as a directive, and nothing else", () => {
    const script = ok(
      [
        "<!-- @SHOW -->",
        "<!-- set -e >",
        "<!-- #@hook x Y -->",
        "  <!-- @wait -->",
        "<!-- @wait -->",
        "<!-- @immed -->",
        "<!-- @print hello ${NAME} -->",
        "<!-- @clear -->",
      ].join("\n"),
    );
    expect(lines(script.steps)).toEqual([
      "demo.md:1 mode SHOW",
      'demo.md:2 commentary "<!-- set -e >\\n<!-- #@hook x Y -->\\n  <!-- @wait -->"',
      "demo.md:5 wait",
      "demo.md:6 modifier immed",
      'demo.md:7 print "hello ${NAME}"',
      'demo.md:8 immediate "clear"',
    ]);
  });

  it("locates commentary at its first line of text; the blank lines before it are a blank step", () => {
    const script = ok(["```sh", "echo a", "```", "", "", "Then this.", "", "And that."].join("\n"));
    expect(script.steps.map((s) => `${s.loc.line} ${s.kind}`)).toEqual([
      "2 command",
      "4 blank",
      "6 commentary",
    ]);
    expect(lines(script.steps)[1]).toBe('demo.md:6 commentary "Then this.\\n\\nAnd that."');
  });

  it("closes a shell fence on a line that is ``` once trimmed", () => {
    const script = ok(["```sh", "echo a", "   ```   ", "after"].join("\n"));
    expect(lines(script.steps)).toEqual([
      'demo.md:2 command "echo a"',
      'demo.md:4 commentary "after"',
    ]);
  });

  it("warns, with the fence's line, about a shell fence that is never closed, and reads on", () => {
    const script = ok(["Intro", "```bash", "echo a", "", "More text?"].join("\n"));
    expect(script.warnings.map((w) => `${w.loc.file}:${w.loc.line}: ${w.severity}`)).toEqual([
      "demo.md:2: warning",
    ]);
    expect(lines(script.steps)).toContain('demo.md:5 command "More text?"');
  });
});

describe("shell syntax", () => {
  it("separates commentary, hidden commentary, typed-only lines, directives and commands", () => {
    const script = ok(
      [
        "#!/bin/bash",
        "## a note for the author",
        "# Shown to the audience",
        "#$ kubectl get pods",
        "#@SHOW",
        "echo hi",
      ].join("\n"),
      "demo.sh",
    );
    expect(lines(script.steps)).toEqual([
      'demo.sh:1 hidden commentary "#!/bin/bash"',
      'demo.sh:2 hidden commentary "## a note for the author"',
      'demo.sh:3 commentary "# Shown to the audience"',
      'demo.sh:4 typed "kubectl get pods"',
      "demo.sh:5 mode SHOW",
      'demo.sh:6 command "echo hi"',
    ]);
  });

  it("continues a command over trailing backslashes and open { blocks, as demosh does", () => {
    const script = ok(
      [
        "kubectl apply \\",
        "  -f x.yaml",
        "greet() {",
        "  if true; then",
        "    echo hi",
        "  fi",
        "}",
        "echo after",
      ].join("\n"),
      "demo.sh",
    );
    expect(lines(script.steps)).toEqual([
      'demo.sh:1 command "kubectl apply \\\\\\n  -f x.yaml"',
      'demo.sh:3 command "greet() {\\n  if true; then\\n    echo hi\\n  fi\\n}"',
      'demo.sh:8 command "echo after"',
    ]);
  });

  it("keeps a multi-line quoted string in one command (demosh would split it)", () => {
    const script = ok(
      ["echo 'first", "second' done", 'msg="a', "b $(echo 'c", "d')\"", "echo next"].join("\n"),
      "demo.sh",
    );
    expect(lines(script.steps)).toEqual([
      `demo.sh:1 command ${JSON.stringify("echo 'first\nsecond' done")}`,
      `demo.sh:3 command ${JSON.stringify("msg=\"a\nb $(echo 'c\nd')\"")}`,
      'demo.sh:6 command "echo next"',
    ]);
  });

  it("keeps a heredoc in one command, whatever its body holds", () => {
    const script = ok(
      [
        "kubectl apply -f - <<EOF",
        "metadata: {",
        '  name: "x # not a comment',
        "}",
        "EOF",
        "cat <<-'END' | sed s/a/b/",
        "\tliteral $HOME \\",
        "\tEND",
        "echo next",
      ].join("\n"),
      "demo.sh",
    );
    expect(lines(script.steps)).toEqual([
      `demo.sh:1 command ${JSON.stringify('kubectl apply -f - <<EOF\nmetadata: {\n  name: "x # not a comment\n}\nEOF')}`,
      `demo.sh:6 command ${JSON.stringify("cat <<-'END' | sed s/a/b/\n\tliteral $HOME \\\n\tEND")}`,
      'demo.sh:9 command "echo next"',
    ]);
  });

  it("does not mistake <<< or quotes inside comments for a heredoc or an open quote", () => {
    const script = ok(['grep x <<< "$y"', "echo ok"].join("\n"), "demo.sh");
    expect(lines(script.steps)).toEqual([
      `demo.sh:1 command ${JSON.stringify('grep x <<< "$y"')}`,
      'demo.sh:2 command "echo ok"',
    ]);
    const second = ok(["echo hi # it's fine", "echo ok"].join("\n"), "demo.sh");
    expect(lines(second.steps)).toEqual([
      `demo.sh:1 command ${JSON.stringify("echo hi # it's fine")}`,
      'demo.sh:2 command "echo ok"',
    ]);
  });

  it("treats a one-line directive as an immediate command, continued by a trailing backslash", () => {
    const script = ok(
      ["#@clear", "#@$SHELL CREATE.md", "#@echo hi \\", "  there", "#@wait_clear"].join("\n"),
      "demo.sh",
    );
    expect(lines(script.steps)).toEqual([
      'demo.sh:1 immediate "clear"',
      'demo.sh:2 immediate "$SHELL CREATE.md"',
      'demo.sh:3 immediate "echo hi \\\\\\n  there"',
      'demo.sh:5 immediate "wait_clear"',
    ]);
  });

  it("keeps `#@SHOW ;\\` lines inside a continued command as part of the command", () => {
    const text = [
      "#@immed",
      "if [[ -z ${DEMO_HOOK_OFFLINE} ]]; then \\",
      "  #@SHOW ;\\",
      "  curl -LO https://example.com/x.yaml ;\\",
      "  #@HIDE ;\\",
      "fi",
    ].join("\n");
    const script = ok(text, "demo.sh");
    expect(lines(script.steps)).toEqual([
      "demo.sh:1 modifier immed",
      `demo.sh:2 command ${JSON.stringify(text.split("\n").slice(1).join("\n"))}`,
    ]);
  });

  it("reads CRLF line ends, a byte-order mark, tabs and trailing whitespace", () => {
    const text =
      "\uFEFF# Title  \r\n```bash  \r\necho a \\  \r\n\t-b   \r\n<!-- x -->\r\n```\r\n<!-- @wait -->  \r\n";
    const script = ok(text);
    expect(lines(script.steps)).toEqual([
      'demo.md:1 commentary "# Title  "',
      `demo.md:3 command ${JSON.stringify("echo a \\\n\t-b")}`,
      'demo.md:5 command "<!-- x -->"',
      "demo.md:7 wait",
    ]);
    const bytes = new TextEncoder().encode(text);
    expect(lines(ok(bytes).steps)).toEqual(lines(script.steps));
  });

  it("stops reading a shell script at a ``` line, as demosh does, and warns", () => {
    const script = ok(["echo a", "```", "echo b"].join("\n"), "demo.sh");
    expect(lines(script.steps)).toEqual(['demo.sh:1 command "echo a"']);
    expect(script.warnings[0]?.loc).toEqual({ file: "demo.sh", line: 2 });
  });
});

describe("warnings for near misses", () => {
  it("warns when a directive-like line will run as a shell command", () => {
    const script = ok(
      ["#@show", "#@wait now", "#@Immed", "#@clear", "#@print ok"].join("\n"),
      "demo.sh",
    );
    expect(script.warnings.map((w) => `${w.loc.line}: ${w.message}`)).toEqual([
      "1: #@show runs as a shell command (directives are case-sensitive: this is not @SHOW)",
      "2: #@wait now runs as a shell command (@wait takes no arguments)",
      "3: #@Immed runs as a shell command (directives are case-sensitive: this is not @immed)",
    ]);
  });
});

describe("macros, hooks and imports", () => {
  it("reads @macro ... @end with indented bodies, in shell and in Markdown", () => {
    const script = ok(
      [
        "```bash",
        "#@macro greet",
        "  #@wait",
        "  echo hello",
        "#@end",
        "```",
        "<!-- @macro bye -->",
        "    echo bye",
        "    <!-- @wait -->",
        "<!-- @end -->",
      ].join("\n"),
    );
    expect(lines(script.steps)).toEqual([
      'demo.md:2 macro greet [demo.md:3 wait | demo.md:4 command "echo hello"]',
      'demo.md:7 macro bye [demo.md:8 command "echo bye" | demo.md:9 wait]',
    ]);
    expect([...script.macros.keys()]).toEqual(["greet", "bye"]);
  });

  it("lets a macro written in Markdown wrap its body in a shell fence", () => {
    const script = ok(
      ["<!-- @macro setup -->", "```bash", "kubectl create ns demo", "```", "<!-- @end -->"].join(
        "\n",
      ),
    );
    expect(lines(script.steps)).toEqual([
      'demo.md:1 macro setup [demo.md:3 command "kubectl create ns demo"]',
    ]);
    expect(script.warnings).toEqual([]);
  });

  it("lets a later macro of the same name replace an earlier one (so scripts override builtins)", () => {
    const result = readScriptText(
      ["#@macro wait_clear", "  echo mine", "#@end"].join("\n"),
      "demo.sh",
      { builtins: true },
    );
    if (!result.ok) throw new Error("unexpected error");
    expect(result.script.macros.get("wait_clear")?.loc.file).toBe("demo.sh");
    expect(result.script.macros.has("browser_then_terminal")).toBe(true);
    expect(result.script.macros.has("start_livecast")).toBe(true);
  });

  it("reads @hook NAME SUFFIX and @ifhook NAME ... @endif", () => {
    const script = ok(
      ["#@hook show_slides SLIDES", "#@ifhook show_slides", "  #@show_slides", "#@endif"].join(
        "\n",
      ),
      "demo.sh",
    );
    expect(lines(script.steps)).toEqual([
      "demo.sh:1 hook show_slides SLIDES",
      'demo.sh:2 ifhook show_slides [demo.sh:3 immediate "show_slides"]',
    ]);
    expect(script.hooks.map((h) => h.suffix)).toEqual(["SLIDES"]);
  });

  it("imports a file relative to the current directory, as Markdown or shell by its name", () => {
    const script = ok(
      ["<!-- @import lib/setup.sh -->", "```sh", "#@import lib/more.md", "```"].join("\n"),
      "docs/demo.md",
      {
        "lib/setup.sh": "# setup\nexport A=1\n",
        "lib/more.md": "Some *text*\n```bash\necho more\n```\n",
      },
    );
    expect(lines(script.steps)).toEqual([
      "docs/demo.md:1 import lib/setup.sh shell",
      'lib/setup.sh:1 commentary "# setup"',
      'lib/setup.sh:2 command "export A=1"',
      "docs/demo.md:3 import lib/more.md markdown",
      'lib/more.md:1 commentary "Some *text*"',
      'lib/more.md:3 command "echo more"',
    ]);
    expect(script.files).toEqual(["docs/demo.md", "lib/setup.sh", "lib/more.md"]);
  });
});

describe("errors: located, with a hint, and nothing read", () => {
  const where = (d: Diagnostic) => `${d.loc.file}:${d.loc.line}: ${d.severity}`;

  it("reports an @macro that is never closed at its opening line", () => {
    const error = fails(["intro", "<!-- @macro m -->", "echo x", "<!-- @wait -->"].join("\n"));
    expect(where(error)).toBe("demo.md:2: error");
    expect(error.message).toMatch(/@macro m is never closed/);
    expect(error.hint).not.toBe("");
  });

  it("reports an @ifhook that is never closed", () => {
    const error = fails(["echo a", "#@ifhook show", "  #@wait"].join("\n"), "demo.sh");
    expect(where(error)).toBe("demo.sh:2: error");
    expect(error.message).toMatch(/@ifhook show is never closed/);
  });

  it("reports an import that does not exist at the import line", () => {
    const error = fails("text\n<!-- @import nope.md -->\n");
    expect(where(error)).toBe("demo.md:2: error");
    expect(error.message).toMatch(/cannot @import nope\.md: no such file/);
  });

  it("reports a file that imports itself, directly or through others", () => {
    expect(where(fails("<!-- @import demo.md -->\n"))).toBe("demo.md:1: error");
    const loop = fails("a\n<!-- @import b.md -->\n", "demo.md", {
      "b.md": "b\n\n<!-- @import c.sh -->\n",
      "c.sh": "#@import demo.md\n",
    });
    expect(where(loop)).toBe("c.sh:1: error");
    expect(loop.message).toContain("demo.md -> b.md -> c.sh -> demo.md");
  });

  it("reports a file that is not text, with the line of the offending byte", () => {
    const binary = new Uint8Array([0x23, 0x20, 0x61, 0x0a, 0x62, 0x00, 0x63]);
    const error = fails(binary);
    expect(where(error)).toBe("demo.md:2: error");
    expect(error.message).toMatch(/not a text file/);
    const latin1 = new Uint8Array([0x61, 0x0a, 0x62, 0x0a, 0xe9, 0x74, 0xe9, 0x0a]);
    expect(where(fails(latin1, "x.sh"))).toBe("x.sh:3: error");
    expect(where(fails("<!-- @import blob.bin -->", "demo.md", { "blob.bin": "a\0b" }))).toBe(
      "blob.bin:1: error",
    );
  });

  it("reports a stray @end or @endif, and a block directive inside a multi-line command", () => {
    expect(where(fails("echo a\n#@end\n", "demo.sh"))).toBe("demo.sh:2: error");
    expect(where(fails("```bash\n#@endif\n```\n"))).toBe("demo.md:2: error");
    const inside = fails("echo a \\\n#@import x.sh\n", "demo.sh");
    expect(where(inside)).toBe("demo.sh:2: error");
    expect(inside.message).toMatch(/inside a multi-line command/);
  });

  it("reports a macro that calls itself, directly or through others, at the closing call", () => {
    const direct = fails("#@macro m\n  echo again\n  m\n#@end\nm\n", "demo.sh");
    expect(where(direct)).toBe("demo.sh:3: error");
    const loop = fails(
      [
        "<!-- @macro a -->",
        "#@b",
        "<!-- @end -->",
        "```bash",
        "#@macro b",
        "  #@ifhook h",
        "    a now",
        "  #@endif",
        "#@end",
        "```",
      ].join("\n"),
    );
    expect(where(loop)).toBe("demo.md:7: error");
    expect(loop.message).toContain("(a -> b -> a)");
  });

  it("reads demoshts's own directives, also in the form demosh runs as the no-op ':'", () => {
    const script = ok(
      ["#@fails", "#@: timeout 1m30s", "#@kube-context k3d-demo", "#@: kube-context other"].join(
        "\n",
      ),
      "demo.sh",
    );
    expect(lines(script.steps)).toEqual([
      "demo.sh:1 modifier fails",
      "demo.sh:2 modifier timeout",
      "demo.sh:3 kube-context k3d-demo",
      "demo.sh:4 kube-context other",
    ]);
    expect(script.kubeContext?.name).toBe("k3d-demo");
    const timeout = script.steps[1];
    expect(timeout?.kind === "modifier" && timeout.timeoutMs).toBe(90_000);
    expect(fails("#@timeout soon\n", "demo.sh").message).toMatch(/not a duration/);
  });

  it("reports directives missing their arguments", () => {
    expect(fails("<!-- @hook only_name -->\n").message).toMatch(/NAME and a SUFFIX/);
    expect(fails("<!-- @import -->\n").message).toMatch(/@import needs a path/);
  });
});
