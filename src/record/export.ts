import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { stripVTControlCharacters } from "node:util";
import type { Cast } from "./asciicast.js";
import { IDLE_TIME_LIMIT } from "./recorder.js";

/** A chapter of a recording: a marker, with its time as a player shows it (pauses cut). */
export interface Chapter {
  readonly index: number;
  readonly label: string;
  /** Seconds in the recording as written. */
  readonly time: number;
  /** Seconds on the player's clock, after long pauses are cut to the idle limit. */
  readonly shownTime: number;
  /**
   * Seconds in the recording just after the heading itself was written (the marker's
   * time when it never is): where the page jumps, so the jump shows the heading.
   */
  readonly shownAt: number;
}

/** How many output events after a marker may hold its heading. */
const HEADING_WITHIN = 8;

/** The markers of a recording, in order, with the times a player shows for them. */
export function chaptersOf(cast: Cast): Chapter[] {
  const limit = cast.header.idle_time_limit ?? Number.POSITIVE_INFINITY;
  const chapters: Chapter[] = [];
  let previous = 0;
  let cut = 0;
  let waiting: { chapter: Chapter; left: number; seen: string }[] = [];
  for (const [time, code, data] of cast.events) {
    cut += Math.max(0, time - previous - limit);
    previous = time;
    if (code === "m") {
      const chapter = {
        index: chapters.length,
        label: data,
        time,
        shownTime: time - cut,
        shownAt: time,
      };
      chapters.push(chapter);
      waiting.push({ chapter, left: HEADING_WITHIN, seen: "" });
    } else if (code === "o" && waiting.length > 0) {
      for (const w of waiting) {
        w.left--;
        w.seen = (w.seen + stripVTControlCharacters(data)).slice(-4096);
        if (w.seen.includes(w.chapter.label)) {
          chapters[w.chapter.index] = { ...w.chapter, shownAt: time + 0.000_001 };
          w.left = 0;
        }
      }
      waiting = waiting.filter((w) => w.left > 0);
    }
  }
  return chapters;
}

/** The player's script and style sheet, from the asciinema-player package. */
export interface PlayerAssets {
  readonly js: string;
  readonly css: string;
}

export function playerAssets(): PlayerAssets {
  const require = createRequire(import.meta.url);
  const file = (name: string) =>
    readFileSync(require.resolve(`asciinema-player/dist/bundle/${name}`), "utf8");
  return { js: file("asciinema-player.min.js"), css: file("asciinema-player.css") };
}

function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** JSON that can sit inside a <script> element whatever the text holds. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}

function clock(seconds: number): string {
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

const PAGE_STYLE = `
body { margin: 0; background: #121314; color: #e6e6e6; font: 16px/1.5 system-ui, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
nav h2 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
#chapters { padding-left: 1.5rem; }
#chapters button { background: none; border: 0; color: #8cc4ff; cursor: pointer; font: inherit; padding: 0.1rem 0; text-align: left; }
#chapters button:hover, #chapters button:focus { text-decoration: underline; }
#chapters .time { color: #9a9a9a; font-variant-numeric: tabular-nums; margin-right: 0.6rem; }
#chapters li.current button { color: #fff; font-weight: bold; }
`;

// Runs in the page: starts the player and makes the chapter list jump to its marker.
const PAGE_SCRIPT = `
(function () {
  var cast = JSON.parse(document.getElementById("demoshts-cast").textContent);
  var chapters = JSON.parse(document.getElementById("demoshts-chapters").textContent);
  var player = AsciinemaPlayer.create(
    { data: cast.text },
    document.getElementById("player"),
    { markers: chapters.map(function (c) { return [c.shownAt, c.label]; }), idleTimeLimit: cast.idle, fit: "width" }
  );
  window.demoshtsPlayer = player;
  var items = document.querySelectorAll("#chapters li");
  function current(index) {
    items.forEach(function (item, i) { item.classList.toggle("current", i === index); });
  }
  items.forEach(function (item, i) {
    item.querySelector("button").addEventListener("click", function () {
      current(i);
      Promise.resolve(player.seek({ marker: i })).then(function () { return player.play(); });
    });
  });
  player.addEventListener("marker", function (event) {
    if (event && typeof event.index === "number") current(event.index);
  });
})();
`;

/**
 * One HTML page that plays the recording, with nothing to fetch: the player's
 * script and styles and the recording itself are inside it. Its markers (the
 * demo's headings) are listed as chapters to jump to.
 */
export function exportHtml(
  castText: string,
  cast: Cast,
  title: string,
  assets: PlayerAssets,
): string {
  const chapters = chaptersOf(cast);
  const list = chapters
    .map(
      (c) =>
        `<li><button type="button" data-marker="${c.index}"><span class="time">${clock(c.shownTime)}</span>${escapeHtml(c.label)}</button></li>`,
    )
    .join("\n");
  const nav =
    chapters.length > 0
      ? `<nav aria-label="Chapters"><h2>Chapters</h2>\n<ol id="chapters">\n${list}\n</ol></nav>`
      : `<nav aria-label="Chapters"><ol id="chapters"></ol></nav>`;
  const idle = cast.header.idle_time_limit ?? IDLE_TIME_LIMIT;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="demoshts">
<title>${escapeHtml(title)}</title>
<style>
${assets.css.replaceAll("</style", "<\\/style")}
</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<div id="player"></div>
${nav}
</main>
<script>
${assets.js.replaceAll("</script", "<\\/script")}
</script>
<script type="application/json" id="demoshts-cast">${scriptJson({ text: castText, idle })}</script>
<script type="application/json" id="demoshts-chapters">${scriptJson(chapters.map((c) => ({ time: c.time, shownAt: c.shownAt, label: c.label })))}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
