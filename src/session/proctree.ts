import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/**
 * The children of `pid`, from /proc/PID/task/TID/children where Linux keeps
 * that list; undefined where it does not (another system, or a kernel without it).
 */
function childrenFromProc(pid: number): number[] | undefined {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Gone: no children. Any other failure: this system keeps no such list.
    return code === "ENOENT" && hasProcChildren() ? [] : undefined;
  }
  const found: number[] = [];
  for (const task of tasks) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT" && !hasProcChildren()) {
        return undefined;
      }
      continue;
    }
    for (const word of text.split(" ")) if (word !== "" && word !== "\n") found.push(Number(word));
  }
  return found;
}

let procChildren: boolean | undefined;
function hasProcChildren(): boolean {
  if (procChildren === undefined) {
    try {
      readFileSync(`/proc/${process.pid}/task/${process.pid}/children`);
      procChildren = true;
    } catch {
      procChildren = false;
    }
  }
  return procChildren;
}

/** Parent of every process, from `ps` (GNU and BSD both take these options). */
function parentTable(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  const out = execFileSync("ps", ["-A", "-o", "pid=", "-o", "ppid="], { encoding: "utf8" });
  for (const line of out.split("\n")) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid === undefined || ppid === undefined || Number.isNaN(pid)) continue;
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  return children;
}

/**
 * Every process descended from the `roots` (not the roots themselves), children
 * before grandchildren. On Linux only the roots' own subtrees are read.
 */
export function descendants(...roots: number[]): number[] {
  let table: Map<number, number[]> | undefined;
  const childrenOf = (pid: number): number[] => {
    if (!table) {
      const direct = childrenFromProc(pid);
      if (direct) return direct;
      table = parentTable();
    }
    return table.get(pid) ?? [];
  };
  const seen = new Set<number>(roots);
  const found: number[] = [];
  const queue = [...roots];
  for (let i = 0; i < queue.length; i++) {
    for (const child of childrenOf(queue[i] as number)) {
      if (seen.has(child)) continue;
      seen.add(child);
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Sends `signal` to each of `pids`; returns those it reached. */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): number[] {
  const reached: number[] = [];
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      reached.push(pid);
    } catch {
      // Already gone.
    }
  }
  return reached;
}

/** Sends `signal` to every process below `root`; returns how many were signalled. */
export function signalDescendants(root: number, signal: NodeJS.Signals): number {
  return signalAll(descendants(root), signal).length;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
