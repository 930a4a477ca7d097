/**
 * Which commands a demo installs before it runs them, from what it does on the
 * way: a file it writes (`curl -o`, `cp`, `install`...) or unpacks (`tar -x`,
 * `unzip`) into a directory that is, or that it then puts, on PATH, or an
 * installer it downloads and runs (`curl URL | sh`) before it adds a directory
 * to PATH. Fed the simple commands of a demo in the order the dry run meets
 * them; only what happens on a way that leads to the command counts (not the
 * other branch of an `if`, nor a subshell's PATH). Executes nothing.
 */
import * as path from "node:path";
import { createdBy, operands } from "./creates.js";
import type { Variables } from "./expand.js";
import { type Arm, mayFollow, type Word } from "./syntax.js";

export interface Where {
  readonly file: string;
  readonly line: number;
}

/** Where something happens in the walk: which command text, and which way through its choices. */
export interface Moment {
  readonly at: Where;
  /** The command text (numbered in walk order) it is in. */
  readonly text: number;
  readonly arms: readonly Arm[];
}

/** How the demo installs a command: what puts it there, and what puts that directory on PATH. */
export interface Installation {
  readonly how: "written" | "unpacked" | "installer";
  /**
   * The file written, the directory unpacked into, or the directories put on
   * PATH after an installer (as written when only known at run time).
   */
  readonly where: string;
  readonly by: Where;
  /** Where the demo adds the directory to PATH; undefined when it was on PATH already. */
  readonly onPath: Where | undefined;
}

/** Directories the demo adds to PATH. */
export interface PathAddition extends Moment {
  /** `known`: the directory's name is known before the demo runs; else `dir` is as written. */
  readonly dirs: readonly { readonly dir: string; readonly known: boolean }[];
  /** An installer the demo ran before, on a way that leads here. */
  readonly installer: Moment | undefined;
}

/** A file the demo writes, or a directory it unpacks files of unknown names into. */
interface Placed extends Moment {
  readonly path: string;
  readonly unpacked: boolean;
}

/** What `$PATH` stands for while a new PATH is read: the directories around it are the new ones. */
const PATH_MARK = "\u0000PATH\u0000";

/** The variables, with `$PATH` read as a mark (see `assignPath`). */
export function markingPath(vars: Variables): Variables {
  return {
    get: (name) => (name === "PATH" ? PATH_MARK : vars.get(name)),
    has: (name) => name === "PATH" || vars.has(name),
  };
}

const DOWNLOADERS = new Set(["curl", "wget"]);
const SHELLS = new Set(["sh", "bash", "dash", "zsh", "ksh"]);
const SHELL_VALUES = new Set(["-o", "+o", "-O", "+O", "--rcfile", "--init-file"]);

/**
 * Whether what happened at `earlier` can hold when `later` runs: a change to
 * the shell's variables (not left inside a subshell), or (`onDisk`) a file.
 */
function leadsTo(earlier: Moment, later: Moment, onDisk = false): boolean {
  if (earlier.text !== later.text) return true;
  return mayFollow(onDisk ? earlier.arms.filter((a) => a.arm >= 0) : earlier.arms, later.arms);
}

/** One way to say how the demo installs a command, for a report. */
export function describeInstallation(by: Installation): string {
  const at = (w: Where) => `${w.file}:${w.line}`;
  const onPath = by.onPath ? `, a directory it puts on PATH at ${at(by.onPath)}` : "";
  switch (by.how) {
    case "written":
      return `written to ${by.where} at ${at(by.by)}${onPath}`;
    case "unpacked":
      return `unpacked into ${by.where} at ${at(by.by)}${onPath}`;
    case "installer":
      return `the installer it downloads and runs at ${at(by.by)}, then PATH gets ${by.where}${by.onPath ? ` at ${at(by.onPath)}` : ""}`;
  }
}

export class Installs {
  /** By nesting depth: a nested demo starts with its parent's PATH, and its own changes end with it. */
  private readonly additions: PathAddition[][] = [];
  private readonly placed: Placed[] = [];
  private readonly installers: Moment[] = [];
  private readonly downloads = new Set<string>();
  private readonly startDirs: ReadonlySet<string>;
  private texts = 0;
  /** Whether the current text has downloaded something yet. */
  private downloaded = false;

  constructor(startPath: string) {
    this.startDirs = new Set(startPath.split(":").filter((d) => d !== ""));
  }

  /** A demo (nested at `depth`) starts: what PATH changes made at this depth or deeper end. */
  startScript(depth: number): void {
    this.additions.length = depth;
    this.additions[depth] = [];
  }

  /** A new command text starts; returns its number, for its moments. */
  startText(): number {
    this.downloaded = false;
    return this.texts++;
  }

  /**
   * `PATH=value` at `moment`, its value read with `markingPath` (undefined:
   * not known); `only`: a prefix of a command (`PATH=dir:$PATH cmd`),
   * returned for that command alone.
   */
  assignPath(
    value: string | undefined,
    word: Word,
    moment: Moment,
    depth: number,
    only: boolean,
  ): PathAddition | undefined {
    const addition = this.addition(value, word, moment);
    if (!addition || only) return addition;
    const list = this.additions[depth] ?? [];
    list.push(addition);
    this.additions[depth] = list;
    return undefined;
  }

  /** What a command (named `name` once wrappers are taken off) did: installers run, files written. */
  ran(
    name: string,
    args: readonly Word[],
    known: (w: Word) => string | undefined,
    moment: Moment,
    cwd: string | null,
    pipedInput: boolean,
  ): void {
    if (SHELLS.has(name) && this.runsInstaller(args, known, pipedInput, this.downloaded)) {
      this.installers.push(moment);
    }
    if (DOWNLOADERS.has(name)) this.downloaded = true;
    this.places(name, args, known, moment, cwd);
  }

  /** `sh` reading a script from a download (`curl URL | sh`), or running a file the demo downloaded. */
  private runsInstaller(
    args: readonly Word[],
    known: (w: Word) => string | undefined,
    pipedInput: boolean,
    downloaded: boolean,
  ): boolean {
    const values = args.map(known);
    if (values.some((v) => v === "-c")) return false;
    const [script] = operands(args, known, SHELL_VALUES);
    const value = script && known(script);
    if (script === undefined || value === "-") return pipedInput && downloaded;
    return value !== undefined && this.downloads.has(path.basename(value));
  }

  /** Remembers what this command writes on disk: files, and directories of unknown names. */
  private places(
    name: string,
    args: readonly Word[],
    known: (w: Word) => string | undefined,
    moment: Moment,
    cwd: string | null,
  ): void {
    const resolve = (word: Word | undefined, prefix = ""): string | undefined => {
      const value = word === undefined ? "." : known(word);
      if (value === undefined || !value.startsWith(prefix)) return undefined;
      const p = value.slice(prefix.length);
      if (path.isAbsolute(p)) return path.normalize(p);
      return cwd === null ? undefined : path.resolve(cwd, p);
    };
    const put = (file: string | undefined, unpacked = false) => {
      if (file === undefined) return;
      this.placed.push({ ...moment, path: file, unpacked });
      if (DOWNLOADERS.has(name) && !unpacked) this.downloads.add(path.basename(file));
    };
    for (const c of createdBy(name, args, known)) {
      switch (c.kind) {
        case "path": {
          if (c.dir) break;
          const file = known(c.word)?.slice(c.prefix.length);
          const dir = c.in ? resolve(c.in) : resolve(undefined);
          if (file !== undefined) put(path.isAbsolute(file) ? file : dir && path.join(dir, file));
          break;
        }
        case "named-after": {
          const source = known(c.source);
          const dir = resolve(c.in);
          if (c.dir || source === undefined || dir === undefined) break;
          put(path.join(dir, path.posix.basename(source.replace(/[?#].*$/, ""))));
          break;
        }
        case "copy": {
          const target = resolve(c.target);
          if (target === undefined) break;
          put(target);
          for (const source of c.sources) {
            const value = known(source);
            if (value !== undefined) put(path.join(target, path.basename(value)));
          }
          break;
        }
        case "unknown-names":
          put(resolve(c.in), true);
          break;
      }
    }
  }

  /** `PATH=...`: the directories it adds to the PATH the demo started with. */
  private addition(
    value: string | undefined,
    word: Word,
    moment: Moment,
  ): PathAddition | undefined {
    let dirs: PathAddition["dirs"];
    if (value !== undefined) {
      dirs = [...new Set(value.split(":"))]
        .filter((d) => d !== "" && !d.includes(PATH_MARK) && !this.startDirs.has(d))
        .map((dir) => ({ dir, known: true }));
    } else {
      // Not known as a whole (`$(pwd)/bin:$PATH`): the directories as written.
      const written = word.raw.slice(word.raw.indexOf("=") + 1).replace(/["']/g, "");
      dirs = written
        .split(":")
        .filter((d) => d !== "" && !/^\$\{?PATH\}?$/.test(d))
        .map((dir) => ({ dir, known: false }));
    }
    if (dirs.length === 0) return undefined;
    const installer = this.installers.findLast((i) => leadsTo(i, moment, true));
    return { ...moment, dirs, installer };
  }

  /** How the demo has put `name` on PATH by `moment`, if it has. */
  installation(
    name: string,
    moment: Moment,
    depth: number,
    forThisOnly: readonly PathAddition[],
  ): Installation | undefined {
    const placed = this.placed.filter((p) => leadsTo(p, moment, true));
    const written = (dir: string) =>
      placed.find((p) => !p.unpacked && p.path === path.join(dir, name));
    const unpacked = (dir: string) =>
      placed.find((p) => p.unpacked && (dir === p.path || dir.startsWith(`${p.path}/`)));
    for (const dir of this.startDirs) {
      const w = written(dir);
      if (w) return { how: "written", where: w.path, by: w.at, onPath: undefined };
    }
    for (const list of [...this.additions.slice(0, depth + 1), forThisOnly]) {
      for (const addition of list ?? []) {
        if (!leadsTo(addition, moment)) continue;
        for (const { dir, known } of addition.dirs) {
          const w = known ? written(dir) : undefined;
          if (w) return { how: "written", where: w.path, by: w.at, onPath: addition.at };
          const u = known ? unpacked(dir) : undefined;
          if (u) return { how: "unpacked", where: u.path, by: u.at, onPath: addition.at };
        }
        if (addition.installer) {
          const where = addition.dirs.map((d) => d.dir).join(":");
          return { how: "installer", where, by: addition.installer.at, onPath: addition.at };
        }
      }
    }
    return undefined;
  }
}
