/**
 * `demoshts check`: reads a demo exactly as a run would (through the dry run's
 * walk, nested demos included) and reports, without executing anything, what
 * would go wrong: what the reader finds, files the commands use that do not
 * exist, YAML that does not parse, Kubernetes manifests the API server would
 * refuse, and commands that are not on PATH.
 */
import * as path from "node:path";
import {
  CrdFileError,
  type CrdVersionSchema,
  crdsFromYaml,
  isBuiltInApiVersion,
  type ParsedYaml,
  parseYaml,
  SchemaSet,
  validateManifests,
} from "../kube/schema.js";
import { formatDiagnostic } from "../plan/format.js";
import { type DemoRequest, observeDemo, unreadableDemo } from "../plan/observe.js";
import type { PlanObservation } from "../plan/plan.js";
import type { FileData } from "../reader/read.js";
import type { CommandStep, Diagnostic, ImmediateStep, Step } from "../script/types.js";
import { BUILTINS, KEYWORDS } from "../shell/commands.js";
import { type Creation, createdBy } from "../shell/creates.js";
import {
  type ExpandOptions,
  expandWord,
  type GlobPattern,
  isVariable,
  type KnownEnv,
  knownValue,
  lineAt,
  type Variables,
} from "../shell/expand.js";
import {
  describeInstallation,
  Installs,
  type Moment,
  markingPath,
  type PathAddition,
} from "../shell/installs.js";
import { assign, learnFrom } from "../shell/state.js";
import {
  type Condition,
  type Heredoc,
  loadShellSyntax,
  type ShellScan,
  type ShellSyntax,
  type SimpleCommand,
  type Word,
} from "../shell/syntax.js";
import type { Output } from "../util/output.js";
import { type CrdCache, directoryCrdCache, type StoredCrd } from "./cache.js";
import { memo } from "./memo.js";
import {
  type Finding,
  formatCheckJson,
  formatCheckText,
  githubAnnotation,
  sortFindings,
  summarize,
} from "./report.js";
import { type FileRole, type FileUse, fileUses, unwrap } from "./rules.js";
import { kustomizationResources, summarizeYaml } from "./yaml.js";

export type { Finding } from "./report.js";

export interface CheckRequest extends DemoRequest {
  /** --crds FILE... (paths as given): more CRDs to check manifests against. */
  readonly crds: readonly string[];
  readonly format: "text" | "json";
  /** GITHUB_ACTIONS=true: also print ::error file=...,line=...::msg annotations. */
  readonly githubActions: boolean;
}

export interface CheckIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly cwd: string;
  readFile(absolutePath: string): FileData;
  /** "file", "dir" or undefined when nothing is there. */
  kindOf(absolutePath: string): "file" | "dir" | undefined;
  listDir(absolutePath: string): string[];
  /** The absolute path of an executable named `name` on `pathEnv`, or undefined. */
  which(name: string, pathEnv: string): string | undefined;
  /**
   * Where the CRDs of files read before are kept between runs (a directory, and
   * what names this build), if anywhere.
   */
  crdCache?(): { dir: string; stamp: string } | undefined;
}

/** A command the demo runs, where it is first used, and where PATH has it (undefined: nowhere). */
export interface CommandUse {
  file: string;
  line: number;
  found: string | undefined;
}

export interface DemoAnalysis {
  findings: Finding[];
  commands: Map<string, CommandUse>;
  /** Why the check could not run at all (exit 2): the demo file or a --crds file is missing... */
  fatal?: Diagnostic;
}

/** Exit codes of `demoshts check`. */
export const CHECK_EXIT = { clean: 0, errors: 1, cannotCheck: 2 } as const;

/** A glob matching more paths than this is not followed. */
const MAX_GLOB = 1000;
/** How many parsed texts are kept for reuse. */
const PARSED_KEPT = 128;
/** How many texts parsed ahead (those that define functions...) are kept until their command comes. */
const LEARNT_KEPT = 4096;
/** Only a text with one of these in it can define a function or an alias, or test for a command. */
const MAY_DEFINE = /\(\s*\)|\bfunction\b|\balias\b|\bcommand\b|\btype\b|\bhash\b|\bwhich\b/;
const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);
const YAML_EXTENSIONS = new Set([".yaml", ".yml"]);
const URL = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** Commands whose `NAME=value` arguments are assignments. */
const DECLARES = new Set(["export", "local", "declare", "typeset", "readonly"]);
const KUSTOMIZATIONS = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

const WHAT: Record<FileRole, string> = {
  kubectl: "manifest",
  kustomize: "kustomization directory",
  "helm-values": "Helm values file",
  show: "file",
  diff: "file",
  source: "sourced file",
  script: "script",
  input: "input file",
};

/** How a YAML file is used, over the whole demo. */
interface YamlUse {
  readonly label: string;
  /** Lines before the YAML in `label`: a heredoc's YAML starts inside the demo. */
  readonly lineOffset: number;
  /** Given to kubectl -f: every document is validated. */
  validate: boolean;
  /** Shown or compared: validated when every document is a Kubernetes object. */
  validateIfKubernetes: boolean;
  /** Applied (apply, create, replace): its CRDs are part of the schema set. */
  crdSource: boolean;
}

interface Where {
  readonly file: string;
  readonly line: number;
}

/**
 * Variables and directory while going through one command's simple commands,
 * each of which may change them for the next. The dry run's variables are
 * copied only when a command changes one.
 */
class CommandState implements Variables {
  /** What the command changed; undefined: unset. */
  private readonly changed = new Map<string, string | null | undefined>();

  constructor(
    private readonly base: ReadonlyMap<string, string | null>,
    public dir: string | null,
  ) {
    if (dir !== null) this.set("PWD", dir);
  }

  get(name: string): string | null | undefined {
    return this.changed.has(name) ? this.changed.get(name) : this.base.get(name);
  }

  has(name: string): boolean {
    return this.changed.has(name) ? this.changed.get(name) !== undefined : this.base.has(name);
  }

  set(name: string, value: string | null | undefined): void {
    this.changed.set(name, value);
  }

  /** A subshell's own copy: what it changes stays in it. */
  copy(): CommandState {
    const copy = new CommandState(this.base, this.dir);
    for (const [name, value] of this.changed) copy.set(name, value);
    return copy;
  }
}

/** What is known while going through one command's simple commands. */
interface Scope {
  /** Shared by the simple commands of one command: each may change it for the next. */
  readonly state: CommandState;
  readonly at: Where;
  /** Where a word at this offset of the command's text is. */
  readonly where: (offset: number) => Where;
  readonly options: ExpandOptions;
  /** Where the simple command is in the walk, for what the demo installs. */
  readonly moment: Moment;
  readonly depth: number;
  /** `PATH=dir:$PATH cmd`: the directories added for this command alone. */
  readonly forThisOnly: PathAddition[];
}

type CommandObservation = PlanObservation & { kind: "command" };
type NestedObservation = PlanObservation & { kind: "nested" };

function decode(data: string | Uint8Array): string {
  return typeof data === "string" ? data : new TextDecoder().decode(data);
}

class Analyzer {
  readonly findings: Finding[] = [];
  readonly commands = new Map<string, CommandUse>();
  /** Data files looked at (absolute), for the summary. */
  readonly files = new Set<string>();
  readonly nestedDemos = new Set<string>();
  private readonly seen = new Set<string>();
  /** The last texts parsed (a macro's body or a repeated command is parsed once). */
  private readonly parsed = new Map<string, ShellScan>();
  /** Texts parsed to learn what the scripts define, kept until their command comes. */
  private readonly learnt = new Map<string, ShellScan>();
  /** The functions the demo defines, with the `command -v` tests each definition depends on. */
  private readonly functions = new Map<string, (readonly Condition[])[]>();
  private readonly aliases = new Set<string>();
  private readonly hooks = new Set<string>();
  private readonly macros = new Set<string>();
  private readonly guarded = new Set<string>();
  /**
   * What a `$SHELL FILE` the dry run did not plan would report: held until the
   * dry run has said whether it plans the nested demo (it says so just after
   * the command).
   */
  private readonly unplanned = new Map<Step, Finding[]>();
  private sink: Finding[] | undefined;
  /** Files and directories the demo makes before it uses them, by absolute path. */
  private readonly created = new Map<string, { readonly at: Where; readonly dir: boolean }>();
  /** Directories the demo extracts or installs files of unknown names into. */
  private readonly unknownNames = new Map<string, Where>();
  /** YAML the demo writes itself (heredocs), by the key yamlUse knows it under. */
  private readonly written = new Map<string, { text: string; label: string; lineOffset: number }>();
  private readonly yaml = new Map<string, YamlUse>();
  private readonly texts = new Map<string, string | { reason: string }>();
  private readonly whichCache = new Map<string, string | undefined>();
  private readonly installs: Installs;

  constructor(
    private readonly request: CheckRequest,
    private readonly io: CheckIo,
    private readonly syntax: ShellSyntax,
  ) {
    this.installs = new Installs(request.env.PATH ?? "");
  }

  add(finding: Finding): void {
    if (this.sink) {
      this.sink.push(finding);
      return;
    }
    const key = [
      finding.severity,
      finding.file,
      finding.line,
      finding.column ?? "",
      finding.message,
    ].join("\u0000");
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.findings.push(finding);
  }

  label(absolute: string): string {
    return path.relative(this.io.cwd, absolute) || ".";
  }

  parse(text: string): ShellScan {
    let scan = this.parsed.get(text);
    if (scan) {
      this.parsed.delete(text);
    } else {
      scan = this.learnt.get(text) ?? this.syntax.scan(text);
      if (this.parsed.size >= PARSED_KEPT) {
        const oldest = this.parsed.keys().next().value;
        if (oldest !== undefined) this.parsed.delete(oldest);
      }
    }
    this.learnt.delete(text);
    this.parsed.set(text, scan);
    return scan;
  }

  // -------------------------------------------------------------------------
  // What the scripts define: functions, aliases, hooks, macros, guards

  learnScript(observation: PlanObservation & { kind: "script" }): void {
    const { script } = observation;
    if (observation.depth > 0) this.nestedDemos.add(observation.absolute);
    for (const hook of script.hooks) this.hooks.add(hook.name);
    for (const name of script.macros.keys()) this.macros.add(name);
    const visit = (steps: readonly Step[]): void => {
      for (const step of steps) {
        if (step.kind === "macro" || step.kind === "ifhook") visit(step.body);
        if (step.kind === "command" || step.kind === "immediate") this.learnDefinitions(step.text);
      }
    };
    visit(script.steps);
  }

  private learnDefinitions(text: string): void {
    if (!MAY_DEFINE.test(text)) return;
    const scan = this.learnt.get(text) ?? this.parsed.get(text) ?? this.syntax.scan(text);
    if (this.learnt.size < LEARNT_KEPT) this.learnt.set(text, scan);
    for (const f of scan.functions) {
      this.functions.set(f.name, [...(this.functions.get(f.name) ?? []), f.conditions]);
    }
    for (const name of scan.tested) this.guarded.add(name);
    const literal: KnownEnv = new Map();
    for (const command of scan.commands) {
      const words = command.words.map((w) => knownValue(w, literal));
      const [first, ...rest] = words;
      if (first === "alias") {
        for (const word of rest) {
          const eq = word?.indexOf("=") ?? -1;
          if (word !== undefined && eq > 0) this.aliases.add(word.slice(0, eq));
        }
      }
    }
  }

  // -------------------------------------------------------------------------
  // Commands

  /** Reports what the `$SHELL` commands the dry run did not plan would: it has had its say. */
  settleNested(): void {
    if (this.unplanned.size === 0) return;
    const held = [...this.unplanned.values()];
    this.unplanned.clear();
    for (const findings of held) for (const f of findings) this.add(f);
  }

  nestedPlanned(observation: NestedObservation): void {
    this.unplanned.delete(observation.step);
    const { loc } = observation.step;
    if (observation.refused !== undefined) {
      this.add({
        severity: "error",
        file: loc.file,
        line: loc.line,
        message: `${observation.refused} comes after nested demo ${observation.target}: demoshts refuses it there (exit 2), so the demo does not run`,
        hint: `put it before ${observation.target} to use it as an option, or -- after ${observation.target} to pass it to the demo`,
        rule: "nested-demo",
      });
      return;
    }
    if (observation.problem === undefined) return;
    this.add({
      severity: "error",
      file: loc.file,
      line: loc.line,
      message: `nested demo ${observation.target} cannot be read: ${observation.problem}`,
      hint: "nested demo paths are relative to the directory the demo runs in",
      rule: "nested-demo",
    });
  }

  /** A nested demo starts where its parent is, as far as this check knows. */
  startScript(observation: PlanObservation & { kind: "script" }): void {
    this.installs.startScript(observation.depth);
  }

  command(observation: CommandObservation): void {
    const { step, depth } = observation;
    const source = observation.text;
    const scan = this.parse(source);
    // The dry run reads commands with the same parser and knows where each one starts;
    // within a command, a subshell's (or a pipeline stage's) changes stay in it.
    const main = new CommandState(observation.env, observation.cwd);
    const subshells = new Map<number, CommandState>();
    const text = this.installs.startText();
    const where = (offset: number): Where => ({
      file: step.loc.file,
      line: step.loc.line + lineAt(source, offset),
    });
    for (const command of scan.commands) {
      let state = main;
      for (const arm of command.arms) {
        if (arm.arm !== -1) continue;
        let inner = subshells.get(arm.id);
        if (inner === undefined) {
          inner = state.copy();
          subshells.set(arm.id, inner);
        }
        state = inner;
      }
      if (command.reach === "subshell" && state === main) state = main.copy();
      const at = where(command.offset);
      this.simpleCommand(command, step, {
        state,
        at,
        where,
        options: {
          inFunction: command.inFunction,
          glob: (pattern) => this.glob(pattern, state.dir),
        },
        moment: { at, text, arms: command.arms },
        depth,
        forThisOnly: [],
      });
    }
  }

  private simpleCommand(
    command: SimpleCommand,
    step: CommandStep | ImmediateStep,
    scope: Scope,
  ): void {
    const known = (word: Word): string | undefined => knownValue(word, scope.state, scope.options);
    this.redirections(command, step, scope);
    if (command.words.length === 0) {
      for (const word of command.assignments) {
        this.trackPath(word, scope, false);
        assign(word, scope.state, scope.options);
      }
      return;
    }
    for (const word of command.assignments) this.trackPath(word, scope, true);
    const { index, wrappers } = unwrap(command.words, known);
    for (const i of wrappers) {
      const name = known(command.words[i] as Word);
      if (name !== undefined) this.program(name, scope, command.conditions);
    }
    const nameWord = command.words[index];
    if (nameWord === undefined) return;
    const args = command.words.slice(index + 1);
    if (isVariable(nameWord, "SHELL")) {
      const held: Finding[] = [];
      this.sink = held;
      try {
        this.nested(args, scope, known);
      } finally {
        this.sink = undefined;
      }
      this.unplanned.set(step, held);
      return;
    }
    const name = known(nameWord);
    if (name === undefined) return;
    this.program(name, scope, command.conditions);
    const stdin = stdinHeredoc(command);
    for (const use of fileUses(name, args, known)) {
      if (use.role === "kubectl" && known(use.word) === "-" && stdin) {
        this.heredocManifest(stdin, step, scope, use.verb !== undefined && use.verb !== "delete");
      } else this.fileUse(use, scope);
    }
    for (const creation of createdBy(name, args, known)) this.create(creation, scope, known);
    this.installs.ran(name, args, known, scope.moment, scope.state.dir, command.pipedInput);
    if (DECLARES.has(name)) for (const word of args) this.trackPath(word, scope, false);
    learnFrom(name, args, scope.state, scope.options);
  }

  /** `< FILE` must exist; `> FILE` (and `>>`, `&>`...) makes FILE, with a heredoc's text when `cat` copies one. */
  private redirections(
    command: SimpleCommand,
    step: CommandStep | ImmediateStep,
    scope: Scope,
  ): void {
    for (const r of command.redirects) {
      if (!r.target || (r.op.includes("&") && !/^&>>?$/.test(r.op))) continue;
      if (r.op === "<" || r.op === "<>") {
        const word = r.target;
        this.fileUse(
          { role: "input", word, prefix: "", recursive: false, commaList: false },
          scope,
        );
        continue;
      }
      if (!/^(>|>>|>\||&>|&>>)$/.test(r.op)) continue;
      const paths = this.quietPaths(r.target, "", scope);
      for (const absolute of paths ?? []) {
        this.created.set(absolute, { at: scope.where(r.offset), dir: false });
        const doc = stdinHeredoc(command);
        const isCat = command.words.length === 1 && command.words[0]?.raw === "cat";
        if (doc && isCat && r.op !== ">>") this.writeHeredoc(absolute, doc, step, scope);
        else this.written.delete(absolute);
      }
    }
  }

  /** The paths a word stands for, when they can be known; never a note. */
  private quietPaths(word: Word, prefix: string, scope: Scope): string[] | undefined {
    const expanded = expandWord(word, scope.state, scope.options);
    if (!expanded.ok) return undefined;
    const out: string[] = [];
    for (let value of expanded.values) {
      if (value.startsWith(prefix)) value = value.slice(prefix.length);
      if (value === "" || value === "-" || URL.test(value) || value.startsWith("/dev/")) continue;
      if (!path.isAbsolute(value) && scope.state.dir === null) return undefined;
      out.push(path.resolve(scope.state.dir ?? "/", value));
    }
    return out;
  }

  private create(creation: Creation, scope: Scope, known: (w: Word) => string | undefined): void {
    const at = scope.at;
    const mark = (absolute: string, dir: boolean) => {
      this.created.set(absolute, { at, dir });
      this.written.delete(absolute);
    };
    switch (creation.kind) {
      case "path": {
        const dirs = creation.in ? this.quietPaths(creation.in, "", scope) : [scope.state.dir];
        const paths = this.quietPaths(creation.word, creation.prefix, scope) ?? [];
        for (const dir of dirs ?? []) {
          for (const p of paths) {
            const relative = path.relative(scope.state.dir ?? "/", p);
            mark(creation.in && dir !== null ? path.resolve(dir, relative) : p, creation.dir);
          }
        }
        return;
      }
      case "named-after": {
        const source = known(creation.source);
        const dirs = creation.in ? this.quietPaths(creation.in, "", scope) : [scope.state.dir];
        if (source === undefined || !dirs) return;
        let name = path.posix.basename(source.replace(/[?#].*$/, "").replace(/\/+$/, ""));
        if (creation.strip) name = name.replace(creation.strip, "");
        for (const dir of dirs)
          if (dir !== null && name !== "") mark(path.join(dir, name), creation.dir);
        return;
      }
      case "copy": {
        const targets = this.quietPaths(creation.target, "", scope);
        const target = targets?.length === 1 ? targets[0] : undefined;
        if (target === undefined) return;
        const into =
          creation.into ||
          known(creation.target)?.endsWith("/") ||
          this.io.kindOf(target) === "dir" ||
          this.created.get(target)?.dir === true;
        if (!into) {
          mark(target, false);
          return;
        }
        for (const source of creation.sources) {
          for (const p of this.quietPaths(source, "", scope) ?? [])
            mark(path.join(target, path.basename(p)), false);
        }
        return;
      }
      case "unknown-names": {
        const dirs = creation.in ? this.quietPaths(creation.in, "", scope) : [scope.state.dir];
        for (const dir of dirs ?? []) if (dir !== null) this.unknownNames.set(dir, at);
        return;
      }
    }
  }

  /** What the heredoc holds once its variables are filled in, or undefined when they cannot be known. */
  private heredocText(doc: Heredoc, scope: Scope): string | undefined {
    const expanded = expandWord(
      { raw: doc.body, offset: doc.offset, parts: doc.parts },
      scope.state,
      scope.options,
    );
    return expanded.ok && expanded.values.length === 1 ? expanded.values[0] : undefined;
  }

  private writeHeredoc(
    absolute: string,
    doc: Heredoc,
    step: CommandStep | ImmediateStep,
    scope: Scope,
  ): void {
    const text = this.heredocText(doc, scope);
    if (text === undefined) {
      this.written.delete(absolute);
      return;
    }
    const at = scope.where(doc.offset);
    this.written.set(absolute, { text, label: step.loc.file, lineOffset: at.line - 1 });
  }

  /** `kubectl apply -f - <<EOF` (or `cat <<EOF | kubectl apply -f -`): the manifest is the heredoc. */
  private heredocManifest(
    doc: Heredoc,
    step: CommandStep | ImmediateStep,
    scope: Scope,
    applies: boolean,
  ): void {
    const at = scope.where(doc.offset);
    const text = this.heredocText(doc, scope);
    if (text === undefined) {
      this.add({
        severity: "note",
        ...at,
        message: "not checked: the manifest in this heredoc",
        hint: "it uses a value that is only known when the demo runs",
        rule: "not-checked",
      });
      return;
    }
    const key = `heredoc:${at.file}:${at.line}`;
    this.written.set(key, { text, label: step.loc.file, lineOffset: at.line - 1 });
    this.yamlUse(key, { validate: true, crdSource: applies });
  }

  /** A `$SHELL FILE` that the dry run did not plan: at least check that FILE is there. */
  private nested(args: readonly Word[], scope: Scope, known: (w: Word) => string | undefined) {
    const target = args.find((w) => !known(w)?.startsWith("-"));
    if (!target) return;
    const resolved = this.resolve(target, "", scope);
    if (!resolved) return;
    for (const { shown, absolute } of resolved) {
      const kind = this.io.kindOf(absolute);
      if (kind === "file") continue;
      this.add({
        severity: "error",
        ...scope.at,
        message: `nested demo ${shown} ${kind === "dir" ? "is a directory" : "does not exist"}`,
        hint: `nested demo paths are relative to the directory the demo runs in (${this.dirLabel(scope.state.dir)})`,
        rule: "nested-demo",
      });
    }
  }

  /** A command word: a path to check, or a name to find on PATH unless the shell or the demo defines it. */
  private program(name: string, scope: Scope, conditions: readonly Condition[]): void {
    if (name.includes("/")) {
      if (scope.state.dir === null && !path.isAbsolute(name)) return;
      const absolute = path.resolve(scope.state.dir ?? "/", name);
      this.files.add(absolute);
      const kind = this.io.kindOf(absolute);
      if (kind === "file") return;
      this.add({
        severity: "error",
        ...scope.at,
        message: `command ${name} ${kind === "dir" ? "is a directory" : "does not exist"}`,
        hint: `a command with a / in it is a path, relative to the directory the command runs in (${this.dirLabel(scope.state.dir)})`,
        rule: "missing-file",
      });
      return;
    }
    if (
      name === "" ||
      KEYWORDS.has(name) ||
      BUILTINS.has(name) ||
      // On the other side of a `command -v` test that goes the other way on this machine.
      !this.holds(conditions) ||
      (this.functions.get(name) ?? []).some((c) => this.holds(c)) ||
      this.aliases.has(name) ||
      this.hooks.has(name) ||
      this.macros.has(name) ||
      this.commands.has(name)
    ) {
      return;
    }
    const startPath = this.request.env.PATH ?? "";
    const current = scope.state.get("PATH");
    const searchPath = typeof current === "string" ? current : startPath;
    const found = this.which(name, searchPath);
    this.commands.set(name, { file: scope.at.file, line: scope.at.line, found });
    if (found !== undefined) return;
    const installed = this.installs.installation(
      name,
      scope.moment,
      scope.depth,
      scope.forThisOnly,
    );
    if (installed) {
      this.add({
        severity: "note",
        ...scope.at,
        message: `${name}: not on PATH before the demo installs it`,
        hint: `installed by the demo: ${describeInstallation(installed)}`,
        rule: "installed-by-demo",
      });
      return;
    }
    const changed = current !== startPath;
    const guarded = this.guarded.has(name);
    this.add({
      severity: guarded ? "note" : "warning",
      ...scope.at,
      message: `${name}: command not found on PATH${guarded ? " (the demo checks for it before use)" : ""}`,
      hint: changed
        ? `the demo changes PATH before this command, so ${name} may be there by then; otherwise install it`
        : `install ${name}, or add the directory that holds it to PATH`,
      rule: "command-not-found",
    });
  }

  /** Whether `command -v` tests go this way on this machine (as `doctor` decides them). */
  private holds(conditions: readonly Condition[]): boolean {
    const startPath = this.request.env.PATH ?? "";
    return conditions.every((c) => (this.which(c.name, startPath) !== undefined) === c.present);
  }

  private which(name: string, searchPath: string): string | undefined {
    const key = `${name}\u0000${searchPath}`;
    if (!this.whichCache.has(key)) this.whichCache.set(key, this.io.which(name, searchPath));
    return this.whichCache.get(key);
  }

  /**
   * `PATH=...` (alone, after `export`, or `only` before one command): what it
   * adds to PATH, for what the demo installs. Before the assignment is learnt.
   */
  private trackPath(word: Word, scope: Scope, only: boolean): void {
    if (!word.raw.startsWith("PATH=")) return;
    const expanded = expandWord(word, markingPath(scope.state), scope.options);
    const value =
      expanded.ok && expanded.values.length === 1 ? expanded.values[0]?.slice(5) : undefined;
    const added = this.installs.assignPath(value, word, scope.moment, scope.depth, only);
    if (added) scope.forThisOnly.push(added);
  }

  // -------------------------------------------------------------------------
  // Files

  private dirLabel(dir: string | null): string {
    return dir === null ? "unknown" : this.label(dir);
  }

  /** The paths a file argument stands for, or undefined (after a note) when it cannot be known. */
  private resolve(
    word: Word,
    prefix: string,
    scope: Scope,
    commaList = false,
  ): { shown: string; absolute: string }[] | undefined {
    const raw = word.raw.startsWith(prefix) ? word.raw.slice(prefix.length) : word.raw;
    const expanded = expandWord(word, scope.state, scope.options);
    if (!expanded.ok) {
      if (!expanded.quiet) {
        this.add({
          severity: "note",
          ...scope.at,
          message: `not checked: ${raw}`,
          hint:
            expanded.unset === undefined
              ? expanded.why
              : `${expanded.why}: assume a value with --env ${expanded.unset}=VALUE`,
          rule: "not-checked",
        });
      }
      return undefined;
    }
    let values = expanded.values.map((v) => (v.startsWith(prefix) ? v.slice(prefix.length) : v));
    if (commaList) values = values.flatMap((v) => v.split(",")).filter((v) => v !== "");
    const out: { shown: string; absolute: string }[] = [];
    for (const value of values) {
      if (value === "" || value === "-" || URL.test(value)) continue;
      if (!path.isAbsolute(value) && scope.state.dir === null) {
        this.add({
          severity: "note",
          ...scope.at,
          message: `not checked: ${raw}`,
          hint: "an earlier cd went to a directory that is only known when the demo runs",
          rule: "not-checked",
        });
        return undefined;
      }
      out.push({ shown: value, absolute: path.resolve(scope.state.dir ?? "/", value) });
    }
    return out;
  }

  private fileUse(use: FileUse, commandScope: Scope): void {
    // Reported at the word's own line: a long command spans several.
    const scope = { ...commandScope, at: commandScope.where(use.word.offset) };
    const resolved = this.resolve(use.word, use.prefix, scope, use.commaList);
    for (const { shown, absolute } of resolved ?? []) this.checkFile(use, shown, absolute, scope);
  }

  private missing(use: FileUse, shown: string, scope: Scope, problem: string): void {
    if (problem === "does not exist" && /[*?[]/.test(shown)) problem = "matches no file";
    this.add({
      severity: "error",
      ...scope.at,
      message: `${WHAT[use.role]} ${shown} ${problem}`,
      hint: `paths are relative to the directory the command runs in (${this.dirLabel(scope.state.dir)})`,
      rule: "missing-file",
    });
  }

  /** Made earlier by the demo: itself, or a directory it is in. */
  private madeByDemo(absolute: string): { readonly dir: boolean } | undefined {
    const made = this.created.get(absolute);
    if (made) return made;
    for (let dir = path.dirname(absolute); ; dir = path.dirname(dir)) {
      if (this.created.get(dir)?.dir) return { dir: false };
      if (dir === path.dirname(dir)) return undefined;
    }
  }

  /** Where files of unknown names were extracted or installed, if this path may be one of them. */
  private maybeExtracted(absolute: string): Where | undefined {
    for (let dir = path.dirname(absolute); ; dir = path.dirname(dir)) {
      const at = this.unknownNames.get(dir);
      if (at) return at;
      if (dir === path.dirname(dir)) return undefined;
    }
  }

  private checkFile(use: FileUse, shown: string, absolute: string, scope: Scope): void {
    this.files.add(absolute);
    const written = this.written.get(absolute);
    const made = this.madeByDemo(absolute);
    if (written || made) {
      const yamlRole =
        use.role === "kubectl" ||
        use.role === "helm-values" ||
        use.role === "show" ||
        use.role === "diff";
      if (
        (written && yamlRole && YAML_EXTENSIONS.has(path.extname(absolute).toLowerCase())) ||
        (written && use.role === "kubectl")
      ) {
        const applies = use.verb !== undefined && use.verb !== "delete";
        this.yamlUse(
          absolute,
          use.role === "kubectl"
            ? { validate: true, crdSource: applies }
            : use.role === "helm-values"
              ? {}
              : { validateIfKubernetes: true },
        );
      }
      return;
    }
    const kind = this.io.kindOf(absolute);
    if (kind === undefined) {
      const extracted = this.maybeExtracted(absolute);
      if (extracted) {
        this.add({
          severity: "note",
          ...scope.at,
          message: `not checked: ${shown}`,
          hint: `it may come from the files unpacked at ${extracted.file}:${extracted.line}, whose names are only known when the demo runs`,
          rule: "not-checked",
        });
        return;
      }
      this.missing(use, shown, scope, "does not exist");
      return;
    }
    const applies = use.verb !== undefined && use.verb !== "delete";
    if (kind === "dir") {
      if (use.role === "kubectl") {
        const manifests = this.manifestsIn(absolute, use.recursive);
        if (manifests.length === 0) {
          this.missing(use, shown, scope, "has no .yaml, .yml or .json files");
        }
        for (const file of manifests) {
          this.files.add(file);
          this.yamlUse(file, { validate: true, crdSource: applies });
        }
      } else if (use.role === "kustomize") {
        const found = KUSTOMIZATIONS.map((n) => path.join(absolute, n)).find(
          (p) => this.io.kindOf(p) === "file",
        );
        if (found === undefined) this.missing(use, shown, scope, "has no kustomization.yaml");
        else this.followKustomization(found, applies);
      } else if (use.role !== "diff") {
        this.missing(use, shown, scope, "is a directory");
      }
      return;
    }
    const extension = path.extname(absolute).toLowerCase();
    switch (use.role) {
      case "kubectl":
        this.yamlUse(absolute, { validate: true, crdSource: applies });
        return;
      case "kustomize":
        this.missing(use, shown, scope, "is not a directory");
        return;
      case "helm-values":
        this.yamlUse(absolute, {});
        return;
      case "show":
      case "diff":
        if (YAML_EXTENSIONS.has(extension)) this.yamlUse(absolute, { validateIfKubernetes: true });
        return;
      default:
    }
  }

  /** A kustomization's resources: manifests to validate, and the kustomizations of directories. */
  private followKustomization(first: string, applies: boolean): void {
    const stack = [first];
    const seen = new Set<string>();
    for (let file = stack.pop(); file !== undefined; file = stack.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      this.files.add(file);
      this.yamlUse(file, {});
      const text = this.text(file);
      if (typeof text !== "string") continue;
      for (const entry of kustomizationResources(text)) {
        const target = path.resolve(path.dirname(file), entry.path);
        const kind = this.io.kindOf(target);
        const found =
          kind === "dir"
            ? KUSTOMIZATIONS.map((n) => path.join(target, n)).find(
                (p) => this.io.kindOf(p) === "file",
              )
            : undefined;
        if (kind === "file") {
          this.files.add(target);
          this.yamlUse(target, { validate: true, crdSource: applies });
        } else if (found) stack.push(found);
        else {
          this.add({
            severity: "error",
            file: this.label(file),
            line: entry.line,
            message: `resource ${entry.path} ${kind === "dir" ? "has no kustomization.yaml" : "does not exist"}`,
            hint: "a kustomization's resources are relative to its own directory",
            rule: "missing-file",
          });
        }
      }
    }
  }

  /** The paths a glob written in the demo matches on disk, sorted as bash sorts them. */
  private glob(pattern: GlobPattern, dir: string | null): readonly string[] | undefined {
    const absolute = pattern.text.startsWith("/");
    if (!absolute && dir === null) return undefined;
    let found: string[] = [absolute ? "/" : (dir as string)];
    const segments = absolute ? pattern.segments.slice(1) : pattern.segments;
    for (const segment of segments) {
      const next: string[] = [];
      for (const base of found) {
        if (typeof segment === "string") {
          const p = segment === "" ? base : path.join(base, segment);
          if (segment === "" || this.io.kindOf(p) !== undefined) next.push(p);
          continue;
        }
        if (this.io.kindOf(base) !== "dir") continue;
        for (const name of [...this.io.listDir(base)].sort()) {
          if (name.startsWith(".") && !segment.source.startsWith("^\\.")) continue;
          if (segment.test(name)) next.push(path.join(base, name));
        }
      }
      found = next;
      if (found.length > MAX_GLOB) return undefined;
    }
    return found.map((p) => (absolute ? p : path.relative(dir as string, p) || "."));
  }

  /** The manifests in a directory (and, recursively, below it), without recursing on its depth. */
  private manifestsIn(dir: string, recursive: boolean): string[] {
    const out: string[] = [];
    // Depth first and in name order, as the recursive walk read them: one listing per open directory.
    const open: { dir: string; names: string[]; next: number }[] = [
      { dir, names: [...this.io.listDir(dir)].sort(), next: 0 },
    ];
    while (open.length > 0) {
      const top = open[open.length - 1] as (typeof open)[number];
      const name = top.names[top.next++];
      if (name === undefined) {
        open.pop();
        continue;
      }
      const absolute = path.join(top.dir, name);
      const kind = this.io.kindOf(absolute);
      if (kind === "dir" && recursive) {
        open.push({ dir: absolute, names: [...this.io.listDir(absolute)].sort(), next: 0 });
      }
      if (kind === "file" && MANIFEST_EXTENSIONS.has(path.extname(name).toLowerCase())) {
        out.push(absolute);
      }
    }
    return out;
  }

  private yamlUse(absolute: string, how: Partial<Omit<YamlUse, "label">>): void {
    let use = this.yaml.get(absolute);
    if (!use) {
      const written = this.written.get(absolute);
      use = {
        label: written ? written.label : this.label(absolute),
        lineOffset: written ? written.lineOffset : 0,
        validate: false,
        validateIfKubernetes: false,
        crdSource: false,
      };
      this.yaml.set(absolute, use);
    }
    use.validate ||= how.validate ?? false;
    use.validateIfKubernetes ||= how.validateIfKubernetes ?? false;
    use.crdSource ||= how.crdSource ?? false;
  }

  text(absolute: string): string | { reason: string } {
    const written = this.written.get(absolute);
    if (written) return written.text;
    let text = this.texts.get(absolute);
    if (text === undefined) {
      const found = this.io.readFile(absolute);
      text = found.ok ? decode(found.data) : { reason: found.reason };
      this.texts.set(absolute, text);
    }
    return text;
  }

  // -------------------------------------------------------------------------
  // YAML and manifests, once every command has been seen

  #crdCache: CrdCache | null | undefined;

  private crdCache(): CrdCache | undefined {
    if (this.#crdCache === undefined) {
      const where = this.io.crdCache?.();
      this.#crdCache = where ? directoryCrdCache(where.dir, where.stamp) : null;
    }
    return this.#crdCache ?? undefined;
  }

  checkYaml(extraCrds: readonly CrdVersionSchema[]): void {
    // Each text is parsed once, and kept for the second pass only when it is to be
    // validated (files of CRDs alone, often large, are not).
    const toValidate = new Map<string, { use: YamlUse; parsed: ParsedYaml }>();
    const crds: CrdVersionSchema[] = [];
    const crdFiles = new Set<string>();
    for (const [absolute, use] of this.yaml) {
      const text = this.text(absolute);
      if (typeof text !== "string") {
        this.add({
          severity: "error",
          file: use.label,
          line: 1,
          message: `cannot read ${use.label}: ${text.reason}`,
          hint: "the demo uses this file",
          rule: "missing-file",
        });
        continue;
      }
      const cache = use.crdSource ? this.crdCache() : undefined;
      const stored = use.crdSource ? (crdFileContents.get(text) ?? cache?.read(text)) : undefined;
      if (stored) {
        rememberCrdFile(text, stored);
        // Stored only for a file that parses and holds nothing but CRDs: nothing else to check.
        for (const crd of stored) crds.push({ ...crd, file: use.label });
        crdFiles.add(absolute);
        continue;
      }
      const parsed = parseYaml(text);
      const summary = summarizeYaml(parsed);
      for (const error of summary.errors) {
        this.add({
          severity: "error",
          file: use.label,
          line: error.line + use.lineOffset,
          column: error.column,
          message: `YAML syntax error: ${error.message}`,
          hint: "the demo uses this file, and it does not parse as YAML",
          rule: "yaml-syntax",
        });
      }
      if (summary.errors.length > 0) continue;
      const validated = use.validate || (use.validateIfKubernetes && summary.allKubernetes);
      // CRDs are schemas, not objects to check against one: crdsFromYaml reads the applied ones.
      if (validated && !summary.allCrds) toValidate.set(absolute, { use, parsed });
      if (!use.crdSource) continue;
      try {
        const found = cachedCrds(text, use.label, parsed);
        for (const crd of found) crds.push(crd);
        crdFiles.add(absolute);
        if (summary.allCrds) {
          rememberCrdFile(text, found);
          cache?.write(text, found);
        }
      } catch (error) {
        if (!(error instanceof CrdFileError)) throw error;
        this.add({
          severity: "error",
          file: error.file,
          line: error.line + use.lineOffset,
          column: error.column,
          message: error.reason,
          hint: "the API server would refuse this CustomResourceDefinition",
          rule: "manifest",
        });
      }
    }
    const schemas = new SchemaSet(crds).add(extraCrds);
    // One note per kind with no schema, at its first object: Kubernetes's own kinds are
    // never noted (no schema is expected for them), and a hundred objects of one custom
    // kind are one thing to know, not a hundred.
    const unvalidated = new Map<string, { first: Finding; more: number }>();
    for (const [absolute, { use, parsed }] of toValidate) {
      const report = validateManifests(parsed, use.label, schemas);
      for (const problem of report.problems) {
        this.add({
          severity: "error",
          file: problem.file,
          line: problem.line + use.lineOffset,
          column: problem.column,
          message: problem.message,
          hint: "the API server would refuse this object (checked against the CRDs the demo applies and --crds)",
          rule: "manifest",
        });
      }
      for (const object of report.notValidated) {
        const isCrd =
          object.kind === "CustomResourceDefinition" &&
          object.apiVersion === "apiextensions.k8s.io/v1";
        if (isCrd && crdFiles.has(absolute)) continue;
        if (isBuiltInApiVersion(object.apiVersion)) continue;
        const key = `${object.apiVersion} ${object.kind}`;
        const seen = unvalidated.get(key);
        if (seen) {
          seen.more++;
          continue;
        }
        unvalidated.set(key, {
          more: 0,
          first: {
            severity: "note",
            file: object.file,
            line: object.line + use.lineOffset,
            message: `not validated: ${object.kind} (${object.apiVersion}) in ${object.file}:${object.line + use.lineOffset}`,
            hint: "no schema for this kind: the demo applies no CRD for it and --crds gives none",
            rule: "not-validated",
          },
        });
      }
    }
    for (const { first, more } of unvalidated.values()) {
      this.add(
        more === 0
          ? first
          : {
              ...first,
              message: `${first.message} (and ${more} more object${more === 1 ? "" : "s"} of this kind)`,
            },
      );
    }
  }
}

/** The heredoc a command reads as its standard input, its own or the one `cat` copies into its pipe. */
function stdinHeredoc(command: SimpleCommand): Heredoc | undefined {
  for (const r of command.redirects) {
    if (r.heredoc && (r.fd === undefined || r.fd === 0)) return r.heredoc;
  }
  return command.pipedHeredoc;
}

/**
 * The CRDs of files that hold only CRDs and parse, by text: a process that checks
 * several demos (tests, the API) parses such a file once, and keeps the same schema
 * objects, so their compiled validators too.
 */
const crdFileContents = new Map<string, StoredCrd[]>();

function rememberCrdFile(text: string, crds: readonly StoredCrd[]): void {
  crdFileContents.delete(text);
  if (crdFileContents.size >= 8) {
    const oldest = crdFileContents.keys().next().value;
    if (oldest !== undefined) crdFileContents.delete(oldest);
  }
  crdFileContents.set(
    text,
    crds.map(({ file: _, ...crd }: StoredCrd & { file?: string }) => crd),
  );
}

/** CRDs read before, by file and text (see memo). */
const crdsOf = memo(64, (key, parsed: ParsedYaml | undefined) => {
  const cut = key.indexOf("\u0000");
  return crdsFromYaml(parsed ?? key.slice(cut + 1), key.slice(0, cut));
});

function cachedCrds(text: string, label: string, parsed?: ParsedYaml): CrdVersionSchema[] {
  return crdsOf(`${label}\u0000${text}`, parsed);
}

function readerFinding(d: Diagnostic): Finding {
  return {
    severity: d.severity,
    file: d.loc.file,
    line: d.loc.line,
    message: d.message,
    hint: d.hint,
    rule: "reader",
  };
}

/** The CRDs of the --crds files; a fatal diagnostic when one cannot be read. */
function extraCrds(
  request: CheckRequest,
  io: CheckIo,
  analyzer: Analyzer,
): { crds: CrdVersionSchema[]; fatal?: Diagnostic } {
  const crds: CrdVersionSchema[] = [];
  for (const given of request.crds) {
    const absolute = path.resolve(io.cwd, given);
    const kind = io.kindOf(absolute);
    const files =
      kind === "dir"
        ? io
            .listDir(absolute)
            .filter((n) => MANIFEST_EXTENSIONS.has(path.extname(n).toLowerCase()))
            .sort()
            .map((n) => path.join(absolute, n))
        : [absolute];
    if (kind === undefined) {
      return {
        crds,
        fatal: {
          severity: "error",
          loc: { file: given, line: 1 },
          message: `cannot read --crds ${given}: no such file or directory`,
          hint: "--crds takes YAML files (or directories of them) holding CustomResourceDefinitions",
        },
      };
    }
    for (const file of files) {
      const label = analyzer.label(file);
      const text = analyzer.text(file);
      if (typeof text !== "string") {
        return {
          crds,
          fatal: {
            severity: "error",
            loc: { file: label, line: 1 },
            message: `cannot read --crds ${label}: ${text.reason}`,
            hint: "--crds takes YAML files (or directories of them) holding CustomResourceDefinitions",
          },
        };
      }
      try {
        const found = cachedCrds(text, label);
        if (found.length === 0) {
          analyzer.add({
            severity: "warning",
            file: label,
            line: 1,
            message: `--crds ${label} holds no CustomResourceDefinition`,
            hint: "--crds takes files of apiextensions.k8s.io/v1 CustomResourceDefinitions",
            rule: "crds",
          });
        }
        for (const crd of found) crds.push(crd);
      } catch (error) {
        if (!(error instanceof CrdFileError)) throw error;
        return {
          crds,
          fatal: {
            severity: "error",
            loc: { file: error.file, line: error.line },
            message: `--crds ${error.file} cannot be read as CRDs: ${error.reason} (column ${error.column})`,
            hint: "fix the file, or leave it out of --crds",
          },
        };
      }
    }
  }
  return { crds };
}

interface FullAnalysis extends DemoAnalysis {
  readonly nestedDemos: number;
  readonly filesChecked: number;
}

async function analyze(request: CheckRequest, io: CheckIo): Promise<FullAnalysis> {
  const analyzer = new Analyzer(request, io, await loadShellSyntax());
  const done = (fatal?: Diagnostic): FullAnalysis => ({
    findings: analyzer.findings,
    commands: analyzer.commands,
    nestedDemos: analyzer.nestedDemos.size,
    filesChecked: analyzer.files.size,
    ...(fatal ? { fatal } : {}),
  });
  const unreadable = unreadableDemo(request.file, io);
  if (unreadable) return done(unreadable);
  const extra = extraCrds(request, io, analyzer);
  if (extra.fatal) return done(extra.fatal);

  // Observations are handled as they come, so that none is kept (the variables
  // they carry are only valid during the call).
  const unreadableNested = new Set<string>();
  // Where a nested demo's words would be refused: check's own error says it there.
  const refusedNested = new Set<string>();
  const observe = (o: PlanObservation): void => {
    if (o.kind === "nested") {
      analyzer.nestedPlanned(o);
      if (o.refused !== undefined) refusedNested.add(`${o.step.loc.file}:${o.step.loc.line}`);
      if (o.problem !== undefined) {
        unreadableNested.add(
          `nested demo ${o.target} cannot be read: ${o.problem}\u0000${o.step.loc.file}:${o.step.loc.line}`,
        );
      }
      return;
    }
    analyzer.settleNested();
    if (o.kind === "command") analyzer.command(o);
    else {
      analyzer.learnScript(o);
      analyzer.startScript(o);
    }
  };
  const result = await observeDemo(request, io, observe, {
    scan: (text) => analyzer.parse(text),
  });
  analyzer.settleNested();
  for (const warning of result.warnings) {
    const where = `${warning.loc.file}:${warning.loc.line}`;
    if (unreadableNested.has(`${warning.message}\u0000${where}`) || refusedNested.has(where))
      continue;
    analyzer.add(readerFinding(warning));
  }
  if (!result.ok) analyzer.add(readerFinding(result.error));
  analyzer.checkYaml(extra.crds);
  return done();
}

/** The whole analysis, without printing (also used by `demoshts doctor` to list the commands a demo needs). */
export async function analyzeDemo(request: CheckRequest, io: CheckIo): Promise<DemoAnalysis> {
  const { findings, commands, fatal } = await analyze(request, io);
  return fatal ? { findings, commands, fatal } : { findings, commands };
}

/**
 * Runs the check, prints the report, returns the exit code: 0 no errors
 * (warnings and notes allowed), 1 errors (a script that does not read is one),
 * 2 the check itself cannot run: the demo file is missing or a directory, or a
 * --crds file is missing or not CRDs.
 */
export async function runCheck(request: CheckRequest, io: CheckIo): Promise<number> {
  const result = await analyze(request, io);
  if (result.fatal) {
    io.stderr.write(`${formatDiagnostic(result.fatal)}\n`);
    io.stderr.write(`demoshts check: ${request.file} was not checked\n`);
    if (request.githubActions) {
      const f = readerFinding(result.fatal);
      (request.format === "json" ? io.stderr : io.stdout).write(`${githubAnnotation(f)}\n`);
    }
    return CHECK_EXIT.cannotCheck;
  }
  const findings = sortFindings(result.findings);
  const summary = summarize(request.file, findings, result.nestedDemos, result.filesChecked);
  io.stdout.write(
    request.format === "json"
      ? formatCheckJson(findings, summary)
      : formatCheckText(findings, summary),
  );
  if (request.githubActions) {
    // In JSON mode stdout holds one JSON object: annotations go to stderr, which the runner also reads.
    const out = request.format === "json" ? io.stderr : io.stdout;
    for (const f of findings) out.write(`${githubAnnotation(f)}\n`);
  }
  return summary.errors > 0 ? CHECK_EXIT.errors : CHECK_EXIT.clean;
}
