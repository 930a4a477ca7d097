import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** Parent of every process, read from /proc where there is one, else from `ps`. */
function parentTable(): Map<number, number> {
  const parents = new Map<number, number>();
  let entries: string[] | undefined;
  try {
    entries = readdirSync("/proc");
  } catch {
    entries = undefined;
  }
  if (entries) {
    for (const entry of entries) {
      if (!/^[0-9]+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        // The command name is in parentheses and may hold spaces; the ppid follows the state.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        parents.set(Number(entry), Number(fields[1]));
      } catch {
        // The process ended while we looked.
      }
    }
    return parents;
  }
  const out = execFileSync("ps", ["-A", "-o", "pid=,ppid="], { encoding: "utf8" });
  for (const line of out.split("\n")) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid !== undefined && ppid !== undefined && !Number.isNaN(pid)) parents.set(pid, ppid);
  }
  return parents;
}

/** Every process descended from `root` (not `root` itself), children before grandchildren. */
export function descendants(root: number): number[] {
  const parents = parentTable();
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) {
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const found: number[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Sends `signal` to every process below `root`; returns how many were signalled. */
export function signalDescendants(root: number, signal: NodeJS.Signals): number {
  let count = 0;
  for (const pid of descendants(root)) {
    try {
      process.kill(pid, signal);
      count++;
    } catch {
      // Already gone.
    }
  }
  return count;
}
