import { describe, expect, it } from "vitest";
import { findings, lines, markdown, ROUTE_CRD, route } from "./helpers.js";

/** A demo that applies the Route CRD first, then does `body`. */
const withCrd = (...body: string[]): string => lines("kubectl apply -f crds.yaml", ...body);

describe("files the demo makes before it uses them", () => {
  it("takes a heredoc written to a file as that file, and validates it at the heredoc's lines", async () => {
    const files = {
      "demo.sh": withCrd(
        "cat > config.yaml <<YAML",
        ...route("  weigth: 10").trimEnd().split("\n"),
        "YAML",
        "kubectl apply -f config.yaml",
        "cat >> log.txt <<EOF",
        "anything",
        "EOF",
        "bat log.txt",
      ),
      "crds.yaml": ROUTE_CRD,
    };
    expect(await findings(files, "demo.sh")).toEqual([
      "demo.sh:8:3 error manifest: unknown field spec.weigth (did you mean weight?)",
    ]);
  });

  it("validates a manifest fed to kubectl -f - from a heredoc, directly or through cat", async () => {
    const files = {
      "demo.md": markdown(
        withCrd(
          "kubectl apply -f - <<EOF",
          ...route("  weight: -1").trimEnd().split("\n"),
          "EOF",
        ).trimEnd(),
        lines(
          "cat <<'EOF' | kubectl apply -f -",
          ...route("  backend: 3").trimEnd().split("\n"),
          "EOF",
        ).trimEnd(),
      ),
      "crds.yaml": ROUTE_CRD,
    };
    expect(await findings(files, "demo.md")).toEqual([
      "demo.md:9:11 error manifest: spec.weight: must be >= 0 (got -1)",
      "demo.md:20:12 error manifest: spec.backend: must be string (got number 3)",
    ]);
  });

  it("fills a heredoc's variables in before validating, and leaves a quoted one as written", async () => {
    const files = {
      "demo.sh": withCrd(
        "W=5",
        "kubectl apply -f - <<EOF",
        ...route("  weight: $W").trimEnd().split("\n"),
        "EOF",
        "kubectl apply -f - <<EOF",
        ...route("  weight: $(date +%s)").trimEnd().split("\n"),
        "EOF",
      ),
      "crds.yaml": ROUTE_CRD,
    };
    expect(await findings(files, "demo.sh")).toEqual([
      "demo.sh:12 note not-checked: not checked: the manifest in this heredoc",
    ]);
  });

  it("knows the files that tee, cp, mv, touch, mkdir, curl, wget, git clone, helm pull, openssl and step make", async () => {
    const files = {
      "demo.sh": lines(
        "echo x | tee out/../teed.yaml",
        "kubectl apply -f teed.yaml",
        "cp src.yaml copied.yaml && kubectl apply -f copied.yaml",
        "mkdir -p work/sub && cp src.yaml work/sub/ && bat work/sub/src.yaml",
        "mv src.yaml moved.yaml; cat moved.yaml",
        "touch empty.txt; cat empty.txt",
        "curl -sSLo downloaded.yaml https://example.com/x.yaml && bat downloaded.yaml",
        "curl -O https://example.com/files/remote.yaml; bat remote.yaml",
        "wget -q https://example.com/w.yaml && bat w.yaml",
        "wget -O other.yaml https://example.com/x && bat other.yaml",
        "git clone https://github.com/example/faces.git && bat faces/values.yaml",
        "helm pull oci://ghcr.io/example/charts/faces-chart --untar && bat faces-chart/values.yaml",
        "kubectl get pods -o yaml > pods.yaml; bat pods.yaml",
        "openssl req -x509 -newkey rsa:2048 -keyout ca.key -out ca.crt -nodes -subj /CN=x; cat ca.crt ca.key",
        "step certificate create root.example root.crt root.key --profile root-ca; cat root.crt root.key",
        "tar -xzf bundle.tgz -C unpacked manifests/a.yaml; bat unpacked/manifests/a.yaml",
      ),
      "src.yaml": "a: 1\n",
      "bundle.tgz": "",
      "unpacked/.keep": "",
    };
    expect(await findings(files, "demo.sh")).toEqual([]);
  });

  it("still reports a file used before the command that makes it", async () => {
    const files = { "demo.sh": lines("bat later.yaml", "cat > later.yaml <<EOF", "a: 1", "EOF") };
    expect(await findings(files, "demo.sh")).toEqual([
      "demo.sh:1 error missing-file: file later.yaml does not exist",
    ]);
  });

  it("makes a file from an archive of unknown contents a note, not an error", async () => {
    const files = {
      "demo.sh": lines("tar xzf release.tgz", "kubectl apply -f release/install.yaml"),
      "release.tgz": "",
    };
    expect(await findings(files, "demo.sh")).toEqual([
      "demo.sh:2 note not-checked: not checked: release/install.yaml",
    ]);
  });
});

describe("what the demo reads", () => {
  it("reports a missing < file and a missing sourced file", async () => {
    const files = {
      "demo.sh": lines(
        "while read -r l; do echo $l; done < names.txt",
        "wc -l < present.txt",
        "source ./env.sh",
        ". ./other.sh",
      ),
      "present.txt": "",
    };
    expect(await findings(files, "demo.sh")).toEqual([
      "demo.sh:1 error missing-file: input file names.txt does not exist",
      "demo.sh:3 error missing-file: sourced file ./env.sh does not exist",
      "demo.sh:4 error missing-file: sourced file ./other.sh does not exist",
    ]);
  });

  it("follows a kustomization's resources, and validates their manifests", async () => {
    const files = {
      "demo.sh": withCrd("kubectl apply -k overlay"),
      "crds.yaml": ROUTE_CRD,
      "overlay/kustomization.yaml": lines(
        "resources:",
        "  - ../base",
        "  - route.yaml",
        "  - gone.yaml",
        "  - https://example.com/remote.yaml",
      ),
      "overlay/route.yaml": route("  weight: many"),
      "base/kustomization.yaml": lines("resources:", "- base-route.yaml", "- nowhere"),
      "base/base-route.yaml": route("  backend: ok"),
    };
    expect(await findings(files, "demo.sh")).toEqual([
      "base/kustomization.yaml:3 error missing-file: resource nowhere does not exist",
      "overlay/kustomization.yaml:4 error missing-file: resource gone.yaml does not exist",
      'overlay/route.yaml:6:11 error manifest: spec.weight: must be integer (got string "many")',
    ]);
  });

  it("expands a glob written in the demo against the disk", async () => {
    const files = {
      "demo.sh": withCrd("kubectl apply -f 'k8s'/*.yaml", "bat docs/*.md"),
      "crds.yaml": ROUTE_CRD,
      "k8s/a.yaml": route("  weight: 1"),
      "k8s/b.yaml": route("  weight: x"),
      "k8s/notes.txt": "",
    };
    expect(await findings(files, "demo.sh")).toEqual([
      "demo.sh:3 error missing-file: file docs/*.md matches no file",
      'k8s/b.yaml:6:11 error manifest: spec.weight: must be integer (got string "x")',
    ]);
  });
});

describe("input of any depth", () => {
  it("checks a command with 1,200 nested $( and one whose nesting doubles per level", async () => {
    const deep = `echo ${"$(".repeat(1200)}cat gone.txt${")".repeat(1200)}`;
    let wide = "bat gone.txt";
    for (let i = 0; i < 12; i++) wide = `echo $(${wide}) $(${wide})`;
    const files = { "demo.sh": lines(deep, wide) };
    expect(await findings(files, "demo.sh")).toEqual([
      "demo.sh:1 error missing-file: file gone.txt does not exist",
      "demo.sh:2 error missing-file: file gone.txt does not exist",
    ]);
  }, 120_000);
});
