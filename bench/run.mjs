// Benchmark: how long does a dry run of a large demo take?
//
// Generates a realistic 10,000-line Markdown demo in a temporary directory and
// times (a) reading it, (b) the whole dry run in this process, and (c) the CLI
// `node dist/cli.js --dry-run --json FILE` as a subprocess, against the target
// "dry run of a 10,000-line demo under 300 ms". It measures and reports; a
// figure over the target does not fail (exit 0). Run it with `npm run bench`,
// which builds dist/ first. `--keep` keeps the generated demo.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { importSource } from "./lib/source.mjs";

const { planDemo } = await importSource("plan/plan");
const { loadScript } = await importSource("reader/load");

const LINES = 10_000;
const TARGET_MS = 300;
const IN_PROCESS_RUNS = 15;
const CLI_RUNS = 7;
const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

// ---------------------------------------------------------------------------
// The demo

/** A small deterministic pseudo-random generator, so every run plans the same demo. */
function random(seed) {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state % n;
  };
}

const WORDS = (
  "the mesh proxy routes every request between services and reports its " +
  "latency success rate and traffic so that we can see what the cluster does " +
  "when a pod fails or a new version rolls out without changing the application"
).split(" ");

const pick = random(20_240_611);

function sentence() {
  const n = 8 + pick(10);
  const words = Array.from({ length: n }, () => WORDS[pick(WORDS.length)]);
  if (pick(3) === 0) words[pick(n)] = `\`kubectl get ${WORDS[pick(WORDS.length)]}\``;
  if (pick(4) === 0) words[pick(n)] = `**${WORDS[pick(WORDS.length)]}**`;
  const text = words.join(" ");
  return `${text[0].toUpperCase()}${text.slice(1)}.`;
}

/** A prose paragraph wrapped at about 76 columns. */
function paragraph() {
  const text = Array.from({ length: 2 + pick(3) }, sentence).join(" ");
  const lines = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + word.length + 1 > 76) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  lines.push(line);
  return [...lines, ""];
}

const fence = (lang, body) => [`\`\`\`${lang}`, ...body, "```", ""];

/** The top of the demo: hooks, macros in both syntaxes, hidden setup. */
function preamble() {
  return [
    "# A very long demo",
    "",
    "<!-- @hook show_slides SLIDES -->",
    "<!-- @hook show_terminal TERMINAL -->",
    "",
    ...fence("bash", [
      "#@macro pause",
      "  #@wait",
      "  #@clear",
      "#@end",
      "#@macro section_break",
      "  #@print # ----",
      "  #@wait",
      "#@end",
      "set -e",
      "DEMO_CLUSTER=bench",
      `DEMO_MESH="\${DEMO_MESH:-linkerd}"`,
    ]),
    "<!-- @macro show_state -->",
    `<!-- @print # cluster \${DEMO_CLUSTER}, step \${STEP} -->`,
    "<!-- @end -->",
    "",
    ...paragraph(),
    "<!-- @SHOW -->",
    "",
  ];
}

/** One section of the demo; `i` numbers it. */
function section(i) {
  const ns = `ns-${i}`;
  const out = [`## Part ${i}: ${WORDS[pick(WORDS.length)]} ${WORDS[pick(WORDS.length)]}`, ""];
  out.push(...paragraph());
  out.push(
    ...fence("bash", [
      `NS_${i}=${ns}`,
      `echo "Working in \${NS_${i}}"`,
      `kubectl get pods -n "\${NS_${i}}" \\`,
      "  -o wide \\",
      "  --sort-by=.metadata.name",
    ]),
  );
  out.push(...paragraph());
  if (pick(2) === 0) {
    out.push(
      ...fence("yaml", [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        `  name: settings-${i}`,
        `  namespace: ${ns}`,
        "data:",
        `  level: "${pick(5)}"`,
      ]),
    );
  }
  out.push("<!-- @wait -->", "");
  out.push(
    ...fence("bash", [
      `cat <<EOF | kubectl apply -f -`,
      "apiVersion: v1",
      "kind: Namespace",
      "metadata:",
      `  name: ${ns}`,
      "  annotations:",
      "    linkerd.io/inject: enabled",
      "EOF",
      `kubectl rollout status -n ${ns} deploy --timeout=60s`,
    ]),
  );
  out.push(...paragraph());
  switch (i % 4) {
    case 0:
      out.push(
        ...fence("bash", [
          `check_${i}() {`,
          '  local n="$1"',
          '  if [ "$n" -gt 0 ]; then',
          `    echo "part ${i}: $n pods ready"`,
          "  fi",
          "}",
          `check_${i} ${1 + pick(9)}`,
        ]),
      );
      break;
    case 1:
      out.push(
        "<!--",
        ...fence("bash", [
          "#@immed",
          `export STEP=${i}`,
          "#@noshow",
          `kubectl create ns ${ns}-tmp`,
        ]),
        "-->",
        "",
        "<!-- @show_state -->",
        "",
      );
      break;
    case 2:
      out.push(
        ...fence("bash", [
          "#@print # the next command is shown at once",
          "#@notypeout",
          `echo "a quoted string`,
          `that spans two lines in part ${i}"`,
          "#@waitafter",
          `linkerd viz stat deploy -n ${ns}`,
        ]),
      );
      break;
    default:
      out.push(
        "<!-- @HIDE -->",
        ...fence("bash", [`kubectl delete ns ${ns}-old --ignore-not-found`, "sleep 0"]),
        "<!-- @SHOW -->",
        "",
        "<!-- @ifhook show_slides -->",
        "<!-- @show_slides -->",
        "<!-- @endif -->",
        "",
      );
  }
  out.push(...paragraph());
  out.push(...fence("bash", [i % 3 === 0 ? "section_break" : "pause"]));
  return out;
}

function generateDemo() {
  const lines = preamble();
  for (let i = 1; ; i++) {
    const next = section(i);
    if (lines.length + next.length > LINES - 2) break;
    lines.push(...next);
  }
  lines.push("<!-- @wait -->");
  while (lines.length < LINES) lines.push("That is the end of the demo.");
  return `${lines.join("\n")}\n`;
}

// ---------------------------------------------------------------------------
// Measuring

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function timeRuns(runs, fn) {
  await fn(); // warm-up, not counted
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return { median: median(times), min: Math.min(...times), runs };
}

function countSteps(steps) {
  let n = 0;
  for (const step of steps) {
    n++;
    if (step.kind === "macro" || step.kind === "ifhook") n += countSteps(step.body);
  }
  return n;
}

const ms = (t) => `${t.toFixed(1)} ms`.padStart(10);
const verdict = (t) => (t < TARGET_MS ? "PASS" : "OVER");

const dir = mkdtempSync(path.join(tmpdir(), "demoshts-bench-"));
const file = path.join(dir, "long-demo.md");
const keep = process.argv.includes("--keep");

try {
  writeFileSync(file, generateDemo());
  const lines = readFileSync(file, "utf8").split("\n").length - 1;

  // The same host and options as the CLI: files from disk, builtins, no init file.
  const host = {
    cwd: dir,
    readFile(absolute) {
      try {
        return { ok: true, data: readFileSync(absolute) };
      } catch (error) {
        return { ok: false, reason: String(error.message) };
      }
    },
  };
  const load = { builtins: true, init: false, home: undefined };
  const input = { file: "long-demo.md", args: [], env: process.env, load, shellCommand: CLI };

  // The first dry run in a fresh process runs cold (not yet optimised), as the CLI's does.
  const coldStart = performance.now();
  const planned = await planDemo(input, host);
  const cold = performance.now() - coldStart;
  const loaded = loadScript("long-demo.md", load, host);
  if (!loaded.ok || !planned.ok) {
    const d = loaded.ok ? planned.error : loaded.error;
    console.error(
      `bench: the generated demo did not plan: ${d.loc.file}:${d.loc.line}: ${d.message}`,
    );
    console.error(`bench: kept it in ${dir}`);
    process.exit(1);
  }
  const cliArgs = [CLI, "--dry-run", "--json", file];
  const probe = spawnSync(process.execPath, cliArgs, { cwd: dir, encoding: "utf8" });
  const cliRecords = probe.stdout.split("\n").filter((l) => l !== "").length;

  const read = await timeRuns(IN_PROCESS_RUNS, () => loadScript("long-demo.md", load, host));
  const plan = await timeRuns(IN_PROCESS_RUNS, () => planDemo(input, host));
  const cli = await timeRuns(CLI_RUNS, () => {
    spawnSync(process.execPath, cliArgs, { cwd: dir, stdio: "ignore" });
  });
  const version = await timeRuns(CLI_RUNS, () => {
    spawnSync(process.execPath, [CLI, "--version"], { cwd: dir, stdio: "ignore" });
  });
  const node = await timeRuns(CLI_RUNS, () => {
    spawnSync(process.execPath, ["-e", ""], { stdio: "ignore" });
  });

  const top = loaded.script.steps.length;
  console.log(
    `demoshts bench: dry run of a generated ${lines.toLocaleString("en")}-line Markdown demo`,
  );
  console.log(`  demo: ${file}${keep ? "" : " (removed afterwards; --keep keeps it)"}`);
  console.log(`  lines: ${lines}`);
  console.log(
    `  steps read: ${top} (${countSteps(loaded.script.steps)} with macro and ifhook bodies)`,
  );
  console.log(`  records planned: ${planned.records.length}, warnings: ${planned.warnings.length}`);
  console.log(
    `  CLI: exit ${probe.status}, ${cliRecords} JSON lines` +
      (cliRecords === planned.records.length ? "" : "  (differs from the in-process plan!)"),
  );
  console.log("");
  console.log(`  ${"".padEnd(34)}${"median".padStart(10)}${"min".padStart(10)}   runs`);
  const row = (label, t) =>
    console.log(`  ${label.padEnd(34)}${ms(t.median)}${ms(t.min)}   ${t.runs}`);
  row("(a) read only (loadScript)", read);
  row("(b) dry run in process (planDemo)", plan);
  console.log(`  ${"    its first run, cold".padEnd(34)}${ms(cold)}${"".padStart(10)}   1`);
  row("(c) CLI --dry-run --json, wall", cli);
  row("    for scale: CLI --version", version);
  row("    for scale: node -e ''", node);
  console.log("");
  console.log(
    `  target: dry run of a ${LINES.toLocaleString("en")}-line demo under ${TARGET_MS} ms`,
  );
  console.log(`    in process ${ms(plan.median)}  ${verdict(plan.median)}`);
  console.log(`    CLI        ${ms(cli.median)}  ${verdict(cli.median)}`);
} finally {
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
