// A realistic generated Markdown demo for the benchmarks: prose, shell blocks
// with heredocs, functions, macros, hooks and hidden steps, the same every run.

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

let pick = random(20_240_611);

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

/** A Markdown demo of `count` lines, the same every time. */
export function generateDemo(count) {
  pick = random(20_240_611);
  const lines = preamble();
  for (let i = 1; ; i++) {
    const next = section(i);
    if (lines.length + next.length > count - 2) break;
    lines.push(...next);
  }
  lines.push("<!-- @wait -->");
  while (lines.length < count) lines.push("That is the end of the demo.");
  return `${lines.join("\n")}\n`;
}
