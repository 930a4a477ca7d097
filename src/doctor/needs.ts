/**
 * The commands a demo needs on the path it will take, found by reading it as
 * the dry run walks it: a command tested with `command -v` (or type, hash,
 * which) and the commands on either side of that test depend on how the test
 * goes on this machine; a function or alias the demo defines stands in for a
 * program of the same name; a command the demo puts into a directory on its
 * PATH (or whose installer it runs before adding a directory to PATH) is
 * installed by the demo. Executes nothing.
 */
import { type DemoFiles, type DemoRequest, observeDemo, unreadableDemo } from "../plan/observe.js";
import type { PlanObservation } from "../plan/plan.js";
import type { Diagnostic, Step } from "../script/types.js";
import { BUILTINS, KEYWORDS, unwrap } from "../shell/commands.js";
import { knownValue, lineAt, type Variables } from "../shell/expand.js";
import {
  type Installation,
  Installs,
  type Moment,
  markingPath,
  type PathAddition,
  type Where,
} from "../shell/installs.js";
import {
  type Condition,
  loadShellSyntax,
  type ShellScan,
  type ShellSyntax,
  type Word,
} from "../shell/syntax.js";

export type { Installation } from "../shell/installs.js";

export type NeedsRequest = DemoRequest;

export interface NeedsIo extends DemoFiles {
  which(name: string, pathEnv: string): string | undefined;
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

class Collector {
  readonly uses = new Map<string, Use[]>();
  /** Functions and aliases, with the conditions under which each definition is made. */
  readonly definitions = new Map<string, { at: Where; conditions: readonly Condition[] }[]>();
  private readonly hooksAndMacros = new Set<string>();
  private readonly installs: Installs;

  constructor(
    private readonly syntax: ShellSyntax,
    startPath: string,
    private readonly has: (name: string) => string | undefined,
  ) {
    this.installs = new Installs(startPath);
  }

  script(o: PlanObservation & { kind: "script" }): void {
    this.installs.startScript(o.depth);
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
    const textId = this.installs.startText();
    const changed = new Map<string, string | null>();
    const vars: Variables = {
      get: (n) => (changed.has(n) ? changed.get(n) : o.env.get(n)),
      has: (n) => changed.has(n) || o.env.has(n),
    };
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
        if (name !== "PATH") return;
        const marked = knownValue(a, markingPath(vars), options)?.slice(name.length + 1);
        const addition = this.installs.assignPath(marked, a, moment, o.depth, only);
        if (addition) forThisOnly.push(addition);
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
      if (first !== undefined) {
        this.installs.ran(first, args, known, moment, o.cwd, command.pipedInput);
      }
    }
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
      // Only a command this machine lacks can be one the demo installs.
      installed:
        this.has(name) === undefined
          ? this.installs.installation(name, moment, depth, forThisOnly)
          : undefined,
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
  const cache = new Map<string, string | undefined>();
  const has = (name: string): string | undefined => {
    if (!cache.has(name)) cache.set(name, io.which(name, startPath));
    return cache.get(name);
  };
  // The dry run parses each command it follows, and the collector the same texts again:
  // one parse of each text serves both.
  const parser = await loadShellSyntax();
  const scans = new Map<string, ShellScan>();
  const syntax: ShellSyntax = {
    scan: (text) => {
      let scan = scans.get(text);
      if (scan === undefined) {
        scan = parser.scan(text);
        scans.set(text, scan);
      }
      return scan;
    },
  };
  const collector = new Collector(syntax, startPath, has);
  const result = await observeDemo(
    request,
    io,
    (o) => {
      if (o.kind === "script") collector.script(o);
      else if (o.kind === "command") collector.command(o);
    },
    syntax,
  );
  return {
    needs: decide(collector, has),
    problems: result.ok ? result.warnings : [...result.warnings, result.error],
  };
}
