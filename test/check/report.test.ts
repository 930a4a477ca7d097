import { describe, expect, it } from "vitest";
import {
  escapeData,
  escapeProperty,
  type Finding,
  githubAnnotation,
} from "../../src/check/report.js";
import { lines, markdown, run } from "./helpers.js";

const FILES = {
  "demo.md": markdown(
    "kubectl apply -f gone.yaml",
    "$SHELL steps/next.md",
    "cat $(ls notes*).txt\nhelm version",
  ),
  "steps/next.md": markdown("bat values.yaml"),
  "values.yaml": "a: b: c\n",
};
const noHelm = (name: string) => (name === "helm" ? undefined : `/usr/bin/${name}`);

describe("the text report", () => {
  it("prints one line per finding, sorted by file then line, hints below, then a summary", async () => {
    const { code, out, err } = await run(FILES, "demo.md", {}, noHelm);
    expect(err).toBe("");
    expect(code).toBe(1);
    expect(out).toBe(
      lines(
        "demo.md:2: error: manifest gone.yaml does not exist",
        "  hint: paths are relative to the directory the command runs in (.)",
        "demo.md:10: note: not checked: $(ls notes*).txt",
        "  hint: $(...) is only known when the demo runs",
        "demo.md:11: warning: helm: command not found on PATH",
        "  hint: install helm, or add the directory that holds it to PATH",
        "values.yaml:1:4: error: YAML syntax error: Nested mappings are not allowed in compact mappings",
        "  hint: the demo uses this file, and it does not parse as YAML",
        "demoshts check: 2 errors, 1 warning, 1 note in demo.md (and 1 nested demo, 2 files checked)",
      ),
    );
  });

  it("exits 0 when there are only warnings and notes, and says so in the singular", async () => {
    const files = { "demo.sh": lines("helm version", "cat $UNSET") };
    const { code, out } = await run(files, "demo.sh", {}, noHelm);
    expect(code).toBe(0);
    expect(out.split("\n").at(-2)).toBe(
      "demoshts check: 0 errors, 1 warning, 1 note in demo.sh (and 0 nested demos, 0 files checked)",
    );
  });

  it("exits 1 for a script that does not read", async () => {
    const { code, out } = await run({ "demo.sh": "#@end\n" }, "demo.sh");
    expect(code).toBe(1);
    expect(out).toContain("demo.sh:1: error: @end without a matching @macro\n  hint: ");
  });

  it("exits 2, on stderr, when the check cannot run at all", async () => {
    const missing = await run({}, "nowhere.md");
    expect(missing).toEqual({
      code: 2,
      out: "",
      err: lines(
        "nowhere.md:1: error: cannot read nowhere.md: no such file",
        "  hint: check the path; it is relative to the current directory",
        "demoshts check: nowhere.md was not checked",
      ),
    });
    const dir = await run({ "sub/x": "" }, "sub");
    expect(dir.code).toBe(2);
    expect(dir.err).toContain("cannot read sub: it is a directory");
    const crds = await run({ "demo.sh": "echo\n" }, "demo.sh", { crds: ["crds.yaml"] });
    expect(crds.code).toBe(2);
    expect(crds.err).toContain("cannot read --crds crds.yaml: no such file or directory");
  });
});

describe("the JSON report", () => {
  it("is one JSON object with the findings in report order and a summary", async () => {
    const { code, out } = await run(FILES, "demo.md", { format: "json" }, noHelm);
    expect(code).toBe(1);
    const report = JSON.parse(out) as { findings: Finding[]; summary: object };
    expect(report.summary).toEqual({
      file: "demo.md",
      errors: 2,
      warnings: 1,
      notes: 1,
      nestedDemos: 1,
      filesChecked: 2,
    });
    expect(report.findings[0]).toEqual({
      severity: "error",
      file: "demo.md",
      line: 2,
      message: "manifest gone.yaml does not exist",
      hint: "paths are relative to the directory the command runs in (.)",
      rule: "missing-file",
    });
    expect(report.findings.map((f) => `${f.file}:${f.line}:${f.column ?? "-"} ${f.rule}`)).toEqual([
      "demo.md:2:- missing-file",
      "demo.md:10:- not-checked",
      "demo.md:11:- command-not-found",
      "values.yaml:1:4 yaml-syntax",
    ]);
  });
});

describe("GitHub Actions annotations", () => {
  it("follows the report with one workflow command per finding", async () => {
    const { out } = await run(FILES, "demo.md", { githubActions: true }, noHelm);
    const annotations = out.split("\n").filter((l) => l.startsWith("::"));
    expect(annotations).toEqual([
      "::error file=demo.md,line=2::manifest gone.yaml does not exist%0Ahint: paths are relative to the directory the command runs in (.)",
      "::notice file=demo.md,line=10::not checked: $(ls notes*).txt%0Ahint: $(...) is only known when the demo runs",
      "::warning file=demo.md,line=11::helm: command not found on PATH%0Ahint: install helm, or add the directory that holds it to PATH",
      "::error file=values.yaml,line=1,col=4::YAML syntax error: Nested mappings are not allowed in compact mappings%0Ahint: the demo uses this file, and it does not parse as YAML",
    ]);
  });

  it("keeps stdout pure JSON, and puts the annotations on stderr, with --format json", async () => {
    const { out, err } = await run(
      FILES,
      "demo.md",
      { githubActions: true, format: "json" },
      noHelm,
    );
    expect(() => JSON.parse(out)).not.toThrow();
    expect(err.split("\n").filter((l) => l.startsWith("::error"))).toHaveLength(2);
  });

  it("annotates a check that cannot run", async () => {
    const { out } = await run({}, "gone.md", { githubActions: true });
    expect(out).toBe(
      "::error file=gone.md,line=1::cannot read gone.md: no such file%0Ahint: check the path; it is relative to the current directory\n",
    );
  });

  it("escapes %, CR and LF in messages, and also : and , in properties", () => {
    expect(escapeData("100% done\r\nnext")).toBe("100%25 done%0D%0Anext");
    expect(escapeProperty("dir,name:x%.md")).toBe("dir%2Cname%3Ax%25.md");
    expect(
      githubAnnotation({
        severity: "note",
        file: "a,b.md",
        line: 3,
        column: 7,
        message: "50% of\nit",
        rule: "x",
      }),
    ).toBe("::notice file=a%2Cb.md,line=3,col=7::50%25 of%0Ait");
  });
});
