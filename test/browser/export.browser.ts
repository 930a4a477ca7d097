import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, expect, it } from "vitest";
import { removeWorkspaces, workspace } from "../helpers/workspace.js";
import { CLI } from "../pty/harness.js";

// The page `demoshts export --html` writes, opened in headless Chromium: the player starts,
// a chapter of the list jumps to its heading, and nothing reaches the console as an error.

afterAll(() => {
  removeWorkspaces();
});

function chromium(): string {
  for (const name of [process.env.CHROMIUM, "chromium", "chromium-browser", "google-chrome"]) {
    if (!name) continue;
    const found = spawnSync("sh", ["-c", `command -v "${name}"`], { encoding: "utf8" });
    if (found.status === 0) return found.stdout.trim();
  }
  throw new Error("no Chromium on PATH (Debian: apt-get install chromium), or set CHROMIUM");
}

const TALK = [
  "<!-- @SHOW -->",
  "",
  "# The talk",
  "",
  "```sh",
  'echo "one-$((1+1))"',
  "sleep 1",
  "```",
  "",
  "## Part two",
  "",
  "```sh",
  'echo "two-$((2+1))"',
  "```",
  "",
].join("\n");

// Put first in <head>: it collects every error, then clicks the second chapter and reports
// what the player shows into a <pre> that --dump-dom prints.
const PROBE = `<script>
window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push("error: " + e.message); });
window.addEventListener("unhandledrejection", function (e) { window.__errors.push("rejection: " + e.reason); });
var originalError = console.error;
console.error = function () {
  window.__errors.push("console.error: " + [].slice.call(arguments).join(" "));
  originalError.apply(console, arguments);
};
window.addEventListener("load", function () {
  setTimeout(function () {
    var buttons = document.querySelectorAll("#chapters button");
    buttons[1].click();
    var tries = 0;
    // The player draws the screen it jumped to a little later: wait for it, within limits.
    (function probe() {
      var shown = document.querySelector(".ap-term");
      if ((!shown || shown.textContent.indexOf("Part two") < 0) && ++tries < 40) {
        setTimeout(probe, 100);
        return;
      }
      Promise.resolve(window.demoshtsPlayer.getCurrentTime()).then(function (time) {
        var term = document.querySelector(".ap-term");
        var report = {
          time: time,
          errors: window.__errors,
          player: Boolean(document.querySelector(".ap-player")),
          chapters: [].map.call(buttons, function (b) { return b.textContent; }),
          current: document.querySelector("#chapters li.current button").textContent,
          screen: term ? term.textContent : null
        };
        var pre = document.createElement("pre");
        pre.id = "probe";
        pre.textContent = JSON.stringify(report);
        document.body.appendChild(pre);
      });
    })();
  }, 500);
});
</script>`;

it("plays in headless Chromium; the chapter list jumps; no console errors", () => {
  const browser = chromium();
  const cwd = workspace({ "talk.md": TALK });
  const recorded = spawnSync(process.execPath, [CLI, "--ci", "--record", "talk.cast", "talk.md"], {
    cwd,
    encoding: "utf8",
  });
  expect(recorded.status, recorded.stderr).toBe(0);
  const exported = spawnSync(
    process.execPath,
    [CLI, "export", "talk.cast", "--html", "talk.html"],
    {
      cwd,
      encoding: "utf8",
    },
  );
  expect(exported.status, exported.stderr).toBe(0);
  const html = fs.readFileSync(path.join(cwd, "talk.html"), "utf8");
  expect(html, "nothing is fetched from elsewhere").not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
  const marker = Number(
    JSON.parse(
      fs
        .readFileSync(path.join(cwd, "talk.cast"), "utf8")
        .split("\n")
        .find((l) => l.includes('"m","Part two"')) ?? "[NaN]",
    )[0],
  );
  fs.writeFileSync(path.join(cwd, "probe.html"), html.replace("<head>", `<head>\n${PROBE}`));

  const run = spawnSync(
    browser,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--enable-logging=stderr",
      "--v=0",
      "--virtual-time-budget=10000",
      "--dump-dom",
      `file://${path.join(cwd, "probe.html")}`,
    ],
    { encoding: "utf8", timeout: 90_000 },
  );
  const dumped = /<pre id="probe">(.*?)<\/pre>/s.exec(run.stdout ?? "");
  expect(dumped, `no report from the page; Chromium said:\n${run.stderr}`).not.toBeNull();
  const report = JSON.parse(
    (dumped?.[1] ?? "{}").replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&"),
  );
  expect(report.errors).toEqual([]);
  expect(run.stderr).not.toMatch(/CONSOLE.*(Uncaught|Error)/);
  expect(report.player).toBe(true);
  expect(report.chapters).toEqual(["0:00The talk", `0:0${Math.floor(marker)}Part two`]);
  expect(report.current).toContain("Part two");
  expect(report.time).toBeGreaterThanOrEqual(marker - 0.01);
  expect(report.screen).toContain("Part two");
});
