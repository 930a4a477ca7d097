import * as path from "node:path";
import pty from "@lydell/node-pty";
import { Terminal } from "@xterm/headless/lib-headless/xterm-headless.mjs";
import { CLI, workspace } from "./harness.js";

// A pseudo-terminal read as a screen: the CLI's output goes through a headless terminal
// emulator, so tests see what the audience would see (rows, the status line, scrolling),
// not the stream of bytes. The emulator's answers (cursor reports) go back to the program.

export interface ScreenProcess {
  readonly pid: number;
  write(keys: string): void;
  /** The visible rows, right-trimmed. */
  rows(): string[];
  /** Waits until `check` holds for the visible rows; rejects with the screen after `timeoutMs`. */
  until(check: (rows: string[]) => boolean, what: string, timeoutMs?: number): Promise<string[]>;
  resize(cols: number, rows: number): void;
  exited(): Promise<number>;
  kill(signal?: string): void;
  /** Is the alternate screen (full-screen programs) showing? */
  alternate(): boolean;
}

const running = new Set<ScreenProcess>();

export function startScreen(
  args: readonly string[],
  options: {
    cwd: string;
    cols?: number;
    rows?: number;
    env?: Record<string, string>;
    /** Run after the CLI ends, in the same terminal (to see what it left behind). */
    after?: string;
  },
): ScreenProcess {
  const cols = options.cols ?? 80;
  const rows = options.rows ?? 12;
  const term = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 1000 });
  const home = workspace();
  const script = `"$0" "$@"; status=$?; ${options.after ?? ":"}; exit "$status"`;
  const child = pty.spawn(
    "bash",
    ["--noprofile", "--norc", "-c", script, process.execPath, CLI, ...args],
    {
      name: "xterm",
      cols,
      rows,
      cwd: options.cwd,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        TERM: "xterm",
        LANG: "C.UTF-8",
        XDG_STATE_HOME: path.join(home, "state"),
        ...options.env,
      },
    },
  );
  let exit: number | undefined;
  const exitWaiters: ((code: number) => void)[] = [];
  const waiters = new Set<() => void>();
  let pending = Promise.resolve();
  child.onData((data) => {
    pending = pending.then(
      () =>
        new Promise<void>((resolve) =>
          term.write(data, () => {
            for (const w of [...waiters]) w();
            resolve();
          }),
        ),
    );
  });
  term.onData((answer) => {
    if (exit === undefined) child.write(answer);
  });
  child.onExit(({ exitCode, signal }) => {
    exit = signal ? 128 + signal : exitCode;
    running.delete(handle);
    void pending.then(() => {
      for (const w of [...waiters]) w();
      for (const w of exitWaiters.splice(0)) w(exit as number);
    });
  });
  const visible = (): string[] => {
    const buffer = term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < term.rows; y++) {
      out.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? "");
    }
    return out;
  };
  const handle: ScreenProcess = {
    pid: child.pid,
    write: (keys) => child.write(keys),
    rows: visible,
    until(check, what, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const test = (): boolean => {
          const now = visible();
          if (!check(now)) return false;
          clearTimeout(timer);
          waiters.delete(test);
          resolve(now);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(test);
          reject(
            new Error(
              `screen: not seen within ${timeoutMs} ms: ${what}\n${visible()
                .map((l, i) => `${String(i + 1).padStart(2)}|${l}`)
                .join("\n")}`,
            ),
          );
        }, timeoutMs);
        waiters.add(test);
        test();
      });
    },
    resize(c, r) {
      term.resize(c, r);
      child.resize(c, r);
    },
    exited() {
      if (exit !== undefined) return pending.then(() => exit as number);
      return new Promise((resolve) => exitWaiters.push(resolve));
    },
    kill(signal = "SIGKILL") {
      if (exit === undefined) {
        try {
          child.kill(signal);
        } catch {
          // Already gone.
        }
      }
    },
    alternate: () => term.buffer.active.type === "alternate",
  };
  running.add(handle);
  return handle;
}

export function killScreens(): void {
  for (const p of [...running]) p.kill();
  running.clear();
}
