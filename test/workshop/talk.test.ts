import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, removeWorkspaces } from "../run/e2e-helpers.js";
import { runCli } from "./fakes.js";

// The talk as text: how much the audience hears, how it is paced, and what the files it shows
// on stage contain. Nothing here runs the workshop (the dry run executes nothing).

interface PlanRecord {
  kind: string;
  depth: number;
  text?: string;
  shown?: string;
}

let plan: PlanRecord[];
beforeAll(async () => {
  const dry = await runCli(ROOT, ["--dry-run", "--json", "README.md"], { DEMO_MESH: "linkerd" });
  plan = dry.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as PlanRecord);
});
afterAll(() => {
  removeWorkspaces();
});

const words = (text: string): string[] => text.split(/\s+/).filter((w) => /[A-Za-z0-9]/.test(w));

describe("the talk", () => {
  it("is a talk, not notes: about 3,000 words shown, and 35 or more pauses", () => {
    const shown = plan.filter((r) => r.kind === "commentary").flatMap((r) => words(r.text ?? ""));
    expect(shown.length).toBeGreaterThanOrEqual(2_800);
    expect(shown.length).toBeLessThanOrEqual(3_600);
    expect(plan.filter((r) => r.kind === "wait").length).toBeGreaterThanOrEqual(35);
  });

  it("is written for speaking: short sentences", () => {
    const text = plan
      .filter((r) => r.kind === "commentary")
      .map((r) => (r.text ?? "").replace(/`/g, ""))
      .join(" ");
    const lengths = text
      .split(/(?<=[.!?:])\s+/)
      .map((s) => words(s).length)
      .filter((n) => n > 0);
    const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
    expect(mean).toBeLessThan(12);
    expect(lengths.filter((n) => n > 20).length / lengths.length).toBeLessThan(0.05);
  });

  it("wraps up without calling the timeouts plain Gateway API on either mesh", () => {
    const top = plan.filter((r) => r.depth === 0 && r.kind === "commentary");
    const from = top.findIndex((r) => (r.text ?? "").includes("Wrapping up"));
    expect(from).toBeGreaterThan(0);
    const wrapUp = squash(
      top
        .slice(from)
        .map((r) => r.text)
        .join(" "),
    );
    expect(wrapUp).toContain(
      "with Linkerd, the `smiley` timeout used Linkerd's own HTTPRoute type",
    );
    expect(wrapUp).toContain("gRPC has no timeouts in Gateway API v1.1");
    expect(wrapUp).not.toMatch(/timeouts?,? (was|were) plain Gateway API/i);
  });

  it("asks before it explains: a question, then a pause, then the answer", () => {
    const top = plan.filter((r) => r.depth === 0);
    for (const question of ["Why? Take a moment before the answer.", "Look before I tell you."]) {
      const at = top.findIndex((r) => r.kind === "commentary" && squash(r.text).includes(question));
      expect(at, question).toBeGreaterThan(0);
      expect(top[at + 1]?.kind, `a pause right after "${question}"`).toBe("wait");
    }
  });
});

const squash = (text: string | undefined): string => (text ?? "").replace(/\s+/g, " ");

// ---------------------------------------------------------------------------
// The files the audience reads

/** `{a,b}` brace expansion, as bash does it for the workshop's diff commands. */
function expandBraces(word: string): string[] {
  const match = /^(.*?)\{([^{}]*,[^{}]*)\}(.*)$/.exec(word);
  if (!match) return [word];
  const [, head = "", body = "", tail = ""] = match;
  return body.split(",").flatMap((part) => expandBraces(`${head}${part}${tail}`));
}

/** The lines only in `a` and only in `b` (a longest-common-subsequence diff). */
function changedLines(
  a: readonly string[],
  b: readonly string[],
): { removed: string[]; added: string[] } {
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const row = lcs[i] as number[];
      row[j] =
        a[i] === b[j]
          ? (lcs[i + 1]?.[j + 1] ?? 0) + 1
          : Math.max(lcs[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const removed: string[] = [];
  const added: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (
      j < b.length &&
      (i === a.length || (lcs[i]?.[j + 1] ?? 0) >= (lcs[i + 1]?.[j] ?? 0))
    ) {
      added.push(b[j++] as string);
    } else {
      removed.push(a[i++] as string);
    }
  }
  return { removed, added };
}

const read = (file: string): string[] => fs.readFileSync(path.join(ROOT, file), "utf8").split("\n");

/** What each diff shown on stage is about, as the talk says it just before. */
const DIFFS: Readonly<Record<string, { said: string; only: RegExp }>> = {
  "k8s/03-canary/smiley-canary-10.yaml k8s/03-canary/smiley-canary-50.yaml": {
    said: "Only the weights change.",
    only: /^ +weight: [0-9]+$/,
  },
  "k8s/03-canary/smiley-canary-50.yaml k8s/03-canary/smiley-canary-100.yaml": {
    said: "with weight 0",
    only: /^ +weight: [0-9]+$/,
  },
  "k8s/03-canary/color-canary-25.yaml k8s/03-canary/color-canary-50.yaml": {
    said: "Again, only the weights change.",
    only: /^ +weight: [0-9]+$/,
  },
  "k8s/01-base/face-route.yaml k8s/05-timeouts/face-route.yaml": {
    said: "one new field.",
    only: /^ +timeouts:$|^ +request: 200ms$/,
  },
};

describe("each diff the talk shows", () => {
  it("is one the talk explains, and holds only the change the talk names", () => {
    const top = plan.filter((r) => r.depth === 0);
    const shown = top.filter((r) => r.kind === "command" && r.shown?.startsWith("diff "));
    expect(shown.length).toBe(Object.keys(DIFFS).length);
    for (const record of shown) {
      const files = (record.shown ?? "")
        .split(/\s+/)
        .slice(1)
        .filter((w) => !w.startsWith("-"))
        .flatMap(expandBraces);
      const key = files.join(" ");
      const rule = DIFFS[key];
      expect(rule, `a rule for: ${record.shown}`).toBeDefined();
      if (!rule) continue;
      const before = top
        .slice(0, top.indexOf(record))
        .filter((r) => r.kind === "commentary")
        .at(-1);
      expect(squash(before?.text), record.shown).toContain(rule.said);
      const { removed, added } = changedLines(read(files[0] as string), read(files[1] as string));
      expect(removed.length + added.length, key).toBeGreaterThan(0);
      for (const line of [...removed, ...added]) expect(line, key).toMatch(rule.only);
    }
  });
});

describe("the files the talk shows and applies", () => {
  const shownFiles = () =>
    [
      ...new Set(
        plan
          .filter((r) => r.kind === "command")
          .flatMap((r) => (r.shown ?? "").split(/\s+/))
          .filter((w) => /\.ya?ml$/.test(w) && !w.includes("{"))
          .filter((w) => !w.startsWith("gateway-api/")),
      ),
    ].sort();

  it("are all the workshop's manifests and values", () => {
    expect(shownFiles()).toEqual(
      expect.arrayContaining([
        "faces/values.yaml",
        "linkerd/gateway.yaml",
        "k8s/01-base/gui-route.yaml",
      ]),
    );
  });

  it("carry no comments: what the audience reads is what the cluster gets", () => {
    const everyYaml = ["k8s", "linkerd", "istio", "faces"].flatMap((dir) =>
      fs
        .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".yaml"))
        .map((f) => `${dir}/${f}`),
    );
    for (const file of new Set([...everyYaml, ...shownFiles()])) {
      const comments = read(file).filter((line) => /^\s*#/.test(line));
      expect(comments, file).toEqual([]);
    }
  });

  it("are described, with their provenance, in k8s/README.md", () => {
    const readme = fs.readFileSync(path.join(ROOT, "k8s/README.md"), "utf8");
    for (const file of fs.readdirSync(path.join(ROOT, "k8s"), {
      recursive: true,
      encoding: "utf8",
    })) {
      if (!file.endsWith(".yaml")) continue;
      const stem = file.replace(/-(10|50|100|25)\.yaml$/, "").replace(/\.yaml$/, "");
      expect(readme, file).toContain(stem);
    }
    for (const other of [
      "linkerd/gateway.yaml",
      "istio/gateway.yaml",
      "faces/values.yaml",
      "gateway-api/experimental-install.yaml",
    ]) {
      expect(readme, other).toContain(other);
    }
  });
});
