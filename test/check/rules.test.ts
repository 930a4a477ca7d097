import { describe, expect, it } from "vitest";
import { analyzeDemo } from "../../src/check/check.js";
import { findings, lines, markdown, memoryIo, ROUTE_CRD, request, route } from "./helpers.js";

describe("what the reader reports", () => {
  it("reports reader warnings and errors, in nested demos too", async () => {
    const files = {
      "demo.md": markdown("echo hi", "$SHELL nested.md"),
      "nested.md": lines("```bash", "echo never closed"),
    };
    expect(await findings(files, "demo.md")).toEqual([
      "nested.md:1 warning reader: this shell block is never closed; everything after it is read as shell",
    ]);
    const broken = { "demo.sh": lines("echo one", "#@macro m", "echo two") };
    expect(await findings(broken, "demo.sh")).toEqual([
      "demo.sh:2 error reader: @macro m is never closed",
    ]);
  });

  it("reports a missing import at the @import line", async () => {
    const files = { "demo.md": lines("# Demo", "", "<!-- @import lib/setup.sh -->") };
    expect(await findings(files, "demo.md")).toEqual([
      "demo.md:3 error reader: cannot @import lib/setup.sh: no such file",
    ]);
  });

  it("makes a nested demo that cannot be read an error at the $SHELL line", async () => {
    const files = {
      "demo.md": markdown("echo one", "$SHELL steps/missing.md arg", "MESH=x\n$SHELL $MESH/x.md"),
    };
    expect(await findings(files, "demo.md")).toEqual([
      "demo.md:6 error nested-demo: nested demo steps/missing.md cannot be read: no such file",
      "demo.md:11 error nested-demo: nested demo x/x.md cannot be read: no such file",
    ]);
  });

  it("checks a $SHELL the dry run cannot plan (in a branch, or a directory)", async () => {
    const files = {
      "demo.sh": lines(
        "$SHELL gone.md && echo done",
        "$SHELL sub",
        "$SHELL $(pick).md",
        "true || $SHELL away.md",
      ),
      "sub/x.md": "",
    };
    expect(
      await findings(files, "demo.sh", {}, (n) => (n === "pick" ? undefined : `/bin/${n}`)),
    ).toEqual([
      "demo.sh:1 error nested-demo: nested demo gone.md cannot be read: no such file",
      "demo.sh:2 error nested-demo: nested demo sub cannot be read: is a directory",
      "demo.sh:3 warning command-not-found: pick: command not found on PATH",
      "demo.sh:3 note not-checked: not checked: $(pick).md",
      "demo.sh:4 error nested-demo: nested demo away.md does not exist",
    ]);
  });
});

describe("files the commands use", () => {
  it("finds missing kubectl -f files, in every spelling, and skips stdin and URLs", async () => {
    const files = {
      "demo.sh": lines(
        "kubectl apply -f a.yaml",
        "kubectl -n faces create --filename=b.yaml",
        "kubectl --context kind replace -fc.yaml",
        "kubectl delete -f=d.yaml --ignore-not-found",
        "kubectl apply -f ok.yaml -f missing.yaml",
        "linkerd install | kubectl apply -f -",
        "kubectl apply -f https://example.com/x.yaml",
        "kubectl get -f whatever.yaml",
        "kubectl create namespace faces",
      ),
      "ok.yaml": lines("apiVersion: v1", "kind: Namespace", "metadata:", "  name: x"),
    };
    expect((await findings(files, "demo.sh")).filter((f) => !f.includes("note"))).toEqual([
      "demo.sh:1 error missing-file: manifest a.yaml does not exist",
      "demo.sh:2 error missing-file: manifest b.yaml does not exist",
      "demo.sh:3 error missing-file: manifest c.yaml does not exist",
      "demo.sh:4 error missing-file: manifest d.yaml does not exist",
      "demo.sh:5 error missing-file: manifest missing.yaml does not exist",
    ]);
  });

  it("reads every manifest of a kubectl -f directory (-R for subdirectories)", async () => {
    const files = {
      "demo.sh": lines(
        "kubectl apply -f k8s",
        "kubectl apply -R -f deep",
        "kubectl apply -f empty",
      ),
      "k8s/a.yaml": "a: [",
      "k8s/b.json": "{",
      "k8s/notes.txt": "not: [yaml",
      "k8s/sub/c.yaml": "c: [",
      "deep/sub/d.yml": "d: [",
      "empty/README.md": "# nothing",
    };
    expect(await findings(files, "demo.sh")).toEqual([
      "deep/sub/d.yml:1:5 error yaml-syntax: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
      "demo.sh:3 error missing-file: manifest empty has no .yaml, .yml or .json files",
      "k8s/a.yaml:1:5 error yaml-syntax: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
      "k8s/b.json:1:2 error yaml-syntax: YAML syntax error: Flow map must end with a }",
    ]);
  });

  it("checks kubectl -k directories for a kustomization", async () => {
    const files = {
      "demo.sh": lines(
        "kubectl apply -k good",
        "kubectl apply -k bare",
        "kubectl apply -k file.yaml",
      ),
      "good/kustomization.yaml": "resources: [a.yaml]\n",
      "good/a.yaml": "",
      "bare/a.yaml": "",
      "file.yaml": "",
    };
    expect(await findings(files, "demo.sh")).toEqual([
      "demo.sh:2 error missing-file: kustomization directory bare has no kustomization.yaml",
      "demo.sh:3 error missing-file: kustomization directory file.yaml is not a directory",
    ]);
  });

  it("finds Helm values files, and YAML errors in them", async () => {
    const files = {
      "demo.sh": lines(
        "helm install faces -n faces oci://ghcr.io/x/chart \\",
        "  --version 1.0 \\",
        "  --values values.yaml",
        "helm upgrade faces chart -f gone.yaml --values=a.yaml,b.yaml -fc.yaml",
        "helm repo add x https://x.example.com",
      ),
      "values.yaml": lines("face:", "  errorFraction: 0", " bad: indent"),
      "a.yaml": "x: 1\n",
      "c.yaml": "y: 2\n",
    };
    expect(await findings(files, "demo.sh")).toEqual([
      "demo.sh:4 error missing-file: Helm values file b.yaml does not exist",
      "demo.sh:4 error missing-file: Helm values file gone.yaml does not exist",
      "values.yaml:3:1 error yaml-syntax: YAML syntax error: All mapping items must start at the same column",
    ]);
  });

  it("finds the files of bat, batcat, cat and diff, past their options, with brace expansion", async () => {
    const files = {
      "demo.md": markdown(
        "bat -l yaml --style=plain shown.yaml gone.txt",
        "batcat --paging never -- -odd-name",
        "cat -n one.txt - two.txt",
        "diff -u99 --color=always k8s/{a,b}.yaml",
        "diff -r dir1 dir2",
        "bat dir1",
      ),
      "shown.yaml": "x: 1\n",
      "one.txt": "",
      "k8s/a.yaml": "a: 1\n",
      "dir1/x": "",
    };
    expect(await findings(files, "demo.md")).toEqual([
      "demo.md:2 error missing-file: file gone.txt does not exist",
      "demo.md:6 error missing-file: file -odd-name does not exist",
      "demo.md:10 error missing-file: file two.txt does not exist",
      "demo.md:14 error missing-file: file k8s/b.yaml does not exist",
      "demo.md:18 error missing-file: file dir2 does not exist",
      "demo.md:22 error missing-file: file dir1 is a directory",
    ]);
  });

  it("finds sourced files and scripts run with bash, sh or a path", async () => {
    const files = {
      "demo.sh": lines(
        "source lib.sh",
        ". ./gone.sh",
        "bash -x -o pipefail run.sh arg",
        "sh missing.sh",
        "bash -c 'echo not a file'",
        "curl -sL https://example.com | sh -",
        "./tools/setup.sh",
        "tools/absent.sh --flag",
        "/nowhere/bin/tool",
        "IP=$(bash ip.sh)",
        "bash $MESH/get-ip.sh",
      ),
      "lib.sh": "",
      "run.sh": "",
      "tools/setup.sh": "",
    };
    expect(await findings(files, "demo.sh")).toEqual([
      "demo.sh:2 error missing-file: sourced file ./gone.sh does not exist",
      "demo.sh:4 error missing-file: script missing.sh does not exist",
      "demo.sh:8 error missing-file: command tools/absent.sh does not exist",
      "demo.sh:9 error missing-file: command /nowhere/bin/tool does not exist",
      "demo.sh:10 error missing-file: script ip.sh does not exist",
      "demo.sh:11 note not-checked: not checked: $MESH/get-ip.sh",
    ]);
  });

  it("reports at the line of the word, in a command over several lines", async () => {
    const files = { "demo.md": markdown("kubectl apply \\\n  -f one.yaml \\\n  -f two.yaml") };
    expect(await findings(files, "demo.md")).toEqual([
      "demo.md:3 error missing-file: manifest one.yaml does not exist",
      "demo.md:4 error missing-file: manifest two.yaml does not exist",
    ]);
  });
});

describe("paths from what is known", () => {
  it("expands the environment, --env, literal assignments and $1", async () => {
    const files = {
      "demo.md": markdown(
        "kubectl apply -f $MESH/gateway.yaml",
        "DIR=k8s\nexport NAME=route",
        "kubectl apply -f ${DIR}/${NAME}.yaml",
        "bat $1.yaml",
        "X=inline; cat $X.txt",
      ),
    };
    const result = await findings(files, "demo.md", {
      env: { PATH: "/bin", MESH: "istio" },
      args: ["first"],
    });
    expect(result).toEqual([
      "demo.md:2 error missing-file: manifest istio/gateway.yaml does not exist",
      "demo.md:11 error missing-file: manifest k8s/route.yaml does not exist",
      "demo.md:15 error missing-file: file first.yaml does not exist",
      "demo.md:19 error missing-file: file inline.txt does not exist",
    ]);
  });

  it("follows cd to known directories, and stops checking relative paths after an unknown one", async () => {
    const files = {
      "demo.md": markdown(
        "cd sub",
        "cat here.txt gone.txt",
        "cd /demo && cat here.txt",
        "cd $(mktemp -d)",
        "cat anything.txt /demo/sub/here.txt /abs/gone.txt",
      ),
      "sub/here.txt": "",
    };
    expect(await findings(files, "demo.md")).toEqual([
      "demo.md:6 error missing-file: file gone.txt does not exist",
      "demo.md:10 error missing-file: file here.txt does not exist",
      "demo.md:18 error missing-file: file /abs/gone.txt does not exist",
      "demo.md:18 note not-checked: not checked: anything.txt",
    ]);
  });

  it("keeps a cd in a subshell, a pipeline stage or $( ) to itself", async () => {
    const files = {
      "demo.sh": lines(
        "(cd sub && cat inner.txt)",
        "cat top.txt",
        "cd sub | cat; cat top.txt",
        "n=$(cd sub; cat inner.txt); cat top.txt inner.txt",
        "(cd sub; (cd ..; cat top.txt); cat inner.txt top.txt)",
      ),
      "top.txt": "",
      "sub/inner.txt": "",
    };
    expect(await findings(files, "demo.sh")).toEqual([
      "demo.sh:4 error missing-file: file inner.txt does not exist",
      "demo.sh:5 error missing-file: file top.txt does not exist",
    ]);
  });

  it("makes a path that cannot be known a note, never an error", async () => {
    const files = {
      "demo.sh": lines(
        "kubectl apply -f $(ls x).yaml",
        "cat `pick`",
        "bat $UNSET/x.yaml",
        "OUT=$(make)",
        "cat $OUT",
        "for f in a b; do cat $f.txt; done",
        "cd $(mktemp -d) && cat k8s/*.yaml",
      ),
    };
    const io = memoryIo(files);
    const result = await analyzeDemo(request("demo.sh"), io);
    expect(result.findings.map((f) => `${f.line} ${f.severity}: ${f.message} (${f.hint})`)).toEqual(
      [
        "1 note: not checked: $(ls x).yaml ($(...) is only known when the demo runs)",
        "2 note: not checked: `pick` (`...` is only known when the demo runs)",
        "3 note: not checked: $UNSET/x.yaml ($UNSET is not set: assume a value with --env UNSET=VALUE)",
        "5 note: not checked: $OUT ($OUT is only known when the demo runs)",
        "6 note: not checked: $f.txt ($f is only known when the demo runs)",
        "7 note: not checked: k8s/*.yaml (a glob pattern: what it matches is only known when the demo runs)",
      ],
    );
  });

  it("checks function bodies, with their arguments unknown and no note for them", async () => {
    const files = {
      "demo.sh": lines(
        "show() {",
        '  bat "$@"',
        "  cat fixed.txt",
        '  kubectl apply -f "$1"',
        "}",
        "show real.yaml",
      ),
    };
    expect(await findings(files, "demo.sh", { args: ["x"] })).toEqual([
      "demo.sh:3 error missing-file: file fixed.txt does not exist",
    ]);
  });

  it("executes nothing, not even the substitutions", async () => {
    let calls = 0;
    const io = memoryIo({ "demo.sh": lines("touch made.txt", "X=$(rm -rf /)", "echo $X > out") });
    const which = io.which;
    const counted = {
      ...io,
      which: (name: string, p: string) => {
        calls++;
        return which(name, p);
      },
    };
    await analyzeDemo(request("demo.sh"), counted);
    // Looked up, never run: the io has no way to run anything at all.
    expect(calls).toBe(2);
  });
});

describe("YAML and manifests", () => {
  it("validates applied manifests against the CRDs the demo applies, at the manifest's line", async () => {
    const files = {
      "demo.sh": lines("kubectl apply -f crds.yaml", "kubectl apply -f route.yaml"),
      "crds.yaml": ROUTE_CRD,
      "route.yaml": route("  weigth: 10\n  backend: 3"),
    };
    expect(await findings(files, "demo.sh")).toEqual([
      "route.yaml:6:3 error manifest: unknown field spec.weigth (did you mean weight?)",
      "route.yaml:7:12 error manifest: spec.backend: must be string (got number 3)",
    ]);
  });

  it("takes CRDs from every applied file, even one applied later, and from --crds", async () => {
    const files = {
      "demo.sh": lines("kubectl apply -f route.yaml", "kubectl apply -f crds.yaml"),
      "crds.yaml": ROUTE_CRD,
      "route.yaml": route("  weight: -1"),
      "more/crds.yaml": ROUTE_CRD,
    };
    const problem = "route.yaml:6:11 error manifest: spec.weight: must be >= 0 (got -1)";
    expect(await findings(files, "demo.sh")).toEqual([problem]);
    const onlyFlag = { ...files, "demo.sh": "kubectl apply -f route.yaml\n" };
    expect(await findings(onlyFlag, "demo.sh", { crds: ["more/crds.yaml"] })).toEqual([problem]);
    expect(await findings(onlyFlag, "demo.sh", { crds: ["more"] })).toEqual([problem]);
    // Deleting a CRD file does not make its CRDs known.
    const deleted = {
      ...files,
      "demo.sh": lines("kubectl delete -f crds.yaml", "kubectl apply -f route.yaml"),
    };
    expect(await findings(deleted, "demo.sh")).toEqual([
      "route.yaml:1 note not-validated: not validated: Route (example.com/v1) in route.yaml:1",
    ]);
  });

  it("notes a custom kind with no schema once, and never Kubernetes's own kinds", async () => {
    const files = {
      "demo.sh": lines("kubectl apply -f app.yaml", "kubectl apply -f more.yaml"),
      "app.yaml": [
        lines("apiVersion: v1", "kind: Namespace", "metadata:", "  name: faces"),
        lines("apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: face"),
        lines("apiVersion: networking.k8s.io/v1", "kind: Ingress", "metadata:", "  name: in"),
        lines("apiVersion: example.com/v1", "kind: Widget", "metadata:", "  name: one"),
      ].join("---\n"),
      "more.yaml": [
        lines("apiVersion: example.com/v1", "kind: Widget", "metadata:", "  name: two"),
        lines("apiVersion: example.com/v1", "kind: Widget", "metadata:", "  name: three"),
        lines(
          "apiVersion: gateway.networking.k8s.io/v1",
          "kind: HTTPRoute",
          "metadata:",
          "  name: r",
        ),
      ].join("---\n"),
    };
    expect(await findings(files, "demo.sh")).toEqual([
      "app.yaml:16 note not-validated: not validated: Widget (example.com/v1) in app.yaml:16 (and 2 more objects of this kind)",
      "more.yaml:11 note not-validated: not validated: HTTPRoute (gateway.networking.k8s.io/v1) in more.yaml:11",
    ]);
  });

  it("reports a version that is not served, and kinds with no schema as notes", async () => {
    const files = {
      "demo.sh": lines("kubectl apply -f crds.yaml -f all.yaml"),
      "crds.yaml": ROUTE_CRD,
      "all.yaml": [
        route("  weight: 1", "example.com/v1alpha1"),
        lines("apiVersion: v1", "kind: Namespace", "metadata:", "  name: faces"),
        route("  weight: 1", "example.com/v2"),
      ].join("---\n"),
    };
    expect(await findings(files, "demo.sh")).toEqual([
      "all.yaml:1:13 error manifest: apiVersion: Route example.com/v1alpha1 is defined but not served (served: example.com/v1)",
      "all.yaml:13:13 error manifest: apiVersion: example.com/v2 is not a version of Route (served: example.com/v1)",
    ]);
  });

  it("validates shown YAML only when every document is a Kubernetes object", async () => {
    const files = {
      "demo.sh": lines(
        "kubectl apply -f crds.yaml",
        "bat route.yaml values.yaml",
        "diff -u route.yaml mixed.yaml",
        "cat broken.yml",
      ),
      "crds.yaml": ROUTE_CRD,
      "route.yaml": route("  weigth: 1"),
      "values.yaml": lines("weigth: 1", "kind: NotAnObject"),
      "mixed.yaml": `${route("  weigth: 2")}---\nplain: values\n`,
      "broken.yml": "a: b: c\n",
    };
    expect(await findings(files, "demo.sh")).toEqual([
      "broken.yml:1:4 error yaml-syntax: YAML syntax error: Nested mappings are not allowed in compact mappings",
      "route.yaml:6:3 error manifest: unknown field spec.weigth (did you mean weight?)",
    ]);
  });

  it("reports a CRD the API server would refuse", async () => {
    const files = {
      "demo.sh": "kubectl apply -f crd.yaml\n",
      "crd.yaml": ROUTE_CRD.replace("  group: example.com\n", ""),
    };
    expect(await findings(files, "demo.sh")).toEqual([
      "crd.yaml:1:1 error manifest: CustomResourceDefinition routes.example.com has no spec.group",
    ]);
  });

  it("cannot run at all when a --crds file is missing or not CRDs", async () => {
    const files = { "demo.sh": "echo hi\n", "bad.yaml": "a: [\n", "plain.yaml": "a: 1\n" };
    const missing = await analyzeDemo(request("demo.sh", { crds: ["nope.yaml"] }), memoryIo(files));
    expect(missing.fatal?.message).toBe("cannot read --crds nope.yaml: no such file or directory");
    const bad = await analyzeDemo(request("demo.sh", { crds: ["bad.yaml"] }), memoryIo(files));
    expect(bad.fatal?.message).toMatch(/^--crds bad.yaml cannot be read as CRDs: /);
    expect(bad.fatal?.loc).toEqual({ file: "bad.yaml", line: 2 });
    expect(await findings(files, "demo.sh", { crds: ["plain.yaml"] })).toEqual([
      "plain.yaml:1 warning crds: --crds plain.yaml holds no CustomResourceDefinition",
    ]);
  });
});

describe("commands on PATH", () => {
  const onlyBasics = (name: string): string | undefined =>
    ["echo", "ls", "cat"].includes(name) ? `/bin/${name}` : undefined;

  it("warns once per missing command, at its first use, and lists every command", async () => {
    const files = {
      "demo.md": markdown("ls", "kubectl get pods | grep x", "kubectl get ns", "cat x 2>/dev/null"),
      x: "",
    };
    const result = await analyzeDemo(request("demo.md"), memoryIo(files, onlyBasics));
    expect(result.findings.map((f) => `${f.line} ${f.severity}: ${f.message}`)).toEqual([
      "6 warning: kubectl: command not found on PATH",
      "6 warning: grep: command not found on PATH",
    ]);
    expect(Object.fromEntries(result.commands)).toEqual({
      ls: { file: "demo.md", line: 2, found: "/bin/ls" },
      kubectl: { file: "demo.md", line: 6, found: undefined },
      grep: { file: "demo.md", line: 6, found: undefined },
      cat: { file: "demo.md", line: 14, found: "/bin/cat" },
    });
  });

  it("skips keywords, builtins, functions, aliases, hooks and macros defined anywhere", async () => {
    const files = {
      "demo.md": [
        "<!-- @hook show_slides SLIDES -->",
        "<!-- @macro setup -->",
        "later_function",
        "<!-- @end -->",
        markdown(
          "if true; then echo; fi; for i in 1; do :; done; [[ -n x ]] && test 1; [ 1 ]",
          "setup",
          "alias k=kubectl\nk get pods",
          "show_slides",
          "later_function() {\n  echo hi\n}",
          "function other { :; }; other",
          "$UNKNOWN_TOOL --flag",
          "cd /; export A=1; local b; read -r c; printf x; source /dev/null",
        ),
      ].join("\n"),
    };
    const result = await analyzeDemo(
      request("demo.md", { load: { builtins: false, init: false, home: undefined } }),
      memoryIo({ ...files, "/dev/null": "" }, () => undefined),
    );
    expect(result.findings).toEqual([]);
    expect([...result.commands.keys()]).toEqual([]);
  });

  it("looks through wrappers, and checks the wrappers too", async () => {
    const files = {
      "demo.sh": lines(
        "env A=1 -u B tool1 --x",
        "command tool2",
        "command -v tool3 || echo missing",
        "exec tool4",
        "sudo -u root tool5",
        "timeout -s KILL 5s tool6 arg",
        "nohup nice -n 5 tool7",
        "LINKERD2_VERSION=x sh",
      ),
    };
    const result = await analyzeDemo(
      request("demo.sh"),
      memoryIo(files, () => undefined),
    );
    expect([...result.commands.keys()]).toEqual([
      "env",
      "tool1",
      "tool2",
      "tool4",
      "sudo",
      "tool5",
      "timeout",
      "tool6",
      "nohup",
      "nice",
      "tool7",
      "sh",
    ]);
  });

  it("makes a command the demo checks for with command -v a note, and says nothing of one it runs only when found", async () => {
    const files = {
      "demo.sh": lines(
        "if command -v batcat >/dev/null; then",
        '  bat() { batcat "$@"; }',
        "fi",
        "if type fancy >/dev/null 2>&1; then fancy; fi",
      ),
    };
    expect(await findings(files, "demo.sh", {}, onlyBasics)).toEqual([
      // Line 1 is a command of its own: the test is not known to guard line 2.
      "demo.sh:2 note command-not-found: batcat: command not found on PATH (the demo checks for it before use)",
    ]);
  });

  it("looks on the PATH the demo sets, and says so when it has changed", async () => {
    const files = {
      "demo.sh": lines(
        "export PATH=/opt/tool/bin:$PATH",
        "tool version",
        "PATH=$(extra):$PATH",
        "other",
      ),
    };
    const which = (name: string, pathEnv: string) =>
      name === "tool" && pathEnv.startsWith("/opt/tool/bin:") ? "/opt/tool/bin/tool" : undefined;
    const result = await analyzeDemo(request("demo.sh"), memoryIo(files, which));
    expect(result.commands.get("tool")?.found).toBe("/opt/tool/bin/tool");
    expect(result.findings.map((f) => `${f.line} ${f.severity}: ${f.message} (${f.hint})`)).toEqual(
      [
        // Line 1 already changed PATH when line 3 runs.
        "3 warning: extra: command not found on PATH (the demo changes PATH before this command, so extra may be there by then; otherwise install it)",
        "4 warning: other: command not found on PATH (the demo changes PATH before this command, so other may be there by then; otherwise install it)",
      ],
    );
  });

  it("finds commands of builtin macros and immediate directives", async () => {
    const files = { "demo.md": lines("<!-- @wait_clear -->", "<!-- @fancy-tool now -->") };
    expect(await findings(files, "demo.md", {}, onlyBasics)).toEqual([
      "(builtins):5 warning command-not-found: clear: command not found on PATH",
      "demo.md:2 warning command-not-found: fancy-tool: command not found on PATH",
    ]);
  });
});
