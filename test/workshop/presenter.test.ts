import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stripVTControlCharacters } from "node:util";
import pty from "@lydell/node-pty";
import { Terminal } from "@xterm/headless/lib-headless/xterm-headless.mjs";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { CLI, ROOT, removeWorkspaces, workspace } from "../run/e2e-helpers.js";
import { FakeCluster, INGRESS_IP } from "./fake-cluster.js";
import { fakeEnv, makeFakes, realToolsWithoutFaked, runCli } from "./fakes.js";

// The whole workshop given on stage: the presenter's view in a pseudo-terminal, through the fake
// cluster, RETURN pressed at every wait the dry run plans, the screen read through a headless
// terminal emulator. Typing is instant (--typing-speed 0), so each mesh takes seconds.

vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

type Mesh = "linkerd" | "istio";
const COLS = 100;
const ROWS = 30;

let realTools: string;
beforeAll(() => {
  realTools = realToolsWithoutFaked(process.env.PATH ?? "");
});
afterAll(() => {
  removeWorkspaces();
});

interface PlanRecord {
  kind: string;
  depth: number;
  text?: string;
  shown?: string;
  display?: string;
  waitBefore?: boolean;
  waitAfter?: boolean;
}

/** A place where the presenter presses RETURN, and the text on screen just before it. */
interface KeyPoint {
  readonly what: string;
  /** Text (whitespace-normalised) that shows, after the previous key point, before this one. */
  readonly anchor?: string;
  /** A typed command: RETURN runs it, and the runner starts a new line at once. */
  readonly command: boolean;
  /**
   * Does a command run between the anchor and the key (or is there no anchor)? Then the
   * runner may still be dropping the keys typed during that command when the screen shows
   * the anchor: the key waits for the screen to settle. Otherwise the runner wrote the anchor
   * after its last command, and taking keys is enough.
   */
  readonly settle: boolean;
}

const squash = (text: string): string => text.replace(/\s+/g, " ");

/** The last words of a piece of commentary, as the audience reads them on screen. */
function lastWords(markdown: string): string | undefined {
  const plain = markdown
    .replace(/`/g, "")
    .replace(/\*\*|__/g, "")
    .replace(/^#+ /gm, "")
    .replace(/<!--.*?-->/g, "");
  const words = plain.split(/\s+/).filter((w) => w !== "");
  const tail: string[] = [];
  for (const word of words.reverse()) {
    if (word.includes("$") || tail.length === 4) break;
    tail.unshift(word);
  }
  return tail.length > 0 ? tail.join(" ") : undefined;
}

/** Every key press the dry run plans, from the start-up notice to the last wait. */
function keyPoints(plan: readonly PlanRecord[]): KeyPoint[] {
  const points: KeyPoint[] = [
    {
      what: "the notice about the keys",
      anchor: "Press RETURN to start.",
      command: false,
      settle: true,
    },
  ];
  let said: string | undefined;
  /**
   * Has a command run since the commentary that `said` holds the last words of? Or was it said
   * in another demo than the wait's: then the nested demo (a command of the outer one) was
   * still running when it showed.
   */
  let ranSince = false;
  let saidAt = 0;
  for (const r of plan) {
    if (r.kind === "commentary" && r.text?.trim()) {
      const last = lastWords(r.text);
      if (last) [said, ranSince, saidAt] = [last, false, r.depth];
    }
    const shown = r.kind === "command" && r.display !== "hidden";
    if (r.kind === "command" && !shown) ranSince = true;
    if (shown && r.waitBefore) {
      const text = (r.shown ?? "").replaceAll("${INGRESS_IP}", INGRESS_IP);
      points.push({ what: `$ ${text}`, anchor: squash(`$ ${text}`), command: true, settle: false });
      said = undefined;
    } else if (shown) {
      throw new Error("the rehearsal presses no key while a command is typed out without a wait");
    } else if (r.kind === "wait") {
      // Without text of its own, a wait is told apart only by following a command's run.
      if (!said && points.at(-1)?.command !== true) {
        throw new Error(
          `a wait after "${points.at(-1)?.what}" shows nothing new: say something before it`,
        );
      }
      points.push({
        what: `a wait after "${said ?? "a command"}"`,
        ...(said ? { anchor: said } : {}),
        command: false,
        settle: !said || ranSince || saidAt !== r.depth,
      });
      said = undefined;
    }
    if (shown && r.waitAfter) throw new Error("the rehearsal does not know waits after a command");
  }
  return points;
}

/** Every process below `root`: pid, parent, command name (from /proc; these tests need Linux). */
function tree(root: number): { pid: number; ppid: number; comm: string }[] {
  // Down from `root` through each thread's list of children: a few files, where a scan of
  // /proc reads one per process on the machine.
  const found: { pid: number; ppid: number; comm: string }[] = [];
  const queue = [root];
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    let threads: string[];
    try {
      threads = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const thread of threads) {
      let children: string[];
      try {
        children = fs.readFileSync(`/proc/${p}/task/${thread}/children`, "utf8").split(" ");
      } catch {
        continue;
      }
      for (const child of children.filter((c) => c !== "")) {
        try {
          const comm = fs.readFileSync(`/proc/${child}/comm`, "utf8").trim();
          found.push({ pid: Number(child), ppid: p, comm });
          queue.push(Number(child));
        } catch {
          // It ended while we looked.
        }
      }
    }
  }
  return found;
}

const READ = process.arch === "arm64" ? 63 : 0;

/**
 * Is the runner between commands, so that a key goes to the presenter? Its bash session (the
 * deepest bash started by a demoshts process, on the runner's pseudo-terminal or not: nested
 * demos have their own) then waits, blocked, reading its request pipe. During a command a key would go
 * to the command instead.
 */
function betweenCommands(root: number): boolean {
  const procs = tree(root);
  const runners = new Set(
    procs.filter((p) => p.comm === "node" || p.comm.startsWith("MainThread")).map((p) => p.pid),
  );
  const sessions = procs.filter((p) => p.comm === "bash" && runners.has(p.ppid));
  const session = sessions.at(-1);
  // Its own children (the watchdog, the demo's background jobs) do not matter: between
  // commands the session itself waits, blocked, reading its request pipe.
  if (!session) return false;
  try {
    const [call, fd] = fs.readFileSync(`/proc/${session.pid}/syscall`, "utf8").split(" ");
    if (Number(call) !== READ || fd === undefined) return false;
    return fs.readlinkSync(`/proc/${session.pid}/fd/${Number(fd)}`).endsWith("/requests");
  } catch {
    return false;
  }
}

/**
 * Does the runner hold the terminal in its raw mode, taking keys? Signals off tells it from a
 * command's own `read -s`, which leaves canonical mode too but keeps Ctrl-C a signal. One
 * bash runs stty for each question: a process started from this one, as big as it is, costs
 * more than stty itself. A NUL ends each answer, so that stty is the only process an answer
 * starts (no pipe through `tr` to put it on one line).
 */
function keysProbe(pts: string): { taking(): Promise<boolean>; close(): void } {
  const loop = 'while read -r _; do stty -a -F "$0" 2>&1; printf "\\0"; done';
  const probe = spawn("bash", ["--noprofile", "--norc", "-c", loop, pts], {
    stdio: ["pipe", "pipe", "ignore"],
  });
  const waiting: ((settings: string) => void)[] = [];
  let buffer = "";
  probe.stdout.setEncoding("utf8").on("data", (data: string) => {
    buffer += data;
    for (let end = buffer.indexOf("\0"); end >= 0; end = buffer.indexOf("\0")) {
      waiting.shift()?.(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
    }
  });
  probe.on("close", () => {
    for (const answer of waiting.splice(0)) answer("");
  });
  return {
    taking: () =>
      new Promise<boolean>((resolve) => {
        waiting.push((settings) =>
          resolve(/(^|\s)-icanon(\s|$)/.test(settings) && /(^|\s)-isig(\s|$)/.test(settings)),
        );
        probe.stdin.write("\n");
      }),
    close: () => probe.stdin.end(),
  };
}

interface Stage {
  readonly status: number;
  readonly raw: string;
  readonly pressed: readonly string[];
  readonly points: readonly KeyPoint[];
  /** Lines that overflowed the terminal's width, and escape codes left on screen. */
  readonly tooWide: readonly string[];
  readonly garbage: readonly string[];
  readonly stty: { readonly before: string; readonly after: string };
  readonly screen: Terminal;
}

async function giveTheTalk(mesh: Mesh): Promise<Stage> {
  const cluster = await FakeCluster.start();
  const home = workspace();
  const dir = workspace();
  const env = {
    PATH: `${makeFakes()}${path.delimiter}${realTools}`,
    HOME: home,
    LANG: "C.UTF-8",
    TERM: "xterm-256color",
    DEMO_MESH: mesh,
    DEMO_HOOK_OFFLINE: "1",
    ...fakeEnv(cluster, path.join(dir, "calls.jsonl")),
  };
  const dry = await runCli(ROOT, ["--dry-run", "--json", "README.md"], env);
  const plan = dry.stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as PlanRecord);
  const points = keyPoints(plan);

  const script = `stty -g > "$1/before"; "$2" "$3" --typing-speed 0 README.md; s=$?; stty -g > "$1/after"; exit "$s"`;
  const term = pty.spawn(
    "bash",
    ["--noprofile", "--norc", "-c", script, "bash", dir, process.execPath, CLI],
    {
      name: "xterm-256color",
      cols: COLS,
      rows: ROWS,
      cwd: ROOT,
      env,
    },
  );
  const screen = new Terminal({
    cols: COLS,
    rows: ROWS,
    scrollback: 100_000,
    allowProposedApi: true,
  });
  let rawOut = "";
  let written = Promise.resolve();
  let exit: number | undefined;
  const waiters = new Set<() => void>();
  term.onData((data) => {
    rawOut += data;
    written = written.then(() => new Promise<void>((resolve) => screen.write(data, resolve)));
    for (const w of [...waiters]) w();
  });
  const exited = new Promise<number>((resolve) => {
    term.onExit(({ exitCode }) => {
      exit = exitCode;
      for (const w of [...waiters]) w();
      resolve(exitCode);
    });
  });

  let cursor = 0;
  const plain = (raw: string) => squash(stripVTControlCharacters(raw).replaceAll("\r", ""));
  // The text up to the last whole line is kept, not worked out again at each write: no escape
  // code spans a newline, and the newline ends it with the one space a run of whitespace
  // leaves.
  const join = (a: string, b: string) => (a.endsWith(" ") ? a + b.replace(/^ /, "") : a + b);
  let lines = { raw: 0, text: "" };
  const seen = () => {
    const end = rawOut.lastIndexOf("\n") + 1;
    if (end > lines.raw) {
      lines = { raw: end, text: join(lines.text, plain(rawOut.slice(lines.raw, end))) };
    }
    return join(lines.text, plain(rawOut.slice(lines.raw)));
  };
  const until = (what: string, ready: () => boolean, ms = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (ready()) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
          return true;
        }
        if (exit !== undefined) {
          clearTimeout(timer);
          waiters.delete(check);
          reject(
            new Error(
              `the talk ended (${exit}) before ${what}\n--- screen ---\n${seen().slice(-3000)}`,
            ),
          );
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `not seen within ${ms} ms: ${what}\n--- after the last key ---\n${seen().slice(cursor)}`,
          ),
        );
      }, ms);
      if (!check()) waiters.add(check);
    });
  const keys = keysProbe((term as unknown as { readonly ptsName: string }).ptsName);
  /**
   * Resolves once the runner takes keys: its session idle, the terminal in its raw mode, and,
   * with `settle`, the screen still for a while, since right after a command the runner drops
   * the keys typed during it, so a key sent then would be lost.
   */
  const keysTaken = async (what: string, settle: boolean) => {
    const deadline = Date.now() + 60_000;
    let quietSince = Date.now();
    let length = rawOut.length;
    for (;;) {
      if (exit !== undefined) throw new Error(`the talk ended (${exit}) before ${what}`);
      if (Date.now() > deadline) throw new Error(`the runner never took keys for ${what}`);
      if (rawOut.length !== length || !betweenCommands(term.pid)) {
        length = rawOut.length;
        quietSince = Date.now();
      } else if (!settle || Date.now() - quietSince >= 150) {
        if (await keys.taking()) return;
        quietSince = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  };

  const tooWide = new Set<string>();
  const garbage = new Set<string>();
  /** Reads what is on screen now (`clear` wipes the scrollback, so this runs before every key). */
  const inspect = async () => {
    await written;
    const buffer = screen.buffer.active;
    for (let y = 0; y < buffer.length; y++) {
      const line = buffer.getLine(y);
      if (!line) continue;
      const text = line.translateToString(true);
      if (text.includes("\u001b") || /\[[0-9;]*m|\[\?[0-9]+[hl]|\uFFFD/.test(text))
        garbage.add(text);
      if (line.isWrapped)
        tooWide.add(`${buffer.getLine(y - 1)?.translateToString(true)} ⏎ ${text}`);
    }
  };

  const pressed: string[] = [];
  try {
    for (const point of points) {
      if (point.anchor) {
        const anchor = point.anchor;
        await until(point.what, () => {
          const at = seen().indexOf(anchor, cursor);
          if (at < 0) return false;
          cursor = at + anchor.length;
          return true;
        });
      }
      await keysTaken(point.what, point.settle);
      await inspect();
      const mark = rawOut.length;
      term.write("\r");
      pressed.push(point.what);
      if (point.command) {
        // The runner ends the command's line as soon as it takes the key, and lets go of the
        // terminal in that same turn: once that newline shows, raw mode means the next step.
        // The next command may be typed out in the same burst: the search for its anchor
        // goes on from this command's own text, never from the end of what came.
        await until(`the newline after ${point.what}`, () => rawOut.indexOf("\n", mark) >= 0);
      }
    }
    const status = await exited;
    await inspect();
    const read = (name: string) => fs.readFileSync(path.join(dir, name), "utf8").trim();
    return {
      status,
      raw: rawOut,
      pressed,
      points,
      tooWide: [...tooWide],
      garbage: [...garbage],
      stty: { before: read("before"), after: read("after") },
      screen,
    };
  } finally {
    if (exit === undefined) term.kill("SIGKILL");
    keys.close();
    await cluster.close();
  }
}

describe.each(["linkerd", "istio"] as const)(
  "DEMO_MESH=%s on stage, RETURN at every wait",
  (mesh) => {
    let stage: Stage;
    let given: Promise<Stage> | undefined;
    beforeEach(async () => {
      given ??= giveTheTalk(mesh);
      stage = await given;
    });

    it("reaches every pause the dry run plans, in order, and ends with status 0", () => {
      expect(stage.pressed).toEqual(stage.points.map((p) => p.what));
      expect(stage.points.filter((p) => !p.command).length).toBeGreaterThanOrEqual(35);
      expect(stage.status).toBe(0);
    });

    it("shows the GUI's address with the IP filled in", () => {
      const text = stripVTControlCharacters(stage.raw);
      expect(text).toContain(`http://${INGRESS_IP}/gui/`);
      expect(text).not.toContain("${INGRESS_IP}");
    });

    it("overflows no line, but kubectl's own GRPCRoute v1alpha2 warning, which the talk announces", () => {
      const others = stage.tooWide.filter(
        (line) => !line.startsWith("Warning: The v1alpha2 version of GRPCRoute"),
      );
      expect(others).toEqual([]);
    });

    it("leaves no escape code on screen", () => {
      expect(stage.garbage).toEqual([]);
    });

    it("shows YAML in bat's frame, with line numbers", () => {
      const text = stripVTControlCharacters(stage.raw);
      expect(text).toMatch(/─{7}┬─+\r*\n {3}1 {3}│ apiVersion: gateway\.networking\.k8s\.io\/v1/);
    });

    it("gives the terminal back as it found it: settings, cursor, main screen", () => {
      expect(stage.stty.after).toBe(stage.stty.before);
      expect(stage.screen.buffer.active.type).toBe("normal");
      const hidden = stage.raw.lastIndexOf("\u001b[?25l");
      expect(hidden < 0 || stage.raw.indexOf("\u001b[?25h", hidden) > hidden).toBe(true);
    });
  },
);
