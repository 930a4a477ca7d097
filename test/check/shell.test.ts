import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Expansion,
  expandWord,
  isVariable,
  type KnownEnv,
  lineAt,
} from "../../src/shell/expand.js";
import {
  loadShellSyntax,
  mayFollow,
  type SimpleCommand,
  type Word,
} from "../../src/shell/syntax.js";

const syntax = await loadShellSyntax();
const parseShell = (text: string) => syntax.scan(text);

const ENV: KnownEnv = new Map<string, string | null>([
  ["HOME", "/home/me"],
  ["DIR", "k8s"],
  ["MESH", "linkerd"],
  ["EMPTY", ""],
  ["LATER", null],
  ["1", "first"],
]);

/** Each simple command as its words' values (`?` for a word that cannot be known). */
function commands(text: string, env: KnownEnv = ENV): string[][] {
  return parseShell(text).commands.map((c) =>
    [...c.assignments, ...c.words].map((w) => show(w, env)),
  );
}

function show(word: Word, env: KnownEnv): string {
  const e = expandWord(word, env);
  return e.ok ? e.values.join(" ") : "?";
}

/** The command names only. */
const names = (text: string): string[] =>
  parseShell(text)
    .commands.filter((c) => c.words.length > 0 || c.assignments.length > 0)
    .map((c) => (c.words[0] ? show(c.words[0], ENV) : "(assignment)"));

function expand(text: string, env: KnownEnv = ENV, inFunction = false): Expansion {
  // The word's own command comes last: the commands of its substitutions come first.
  const command = parseShell(`: ${text}`).commands.at(-1);
  const word = command?.words[1] ?? command?.assignments[0];
  if (!word) throw new Error(`no word in ${text}`);
  return expandWord(word, env, { inFunction });
}

const values = (text: string, env: KnownEnv = ENV): readonly string[] | string => {
  const e = expand(text, env);
  return e.ok ? e.values : `unknown: ${e.why}`;
};

describe("splitting into simple commands", () => {
  it("splits on pipes, lists, background and newlines", () => {
    expect(names("a | b || c && d; e & f\ng |& h")).toEqual([
      "a",
      "b",
      "c",
      "d",
      "e",
      "f",
      "g",
      "h",
    ]);
  });

  it("keeps quoted operators and blanks inside their word", () => {
    expect(commands(`echo "a | b" 'c && d' e\\ f "x"'y'z`)).toEqual([
      ["echo", "a | b", "c && d", "e f", "xyz"],
    ]);
  });

  it("joins lines continued with a backslash", () => {
    expect(commands("kubectl apply \\\n    -f x.yaml \\\n    -n faces")).toEqual([
      ["kubectl", "apply", "-f", "x.yaml", "-n", "faces"],
    ]);
  });

  it("drops comments, but not a # inside a word", () => {
    expect(commands("echo a#b # kubectl apply -f gone.yaml\n# cat nothing\nls")).toEqual([
      ["echo", "a#b"],
      ["ls"],
    ]);
  });

  it("separates NAME=value prefixes from the command", () => {
    const [command] = parseShell(`FOO=1 BAR="x y" kubectl get pods`).commands;
    expect(command?.assignments.map((w) => w.raw)).toEqual(["FOO=1", `BAR="x y"`]);
    expect(command?.words.map((w) => w.raw)).toEqual(["kubectl", "get", "pods"]);
    expect(commands("X=1")).toEqual([["X=1"]]);
    expect(parseShell("X=1").commands[0]?.words).toEqual([]);
    // Only before the command: later NAME=value words are arguments.
    expect(parseShell("env A=1 cmd").commands[0]?.words.map((w) => w.raw)).toEqual([
      "env",
      "A=1",
      "cmd",
    ]);
  });

  it("leaves out redirections and their targets", () => {
    expect(
      commands("cat < in.txt > out.txt 2>&1 >>log.txt &>all.txt 2>/dev/null x.yaml >| y"),
    ).toEqual([["cat", "x.yaml"]]);
    expect(commands("echo hi >&2; echo 2 3")).toEqual([
      ["echo", "hi"],
      ["echo", "2", "3"],
    ]);
  });

  it("skips heredoc bodies, quoted delimiters and <<- too", () => {
    const text = [
      "cat <<EOF | kubectl apply -f -",
      "kubectl apply -f missing.yaml",
      "EOF",
      "cat <<-'END'",
      "\trm -rf /",
      "\tEND",
      `cat <<"A"; cat <<B`,
      "first body",
      "A",
      "second body",
      "B",
      "echo after",
    ].join("\n");
    expect(commands(text)).toEqual([
      ["cat"],
      ["kubectl", "apply", "-f", "-"],
      ["cat"],
      ["cat"],
      ["cat"],
      ["echo", "after"],
    ]);
  });

  it("does not take a here-string for a heredoc", () => {
    expect(commands("grep x <<< 'a b'\necho next")).toEqual([
      ["grep", "x"],
      ["echo", "next"],
    ]);
  });

  it("finds the commands inside if, while, for, case, [[ ]], { } and ( )", () => {
    const text = [
      "if [[ -f x ]] && ! grep -q y z; then",
      "  echo yes",
      "elif true; then :; else { one; two; }; fi",
      "while read -r line; do wc -l; done < input.txt",
      "for f in a.yaml b.yaml; do cat $f; done",
      `case "$MESH" in`,
      "  linkerd | istio) ;;",
      `  "") echo none ;;`,
      "  (*) kubectl get pods ;;",
      "esac",
      "(cd sub && make)",
    ].join("\n");
    expect(names(text)).toEqual([
      "[[",
      "grep",
      "echo",
      "true",
      ":",
      "one",
      "two",
      "read",
      "wc",
      "for",
      "cat",
      "echo",
      "kubectl",
      "cd",
      "make",
    ]);
  });

  it("takes `((...))` as arithmetic, not as commands", () => {
    expect(names("((n = n + 1))\nfor ((i = 0; i < 3; i++)); do echo $i; done")).toEqual(["echo"]);
  });

  it("finds function definitions and marks the commands in their bodies", () => {
    const scan = parseShell(
      [
        "show() {",
        `  bat "$@"`,
        "}",
        "function apply_all {",
        "  kubectl apply -f $1",
        "}",
        "function other() { :; }",
        "kubectl get pods",
      ].join("\n"),
    );
    expect(scan.functions.map((f) => f.name)).toEqual(["show", "apply_all", "other"]);
    expect(scan.commands.map((c) => `${c.words[0]?.raw} ${c.inFunction}`)).toEqual([
      "bat true",
      "kubectl true",
      ": true",
      "kubectl false",
    ]);
  });

  it("reads array assignments as one word", () => {
    const [first, second] = parseShell(`local missing=() mesh=x; missing+=("a b")`).commands;
    expect(first?.words.map((w) => w.raw)).toEqual(["local", "missing=()", "mesh=x"]);
    expect(second?.assignments.map((w) => w.raw)).toEqual([`missing+=("a b")`]);
  });

  it("parses command substitutions, backticks and process substitutions, and lists their commands first", () => {
    const text = 'IP=$(bash get-ip.sh)\ndiff <(ls a) `cat b.txt` "$(helm version)"';
    expect(names(text)).toEqual(["bash", "(assignment)", "ls", "cat", "helm", "diff"]);
    const nested = "echo $(kubectl get $(cat name.txt))";
    expect(names(nested)).toEqual(["cat", "kubectl", "echo"]);
  });

  it("gives each command's offset, for its line", () => {
    const text = "echo one\n\nkubectl apply \\\n  -f x.yaml; ls\necho $(\n  date)";
    const scan = parseShell(text);
    expect(scan.commands.map((c: SimpleCommand) => lineAt(text, c.offset))).toEqual([
      0, 2, 3, 5, 4,
    ]);
  });

  it("does not lose its way on open quotes or substitutions", () => {
    expect(names(`echo "open`)).toEqual(["echo"]);
    expect(names(`: "open`)).toEqual([":"]);
    expect(names("echo $(open")).toEqual(["echo"]);
    expect(names("echo ${open")).toEqual(["echo"]);
    expect(names(`echo "\\`)).toEqual(["echo"]);
  });
});

describe("expanding words", () => {
  it("expands braces, as bash does", () => {
    expect(values("k8s/{01-base,05-timeouts}/face-route.yaml")).toEqual([
      "k8s/01-base/face-route.yaml",
      "k8s/05-timeouts/face-route.yaml",
    ]);
    expect(values("smiley-canary-{10,50}.yaml")).toEqual([
      "smiley-canary-10.yaml",
      "smiley-canary-50.yaml",
    ]);
    expect(values("x{1..3}")).toEqual(["x1", "x2", "x3"]);
    expect(values("{c..a}")).toEqual(["c", "b", "a"]);
    expect(values("{1..7..3}")).toEqual(["1", "4", "7"]);
    expect(values("{a,b{c,d}}e")).toEqual(["ae", "bce", "bde"]);
    expect(values("{a,b}{1,2}")).toEqual(["a1", "a2", "b1", "b2"]);
    expect(values("{,.bak}")).toEqual(["", ".bak"]);
  });

  it("leaves quoted braces, single items and expanded values alone", () => {
    expect(values(`"{a,b}"`)).toEqual(["{a,b}"]);
    expect(values(`'{a,b}'`)).toEqual(["{a,b}"]);
    expect(values("\\{a,b}")).toEqual(["{a,b}"]);
    expect(values("{a}")).toEqual(["{a}"]);
    expect(values("{a,b")).toEqual(["{a,b"]);
    expect(values("x/${DIR}")).toEqual(["x/k8s"]);
    expect(values("$DIR/{a,b}.yaml")).toEqual(["k8s/a.yaml", "k8s/b.yaml"]);
    const braces: KnownEnv = new Map([["V", "{a,b}"]]);
    expect(values("$V", braces)).toEqual(["{a,b}"]);
  });

  it("fills in known variables, defaults and positional parameters", () => {
    expect(values("$DIR/${MESH}/install.md")).toEqual(["k8s/linkerd/install.md"]);
    expect(values(`"$DIR"'/$MESH'`)).toEqual(["k8s/$MESH"]);
    expect(values("${MISSING:-default}/x")).toEqual(["default/x"]);
    expect(values(`\${MISSING:-"$DIR/a b"}`)).toEqual(["k8s/a b"]);
    expect(values("${EMPTY:-e}${EMPTY-f}")).toEqual(["e"]);
    expect(values("${MESH:+set}${MISSING:+no}")).toEqual(["set"]);
    expect(values("$1.yaml")).toEqual(["first.yaml"]);
    expect(values("~/x ~")).toEqual(["/home/me/x"]);
    expect(values("$'a\\tb'")).toEqual(["a\tb"]);
    expect(values("$")).toEqual(["$"]);
  });

  it("says why a word cannot be known", () => {
    expect(values("$(ls x).yaml")).toBe("unknown: $(...) is only known when the demo runs");
    expect(values("`ls x`.yaml")).toBe("unknown: `...` is only known when the demo runs");
    expect(values("$MISSING/x")).toBe("unknown: $MISSING is not set");
    expect(values("${LATER}/x")).toBe("unknown: $LATER is only known when the demo runs");
    expect(values("$2")).toBe("unknown: $2 is not set");
    expect(values("k8s/*.yaml")).toMatch(/^unknown: a glob pattern/);
    expect(values("file?.txt")).toMatch(/^unknown: a glob pattern/);
    expect(values("[ab].txt")).toMatch(/^unknown: a glob pattern/);
    expect(values("$((1 + 2))")).toMatch(/^unknown: \$\(\(1 \+ 2\)\) \(arithmetic\)/);
    expect(values("${#DIR}")).toMatch(/^unknown: \$\{#DIR\}/);
    expect(values("$@")).toMatch(/^unknown: \$@/);
    expect(values("~other/x")).toMatch(/^unknown: ~user/);
    expect(values("~", new Map())).toMatch(/^unknown: ~ needs \$HOME/);
  });

  it("keeps a literal [ (the test command) as it is", () => {
    expect(values("[")).toEqual(["["]);
    expect(values("[[")).toEqual(["[["]);
  });

  it("takes a function's positional parameters as its own, quietly", () => {
    const inFunction = expand("$1/x", ENV, true);
    expect(inFunction).toEqual({ ok: false, why: "$1 is a function's argument", quiet: true });
    expect(expand(`"$@"`, ENV, true)).toMatchObject({ ok: false, quiet: true });
    expect(expand("$1/x", ENV, false)).toEqual({ ok: true, values: ["first/x"] });
    expect(expand("$0", new Map([["0", "/demo/x.md"]]), true)).toEqual({
      ok: true,
      values: ["/demo/x.md"],
    });
  });

  it("recognises $SHELL, however it is written", () => {
    const first = (text: string) => parseShell(text).commands[0]?.words[0] as Word;
    expect(isVariable(first("$SHELL x.md"), "SHELL")).toBe(true);
    expect(isVariable(first(`"\${SHELL}" x.md`), "SHELL")).toBe(true);
    expect(isVariable(first("$SHELLX x.md"), "SHELL")).toBe(false);
    expect(isVariable(first("${SHELL:-bash} x.md"), "SHELL")).toBe(false);
  });
});

describe("on any text", () => {
  const shellish = fc
    .array(
      fc.constantFrom(
        ..."ab $(){}[]'\"`\\\n\t;&|<>#=*?~,.-/0123456789".split(""),
        "<<EOF\n",
        "\nEOF\n",
        "${",
        "$((",
        "case ",
        " in ",
        " esac",
        "f() {",
        "for ",
        " do ",
        "[[ ",
        "{a,b}",
        "{1..3}",
      ),
      { maxLength: 60 },
    )
    .map((parts) => parts.join(""));

  it("never throws, always ends, and locates every word inside the text", () => {
    fc.assert(
      fc.property(shellish, (text) => {
        const scan = parseShell(text);
        for (const command of scan.commands) {
          expect(command.offset).toBeGreaterThanOrEqual(0);
          expect(command.offset).toBeLessThanOrEqual(text.length);
          for (const word of [...command.assignments, ...command.words]) {
            expect(text.slice(word.offset, word.offset + word.raw.length)).toBe(word.raw);
            expandWord(word, ENV);
            expandWord(word, ENV, { inFunction: true });
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("deep and wide input", () => {
  it("reads a command with 1,200 nested $( without running out of stack", () => {
    const depth = 1200;
    const text = `echo ${"$(".repeat(depth)}cat deep.txt${")".repeat(depth)}`;
    const scan = parseShell(text);
    expect(scan.commands.map((c) => c.words[0]?.raw)).toContain("cat");
    expect(scan.commands.at(-1)?.words[0]?.raw).toBe("echo");
  });

  it("reads nesting that doubles at each level, and ${...} defaults nested deeply", () => {
    let text = "x";
    for (let i = 0; i < 14; i++) text = `$(a ${text} ${text})`;
    const scan = parseShell(`echo ${text}`);
    expect(scan.commands.length).toBe(2 ** 14);
    const defaults = `${"${A:-".repeat(2000)}end${"}".repeat(2000)}`;
    expect(values(defaults)).toMatch(/^unknown|end/);
  });
});

describe("which way through the text's choices each command is", () => {
  /** Whether what the command named `from` sets can still hold when the one named `to` runs. */
  function follows(text: string, from: string, to: string): boolean {
    const scan = parseShell(text);
    const find = (name: string) =>
      scan.commands.find((c) => c.words[0]?.raw === name || c.assignments[0]?.raw === name);
    const a = find(from);
    const b = find(to);
    if (!a || !b) throw new Error(`no ${from} or ${to} in ${text}`);
    return mayFollow(a.arms, b.arms);
  }

  it("keeps the branches of an if, an elif and an else apart, and joins them after fi", () => {
    const text = "if a; then P=1; elif b; then Q=2; else c; fi; d";
    expect(follows(text, "P=1", "c")).toBe(false);
    expect(follows(text, "Q=2", "c")).toBe(false);
    expect(follows(text, "P=1", "Q=2")).toBe(false);
    expect(follows(text, "P=1", "d")).toBe(true);
    expect(follows(text, "a", "c")).toBe(true);
  });

  it("keeps the two sides of || and the arms of a case apart, not those of &&", () => {
    expect(follows("P=1 || b", "P=1", "b")).toBe(false);
    expect(follows("P=1 && b", "P=1", "b")).toBe(true);
    expect(follows("case $x in a) P=1 ;; b) c ;; esac; d", "P=1", "c")).toBe(false);
    expect(follows("case $x in a) P=1 ;; b) c ;; esac; d", "P=1", "d")).toBe(true);
  });

  it("keeps a subshell's changes inside it", () => {
    expect(follows("(P=1; b); c", "P=1", "b")).toBe(true);
    expect(follows("(P=1; b); c", "P=1", "c")).toBe(false);
    expect(follows("x=$(P=1; b); c", "P=1", "c")).toBe(false);
  });

  it("says which commands read a pipe", () => {
    const scan = parseShell("curl -sSfL https://example.com/i | sh -s -- --yes; sh x.sh");
    expect(scan.commands.map((c) => [c.words[0]?.raw, c.pipedInput])).toEqual([
      ["curl", false],
      ["sh", true],
      ["sh", false],
    ]);
  });
});
