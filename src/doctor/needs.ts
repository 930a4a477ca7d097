/**
 * The commands a demo needs on the path it will take, found by reading it as
 * the dry run walks it: a command tested with `command -v` (or type, hash,
 * which) and the commands on either side of that test depend on how the test
 * goes on this machine; a function or alias the demo defines stands in for a
 * program of the same name; a command the demo puts into a directory on its
 * PATH (or whose installer it runs before adding a directory to PATH) is
 * installed by the demo. Executes nothing.
 */
import * as path from "node:path";
import { type DemoFiles, type DemoRequest, observeDemo, unreadableDemo } from "../plan/observe.js";
import type { PlanObservation } from "../plan/plan.js";
import type { Diagnostic, Step } from "../script/types.js";
import { BUILTINS, KEYWORDS, unwrap } from "../shell/commands.js";
import { createdBy, operands } from "../shell/creates.js";
import { knownValue, lineAt, type Variables } from "../shell/expand.js";
import {
  type Arm,
  type Condition,
  loadShellSyntax,
  mayFollow,
  type ShellSyntax,
  type Word,
} from "../shell/syntax.js";

export type NeedsRequest = DemoRequest;

export interface NeedsIo extends DemoFiles {
  which(name: string, pathEnv: string): string | undefined;
}

interface Where {
  readonly file: string;
  readonly line: number;
}

/** Where something happens in the walk: which command text, and which way through its choices. */
interface Moment {
  readonly at: Where;
  /** The command text (numbered in walk order) it is in. */
  readonly text: number;
  readonly arms: readonly Arm[];
}

/** How the demo installs a command: what puts it there, and what puts that directory on PATH. */
export interface Installation {
  readonly how: "written" | "unpacked" | "installer";
  /** The file written, the directory unpacked into, or the directory put on PATH after an installer (as written when its name is only known at run time). */
  readonly where: string;
  readonly by: Where;
  /** Where the demo adds the directory to PATH; undefined when it was on PATH already. */
  readonly onPath: Where | undefined;
}

/** One place a command is run, and what must hold for it to run. */
interface Use {
  readonly at: Where;
  readonly conditions: readonly Condition[];
  /** How the demo has installed it by then, if it has. */
  readonly installed: Installation | undefined;
}

/** What the demo needs of one command, as decided on this machine. */
export type Need =
  | { readonly status: "found"; readonly name: string; readonly at: Where; readonly path: string }
  | { readonly status: "missing"; readonly name: string; readonly at: Where }
  | {
      readonly status: "installed";
      readonly name: string;
      readonly at: Where;
      readonly by: Installation;
    }
  | { readonly status: "defined"; readonly name: string; readonly at: Where; readonly by: Where }
  | {
      readonly status: "not-needed";
      readonly name: string;
      readonly at: Where;
      /** The test that makes the demo go another way here. */
      readonly because: Condition;
    };

export interface Needs {
  readonly needs: readonly Need[];
  /** The demo file cannot be read at all. */
  readonly fatal?: Diagnostic;
  /** What the reader reports, for the record. */
  readonly problems: readonly Diagnostic[];
}

const DOWNLOADERS = new Set(["curl", "wget"]);
const SHELLS = new Set(["sh", "bash", "dash", "zsh", "ksh"]);
const SHELL_VALUES = new Set(["-o", "+o", "-O", "+O", "--rcfile", "--init-file"]);

/** Directories the demo adds to PATH. */
interface PathAddition extends Moment {
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

/**
 * Whether what happened at `earlier` can hold when `later` runs: a change to
 * the shell's variables (not left inside a subshell), or (`onDisk`) a file.
 */
function leadsTo(earlier: Moment, later: Moment, onDisk = false): boolean {
  if (earlier.text !== later.text) return true;
  return mayFollow(onDisk ? earlier.arms.filter((a) => a.arm >= 0) : earlier.arms, later.arms);
}

class Collector {
  readonly uses = new Map<string, Use[]>();
  /** Functions and aliases, with the conditions under which each definition is made. */
  readonly definitions = new Map<string, { at: Where; conditions: readonly Condition[] }[]>();
  private readonly hooksAndMacros = new Set<string>();
  /** By nesting depth: a nested demo starts with its parent's PATH, and its own changes end with it. */
  private readonly additions: PathAddition[][] = [];
  private readonly placed: Placed[] = [];
  private readonly installers: Moment[] = [];
  private readonly downloads = new Set<string>();
  private texts = 0;
  private readonly startDirs: ReadonlySet<string>;

  constructor(
    private readonly syntax: ShellSyntax,
    startPath: string,
  ) {
    this.startDirs = new Set(startPath.split(":").filter((d) => d !== ""));
  }

  script(o: PlanObservation & { kind: "script" }): void {
    this.additions.length = o.depth;
    this.additions[o.depth] = [];
    for (const hook of o.script.hooks) this.hooksAndMacros.add(hook.name);
    for (const name of o.script.macros.keys()) this.hooksAndMacros.add(name);
    const stack: Step[] = [...o.script.steps];
    for (let step = stack.pop(); step; step = stack.pop()) {
      if (step.kind === "macro" || step.kind === "ifhook") stack.push(...step.body);
      if (step.kind !== "command" && step.kind !== "immediate") continue;
      if (!/\(\s*\)|\bfunction\b|\balias\b/.test(step.text)) continue;
      const scan = this.syntax.scan(step.text);
      for (const f of scan.functions) {
        this.define(f.name, {
          at: { file: step.loc.file, line: step.loc.line + lineAt(step.text, f.offset) },
          conditions: f.conditions,
        });
      }
    }
  }

  private define(name: string, d: { at: Where; conditions: readonly Condition[] }): void {
    const list = this.definitions.get(name) ?? [];
    list.push(d);
    this.definitions.set(name, list);
  }

  command(o: PlanObservation & { kind: "command" }): void {
    const { step, text } = o;
    const textId = this.texts++;
    const changed = new Map<string, string | null>();
    const vars: Variables = {
      get: (n) => (changed.has(n) ? changed.get(n) : o.env.get(n)),
      has: (n) => changed.has(n) || o.env.has(n),
    };
    let downloaded = false;
    for (const command of this.syntax.scan(text).commands) {
      const at = { file: step.loc.file, line: step.loc.line + lineAt(text, command.offset) };
      const moment: Moment = { at, text: textId, arms: command.arms };
      const options = { inFunction: command.inFunction };
      const known = (w: Word) => knownValue(w, vars, options);
      // `PATH=dir:$PATH cmd`: for this command only.
      const forThisOnly: PathAddition[] = [];
      const assign = (a: Word, name: string, only = false) => {
        const value = known(a)?.slice(name.length + 1);
        if (!only) changed.set(name, value ?? null);
        const addition = name === "PATH" ? this.addition(value, a, moment) : undefined;
        if (addition && only) forThisOnly.push(addition);
        else if (addition) {
          const list = this.additions[o.depth] ?? [];
          list.push(addition);
          this.additions[o.depth] = list;
        }
      };
      for (const a of command.assignments) {
        const name = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(a.raw)?.[1];
        if (name) assign(a, name, command.words.length > 0);
      }
      if (command.words.length === 0) continue;
      const { index, wrappers } = unwrap(command.words, known);
      const names = [...wrappers, index]
        .map((i) => command.words[i])
        .filter((w): w is Word => w !== undefined)
        .map(known);
      const first = names[names.length - 1];
      for (const name of names) {
        if (name !== undefined) {
          this.use(name, moment, command.conditions, o.depth, forThisOnly);
        }
      }
      const args = command.words.slice(index + 1);
      if (first === "export" || first === "declare" || first === "local" || first === "readonly") {
        for (const a of args) {
          const name = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(a.raw)?.[1];
          if (name) assign(a, name);
        }
      }
      if (first === "alias") {
        for (const a of args) {
          const name = /^([A-Za-z0-9_.:+-]+)=/.exec(known(a) ?? "")?.[1];
          if (name) this.define(name, { at, conditions: command.conditions });
        }
      }
      if (first === undefined) continue;
      if (SHELLS.has(first) && this.runsInstaller(args, known, command.pipedInput, downloaded)) {
        this.installers.push(moment);
      }
      if (DOWNLOADERS.has(first)) downloaded = true;
      this.places(first, args, known, moment, o.cwd);
    }
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
        .filter((d) => d !== "" && !this.startDirs.has(d))
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
  private installation(
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

  private use(
    name: string,
    moment: Moment,
    conditions: readonly Condition[],
    depth: number,
    forThisOnly: readonly PathAddition[],
  ): void {
    if (name === "" || name.includes("/") || KEYWORDS.has(name) || BUILTINS.has(name)) return;
    if (this.hooksAndMacros.has(name)) return;
    const list = this.uses.get(name) ?? [];
    list.push({
      at: moment.at,
      conditions,
      installed: this.installation(name, moment, depth, forThisOnly),
    });
    this.uses.set(name, list);
  }
}

/** Decides, on this machine, what the demo needs of each command it runs. */
function decide(collector: Collector, has: (name: string) => string | undefined): Need[] {
  const holds = (conditions: readonly Condition[]) =>
    conditions.every((c) => (has(c.name) !== undefined) === c.present);
  const needs: Need[] = [];
  const names = [...collector.uses.keys()].sort((a, b) => a.localeCompare(b));
  for (const name of names) {
    const uses = collector.uses.get(name) as Use[];
    const taken = uses.filter((u) => holds(u.conditions));
    const first = (taken[0] ?? uses[0]) as Use;
    const definitions = collector.definitions.get(name) ?? [];
    // The demo's own functions are not commands to look for; one that stands in for a program is.
    if (definitions.some((d) => d.conditions.length === 0)) continue;
    const definition = definitions.find((d) => holds(d.conditions));
    const found = has(name);
    if (taken.length === 0) {
      const because = first.conditions.find((c) => (has(c.name) !== undefined) !== c.present);
      if (because) needs.push({ status: "not-needed", name, at: first.at, because });
      continue;
    }
    if (definition) needs.push({ status: "defined", name, at: first.at, by: definition.at });
    else if (found) needs.push({ status: "found", name, at: first.at, path: found });
    else {
      const installed = taken.every((u) => u.installed !== undefined);
      const by = taken[0]?.installed;
      needs.push(
        installed && by
          ? { status: "installed", name, at: first.at, by }
          : { status: "missing", name, at: first.at },
      );
    }
  }
  return needs;
}

/** Walks the demo as the dry run does and works out what it needs of this machine. */
export async function demoNeeds(request: NeedsRequest, io: NeedsIo): Promise<Needs> {
  const fatal = unreadableDemo(request.file, io);
  if (fatal) return { needs: [], problems: [], fatal };
  const startPath = request.env.PATH ?? "";
  const collector = new Collector(await loadShellSyntax(), startPath);
  const result = await observeDemo(request, io, (o) => {
    if (o.kind === "script") collector.script(o);
    else if (o.kind === "command") collector.command(o);
  });
  const cache = new Map<string, string | undefined>();
  const has = (name: string): string | undefined => {
    if (!cache.has(name)) cache.set(name, io.which(name, startPath));
    return cache.get(name);
  };
  return {
    needs: decide(collector, has),
    problems: result.ok ? result.warnings : [...result.warnings, result.error],
  };
}
