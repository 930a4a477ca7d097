/**
 * The shell syntax `check`, `doctor` and the dry run read, as bash would parse
 * it: simple commands with their words, redirections and heredocs, the
 * functions defined, and the `command -v X` tests each command depends on.
 * Built on tree-sitter's bash grammar, loaded lazily (a live run never loads
 * it). Trees are walked with explicit stacks: input nesting depth never
 * becomes call-stack depth. Executes nothing.
 */
import { createRequire } from "node:module";
import type { Language, Parser, Tree } from "web-tree-sitter";

/** A piece of a word, as the shell builds it. */
export type Part =
  | { readonly kind: "text"; readonly text: string; readonly quoted: boolean }
  | {
      readonly kind: "param";
      readonly name: string;
      /** `:-`, `-`, `:+`, `+`, `:=`, `=`, `:?`, `?`, or undefined for `$NAME` / `${NAME}`. */
      readonly op: string | undefined;
      readonly arg: readonly Part[];
      readonly raw: string;
    }
  | {
      /** `$( )`, backticks, `<( )` or `>( )`: commands whose output is only known at run time. */
      readonly kind: "subst";
      readonly raw: string;
    }
  | {
      /** Something whose value cannot be worked out: `$(( ))`, `${#x}`, `$@`, an array... */
      readonly kind: "opaque";
      readonly raw: string;
      readonly why: string;
      /** A positional parameter (`$1`, `$@`...), which a function body gets from its caller. */
      readonly positional?: boolean;
    };

export interface Word {
  /** The word as written. */
  readonly raw: string;
  /** Where it starts in the parsed text. */
  readonly offset: number;
  readonly parts: readonly Part[];
}

export interface Heredoc {
  /** The body as written (its end line excluded), tabs stripped for `<<-`. */
  readonly body: string;
  /** The body as the command receives it: expansions unless the delimiter is quoted. */
  readonly parts: readonly Part[];
  /** Where the body starts in the parsed text. */
  readonly offset: number;
}

export interface Redirect {
  /** `>`, `>>`, `<`, `&>`, `&>>`, `>|`, `<>`, `>&`, `<&`, `<<`, `<<-` or `<<<`. */
  readonly op: string;
  /** The descriptor written before the operator (`2>`), if any. */
  readonly fd: number | undefined;
  /** The file (or here-string) word; undefined for a heredoc. */
  readonly target: Word | undefined;
  readonly heredoc: Heredoc | undefined;
  readonly offset: number;
}

/** `command -v NAME` (or type, hash, which) succeeded (`present`) or failed on the path taken. */
export interface Condition {
  readonly name: string;
  readonly present: boolean;
}

/**
 * One way through a choice the text makes: `if`/`elif`/`else`, `case`, the two
 * sides of `||`, or the inside of a subshell (`( )`, `$( )`), whose changes to
 * variables stay inside it.
 */
export interface Arm {
  /** The choice (or subshell), numbered in the text. */
  readonly id: number;
  /** Which way through it; -1 inside a subshell. */
  readonly arm: number;
}

/**
 * How far what a command changes (variables, the directory) reaches: the
 * session itself; "maybe" when the command may not run (a branch, a loop's
 * body, after `||`, a function's body); "subshell" when it runs in a subshell
 * (`( )`, `$( )`, a pipeline's stage, `&`), which changes nothing after it.
 */
export type Reach = "session" | "maybe" | "subshell";

/** One simple command: `NAME=value ... word word ... redirections`. */
export interface SimpleCommand {
  readonly assignments: readonly Word[];
  /** The command name and its arguments; empty for a bare assignment or a compound's redirections. */
  readonly words: readonly Word[];
  readonly redirects: readonly Redirect[];
  /** Where it starts in the text. */
  readonly offset: number;
  /** Inside a function body: `$1`, `$@`... are the function's arguments. */
  readonly inFunction: boolean;
  readonly reach: Reach;
  /** The `command -v` tests that must have gone this way for the command to run. */
  readonly conditions: readonly Condition[];
  /** Its standard input is the heredoc of the command before it in a pipeline (`cat <<EOF | cmd`). */
  readonly pipedHeredoc: Heredoc | undefined;
  /** Its standard input is the output of the stage before it in a pipeline. */
  readonly pipedInput: boolean;
  /** The choices it is inside, outermost first: see `mayFollow`. */
  readonly arms: readonly Arm[];
}

export interface FunctionDefinition {
  readonly name: string;
  readonly offset: number;
  readonly conditions: readonly Condition[];
}

export interface ShellScan {
  /** Every simple command, in the order the shell would meet them (substitutions first). */
  readonly commands: readonly SimpleCommand[];
  /** The functions the text defines (`name()`, `function name`). */
  readonly functions: readonly FunctionDefinition[];
  /** Names of the commands tested with `command -v NAME` (or type, hash, which). */
  readonly tested: readonly string[];
}

export interface ShellSyntax {
  /** Parses a command's text (one or several lines). */
  scan(text: string): ShellScan;
}

let loading: Promise<ShellSyntax> | undefined;

/** Loads the bash grammar once per process (about 50 ms) and returns the parser. */
export function loadShellSyntax(): Promise<ShellSyntax> {
  loading ??= (async () => {
    const { Parser: TsParser, Language } = await import("web-tree-sitter");
    await TsParser.init();
    const wasm = createRequire(import.meta.url).resolve("tree-sitter-bash/tree-sitter-bash.wasm");
    const language = await Language.load(wasm);
    const parser = new TsParser();
    parser.setLanguage(language);
    return { scan: (text: string) => scanText(parser, text) };
  })();
  return loading;
}

const GUARDS = new Set(["command", "type", "hash", "which"]);
/** Beyond this depth of `${a:-${b:-...}}`, a word's value is not worked out. */
const MAX_WORD_DEPTH = 64;
const ANSI_ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  a: "\x07",
  b: "\b",
  e: "\x1b",
  E: "\x1b",
  f: "\f",
  v: "\v",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "?": "?",
};
const STATEMENT_TYPES = new Set([
  "command",
  "redirected_statement",
  "list",
  "pipeline",
  "subshell",
  "compound_statement",
  "if_statement",
  "while_statement",
  "for_statement",
  "c_style_for_statement",
  "case_statement",
  "function_definition",
  "negated_command",
  "test_command",
  "declaration_command",
  "unset_command",
  "variable_assignment",
  "variable_assignments",
]);

/** A statement the grammar hangs on a heredoc, and whether the command's output is piped into it. */
interface After {
  readonly node: Node;
  readonly piped: boolean;
}

interface Context {
  readonly inFunction: boolean;
  readonly reach: Reach;
  readonly conditions: readonly Condition[];
  readonly arms: readonly Arm[];
  readonly pipedInput?: boolean;
}

/**
 * Whether what a command at `earlier` arms changed (a variable) can still hold
 * when a later command of the same text, at `later` arms, runs: not from
 * another way through the same choice, nor from inside a subshell it is not in.
 */
export function mayFollow(earlier: readonly Arm[], later: readonly Arm[]): boolean {
  return earlier.every((e) =>
    e.arm < 0
      ? later.some((l) => l.id === e.id)
      : !later.some((l) => l.id === e.id && l.arm !== e.arm),
  );
}

const REACH_ORDER: readonly Reach[] = ["session", "maybe", "subshell"];

/** The context of commands that reach no further than `reach`. */
function within(ctx: Context, reach: Reach): Context {
  return REACH_ORDER.indexOf(reach) > REACH_ORDER.indexOf(ctx.reach) ? { ...ctx, reach } : ctx;
}

type Task =
  | { readonly kind: "visit"; readonly node: Node; readonly ctx: Context; readonly piped?: Heredoc }
  | { readonly kind: "emit"; readonly command: SimpleCommand };

/** Text as the shell reads it unquoted: `\x` is a quoted x, `\` newline disappears. */
function unquotedText(text: string, parts: Part[]): void {
  let i = 0;
  let plain = "";
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "\\" && i + 1 < text.length) {
      if (plain) pushText(parts, plain, false);
      plain = "";
      if (text[i + 1] !== "\n") pushText(parts, text[i + 1] as string, true);
      i += 2;
    } else {
      plain += c;
      i++;
    }
  }
  if (plain) pushText(parts, plain, false);
}

/** Text inside double quotes: only `\"`, `\\`, `\$`, `` \` `` and `\` newline are escapes. */
function doubleQuotedText(text: string, parts: Part[]): void {
  pushText(
    parts,
    text.replace(/\\([\\"$`\n])/g, (_, c: string) => (c === "\n" ? "" : c)),
    true,
  );
}

function ansiText(raw: string): string {
  const inner = raw.slice(2, -1);
  return inner.replace(/\\(.)/g, (_, e: string) => ANSI_ESCAPES[e] ?? `\\${e}`);
}

function pushText(parts: Part[], text: string, quoted: boolean): void {
  const last = parts[parts.length - 1];
  if (last?.kind === "text" && last.quoted === quoted) {
    parts[parts.length - 1] = { kind: "text", text: last.text + text, quoted };
  } else parts.push({ kind: "text", text, quoted });
}

class Scanner {
  readonly commands: SimpleCommand[] = [];
  readonly functions: FunctionDefinition[] = [];
  readonly tested: string[] = [];
  private readonly tasks: Task[] = [];
  private choices = 0;

  constructor(private readonly text: string) {}

  run(root: Node): void {
    this.tasks.push({
      kind: "visit",
      node: root,
      ctx: { inFunction: false, reach: "session", conditions: [], arms: [] },
    });
    for (let task = this.tasks.pop(); task; task = this.tasks.pop()) {
      if (task.kind === "emit") this.commands.push(task.command);
      else this.visit(task.node, task.ctx, task.piped);
    }
  }

  /** A context one way (`arm`) through a new choice, or (arm -1) inside a new subshell. */
  private arm(ctx: Context, id: number, arm: number): Context {
    return { ...ctx, pipedInput: false, arms: [...ctx.arms, { id, arm }] };
  }

  private subshell(ctx: Context): Context {
    return this.arm(ctx, this.choices++, -1);
  }

  /** Visits these nodes next, in order. */
  private later(nodes: readonly Node[], ctx: Context): void {
    for (let i = nodes.length - 1; i >= 0; i--) {
      this.tasks.push({ kind: "visit", node: nodes[i] as Node, ctx });
    }
  }

  private visit(node: Node, ctx: Context, piped?: Heredoc): void {
    switch (node.type) {
      case "command":
        this.command(node, [], ctx, piped);
        return;
      case "redirected_statement":
        this.redirected(node, ctx, piped);
        return;
      case "variable_assignment":
      case "variable_assignments": {
        const substitutions: Node[] = [];
        const assignments = (node.type === "variable_assignment" ? [node] : children(node))
          .filter((c) => c.type === "variable_assignment")
          .map((c) => this.word(c, substitutions));
        this.emit(assignments, [], [], node.startIndex, ctx, substitutions, undefined);
        return;
      }
      case "test_command": {
        const substitutions: Node[] = [];
        const words = children(node)
          .filter((c) => c.type !== "comment")
          .map((c) => this.word(c, substitutions));
        this.emit([], words, [], node.startIndex, ctx, substitutions, undefined);
        return;
      }
      case "arithmetic_expansion":
        this.later(substitutionsIn(node), within(ctx, "subshell"));
        return;
      case "c_style_for_statement":
      case "compound_statement":
        if (node.type === "c_style_for_statement" || node.firstChild?.type === "((") {
          const body = node.childForFieldName("body");
          this.later(substitutionsIn(node, body), within(ctx, "subshell"));
          if (body) this.tasks.push({ kind: "visit", node: body, ctx: within(ctx, "maybe") });
          return;
        }
        this.statements(children(node), ctx);
        return;
      case "subshell":
        this.later(children(node), this.subshell(within(ctx, "subshell")));
        return;
      case "while_statement":
        this.later(children(node), within(ctx, "maybe"));
        return;
      case "declaration_command":
      case "unset_command":
        this.declaration(node, ctx);
        return;
      case "function_definition":
        this.functionDefinition(node, ctx);
        return;
      case "if_statement":
        this.ifStatement(node, ctx);
        return;
      case "list":
        this.list(node, ctx);
        return;
      case "pipeline":
        this.pipeline(node, ctx, piped);
        return;
      case "for_statement":
        this.forStatement(node, ctx);
        return;
      case "case_statement": {
        const id = this.choices++;
        const kids = children(node);
        const maybe = within(ctx, "maybe");
        for (let i = kids.length - 1; i >= 0; i--) {
          const kid = kids[i] as Node;
          const inArm = kid.type === "case_item" ? this.arm(maybe, id, i) : maybe;
          this.tasks.push({ kind: "visit", node: kid, ctx: inArm });
        }
        return;
      }
      case "heredoc_body":
      case "comment":
        return;
      case "program":
        this.statements(children(node), ctx);
        return;
      default:
        this.later(children(node), ctx);
    }
  }

  /** Statements in sequence: one followed by `&` runs in the background, in a subshell. */
  private statements(nodes: readonly Node[], ctx: Context): void {
    for (let i = nodes.length - 1; i >= 0; i--) {
      const background = nodes[i + 1]?.type === "&";
      const node = nodes[i] as Node;
      this.tasks.push({ kind: "visit", node, ctx: background ? within(ctx, "subshell") : ctx });
    }
  }

  private emit(
    assignments: Word[],
    words: Word[],
    redirects: Redirect[],
    offset: number,
    ctx: Context,
    substitutions: Node[],
    piped: Heredoc | undefined,
  ): void {
    this.tasks.push({
      kind: "emit",
      command: {
        assignments,
        words,
        redirects,
        offset,
        inFunction: ctx.inFunction,
        reach: ctx.reach,
        conditions: ctx.conditions,
        pipedHeredoc: piped,
        pipedInput: ctx.pipedInput === true,
        arms: ctx.arms,
      },
    });
    if (substitutions.length > 0) this.later(substitutions, this.subshell(within(ctx, "subshell")));
  }

  /** A `command` node, with the redirections written after it (`redirected_statement`). */
  private command(node: Node, outer: readonly Node[], ctx: Context, piped?: Heredoc): void {
    const assignments: Word[] = [];
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    const substitutions: Node[] = [];
    const after: After[] = [];
    for (const child of children(node)) {
      switch (child.type) {
        case "variable_assignment":
          assignments.push(this.word(child, substitutions));
          break;
        case "command_name":
          words.push(this.word(child.firstChild ?? child, substitutions));
          break;
        case "file_redirect":
        case "herestring_redirect":
        case "heredoc_redirect":
          this.redirect(child, redirects, substitutions, after, words);
          break;
        case "comment":
          break;
        default:
          if (child.isNamed || child.type === "$") words.push(this.word(child, substitutions));
      }
    }
    // tree-sitter drops a word written between a command and its heredoc (`-f - <<EOF`).
    const first = outer[0];
    if (first && words.length > 0) {
      const gap = this.text.slice(node.endIndex, first.startIndex);
      let at = node.endIndex;
      for (const piece of gap.split(/([ \t]+|\\\n)/)) {
        if (piece !== "" && !/^([ \t]+|\\\n)$/.test(piece)) {
          const parts: Part[] = [];
          unquotedText(piece, parts);
          words.push({ raw: piece, offset: at, parts });
        }
        at += piece.length;
      }
    }
    for (const r of outer) this.redirect(r, redirects, substitutions, after, words);
    const name = words[0];
    if (name && name.raw !== "" && GUARDS.has(name.raw)) {
      const tested = guardedName(words);
      if (tested !== undefined) this.tested.push(tested);
    }
    const catDoc =
      words.length === 1 && words[0]?.raw === "cat"
        ? redirects.find((r) => r.heredoc)?.heredoc
        : undefined;
    this.follow(after, ctx, catDoc);
    this.emit(assignments, words, redirects, node.startIndex, ctx, substitutions, piped);
  }

  /** Visits the statements hung on a heredoc after the command; `doc` is what a pipe from it carries. */
  private follow(after: readonly After[], ctx: Context, doc?: Heredoc): void {
    for (let i = after.length - 1; i >= 0; i--) {
      const a = after[i] as After;
      const piped = a.piped ? doc : undefined;
      this.tasks.push({ kind: "visit", node: a.node, ctx, ...(piped ? { piped } : {}) });
    }
  }

  private redirected(node: Node, ctx: Context, piped?: Heredoc): void {
    const body = node.childForFieldName("body") ?? node.namedChildren[0];
    const redirects = children(node).filter((c) => c !== body && c.type.endsWith("_redirect"));
    if (body?.type === "command") {
      this.command(body, redirects, ctx, piped);
      return;
    }
    // A compound (`while ...; done < file`) or a negation: its redirections stand on their own, first.
    const list: Redirect[] = [];
    const substitutions: Node[] = [];
    const after: After[] = [];
    for (const r of redirects) this.redirect(r, list, substitutions, after);
    this.follow(after, ctx);
    if (body) this.tasks.push({ kind: "visit", node: body, ctx });
    this.emit([], [], list, node.startIndex, ctx, substitutions, undefined);
  }

  private redirect(
    node: Node,
    out: Redirect[],
    substitutions: Node[],
    after: After[],
    args: Word[] = [],
  ): void {
    let op = "";
    let fd: number | undefined;
    let target: Word | undefined;
    let heredoc: Heredoc | undefined;
    let stripTabs = false;
    let expands = true;
    let joint = "";
    for (const child of children(node)) {
      if (!child.isNamed) {
        if (op === "" && /^[<>&]/.test(child.type)) {
          op = child.type;
          stripTabs = op === "<<-";
        } else joint = child.type;
        continue;
      }
      switch (child.type) {
        case "file_descriptor":
          fd = Number(child.text);
          break;
        case "heredoc_start":
          expands = !/['"\\]/.test(child.text);
          break;
        case "heredoc_body": {
          const raw = this.text.slice(child.startIndex, child.endIndex);
          const body = stripTabs ? raw.replace(/^\t+/gm, "") : raw;
          const parts: Part[] = [];
          if (expands) this.stringParts(child, parts, substitutions, 0);
          else pushText(parts, body, true);
          heredoc = { body, parts, offset: child.startIndex };
          break;
        }
        case "heredoc_end":
          break;
        case "file_redirect":
        case "herestring_redirect":
          this.redirect(child, out, substitutions, after, args);
          break;
        default:
          // `cmd <<EOF | next`: the grammar hangs the rest of the line on the heredoc.
          if (STATEMENT_TYPES.has(child.type)) {
            const leadingPipe = child.type === "pipeline" && !child.firstChild?.isNamed;
            after.push({ node: child, piped: joint === "|" || leadingPipe });
          } else if (target === undefined) target = this.word(child, substitutions);
          // `> out.txt x.yaml`: the grammar hangs the words after a target on the redirection.
          else args.push(this.word(child, substitutions));
      }
    }
    if (node.type === "heredoc_redirect" && heredoc === undefined) {
      heredoc = { body: "", parts: [], offset: node.endIndex };
    }
    out.push({ op, fd, target, heredoc, offset: node.startIndex });
  }

  private declaration(node: Node, ctx: Context): void {
    const words: Word[] = [];
    const substitutions: Node[] = [];
    for (const child of children(node)) {
      if (child.type === "comment") continue;
      if (!child.isNamed) {
        if (/^[a-z]+$/.test(child.type)) words.push(this.literal(child));
        continue;
      }
      if (child.type.endsWith("_redirect")) continue;
      words.push(this.word(child, substitutions));
    }
    const redirects: Redirect[] = [];
    const after: After[] = [];
    for (const child of children(node)) {
      if (child.type.endsWith("_redirect")) this.redirect(child, redirects, substitutions, after);
    }
    this.follow(after, ctx);
    this.emit([], words, redirects, node.startIndex, ctx, substitutions, undefined);
  }

  private functionDefinition(node: Node, ctx: Context): void {
    const name = node.childForFieldName("name");
    if (name) {
      this.functions.push({ name: name.text, offset: node.startIndex, conditions: ctx.conditions });
    }
    const body = node.childForFieldName("body");
    if (body) this.later([body], { ...within(ctx, "maybe"), inFunction: true, pipedInput: false });
  }

  private forStatement(node: Node, ctx: Context): void {
    const variable = node.childForFieldName("variable");
    const values = node.childrenForFieldName("value");
    const substitutions: Node[] = [];
    const words = [this.literal(node.firstChild as Node)];
    if (variable) words.push(this.word(variable, substitutions));
    for (const value of values) words.push(this.word(value, substitutions));
    const body = node.childForFieldName("body");
    if (body) this.later([body], within(ctx, "maybe"));
    // Kept as a command (`for NAME in WORDS`) so that NAME can be marked unknown.
    this.emit([], words, [], node.startIndex, ctx, substitutions, undefined);
  }

  /** `if TEST; then A; elif TEST2; then B; else C; fi`: A, B and C know how the tests went. */
  private ifStatement(node: Node, ctx: Context): void {
    let conditions = ctx.conditions;
    let tests: Node[] = [];
    const visits: { node: Node; ctx: Context }[] = [];
    let branch: Condition | undefined;
    let phase: "test" | "body" = "test";
    // Clause 0 is the first test's then; each elif (its test and its then) and the else one more.
    const id = this.choices++;
    let clause = 0;
    const inClause = (base: Context): Context => (clause === 0 ? base : this.arm(base, id, clause));
    // The first test always runs; the rest may not.
    let testCtx = ctx;
    const maybe = within(ctx, "maybe");
    const startTest = (base: readonly Condition[]) => {
      conditions = base;
      tests = [];
      phase = "test";
    };
    const endTest = () => {
      for (const t of tests) visits.push({ node: t, ctx: { ...inClause(testCtx), conditions } });
      testCtx = maybe;
      branch = testedCondition(tests);
      phase = "body";
    };
    const inBody = (): Context => ({
      ...this.arm(maybe, id, clause),
      conditions: branch ? [...conditions, branch] : conditions,
    });
    const otherwise = (): readonly Condition[] =>
      branch ? [...conditions, { name: branch.name, present: !branch.present }] : conditions;
    startTest(ctx.conditions);
    for (const child of children(node)) {
      if (child.type === "then") endTest();
      else if (child.type === "elif_clause" || child.type === "else_clause") {
        const base = otherwise();
        clause++;
        if (child.type === "else_clause") {
          for (const c of children(child)) {
            if (c.isNamed) visits.push({ node: c, ctx: { ...inClause(maybe), conditions: base } });
          }
          continue;
        }
        startTest(base);
        for (const c of children(child)) {
          if (c.type === "then") endTest();
          else if (c.isNamed) {
            if (phase === "test") tests.push(c);
            else visits.push({ node: c, ctx: inBody() });
          }
        }
        // What follows an elif is its else: the elif's own test failed too.
      } else if (child.isNamed) {
        if (phase === "test") tests.push(child);
        else visits.push({ node: child, ctx: inBody() });
      }
    }
    for (let i = visits.length - 1; i >= 0; i--) {
      const v = visits[i] as { node: Node; ctx: Context };
      this.tasks.push({ kind: "visit", node: v.node, ctx: v.ctx });
    }
  }

  /** `A && B`, `A || B`: B knows how a `command -v` A went. */
  private list(node: Node, ctx: Context): void {
    const left = node.namedChildren[0];
    const right = node.namedChildren[node.namedChildren.length - 1];
    const op = children(node).find((c) => c.type === "&&" || c.type === "||")?.type;
    if (!left || !right || left === right) {
      this.later(children(node), ctx);
      return;
    }
    const tested = testedCondition([left]);
    // Every command is taken to succeed: what follows `&&` runs, what follows `||` may not.
    const after = op === "||" ? within(ctx, "maybe") : ctx;
    const rightCtx: Context =
      tested && op
        ? {
            ...after,
            conditions: [
              ...ctx.conditions,
              op === "&&" ? tested : { name: tested.name, present: !tested.present },
            ],
          }
        : after;
    // `A || B`: B runs where A failed, so what A set (or not) is another way from B's.
    const id = op === "||" ? this.choices++ : -1;
    this.tasks.push({
      kind: "visit",
      node: right,
      ctx: id < 0 ? rightCtx : this.arm(rightCtx, id, 1),
    });
    this.tasks.push({ kind: "visit", node: left, ctx: id < 0 ? ctx : this.arm(ctx, id, 0) });
  }

  /** `cat <<EOF | kubectl apply -f -`: the second command reads the first one's heredoc. */
  private pipeline(node: Node, ctx: Context, first?: Heredoc): void {
    const stages = node.namedChildren.filter((c) => c.type !== "comment");
    const stageCtx = stages.length > 1 ? within(ctx, "subshell") : ctx;
    for (let i = stages.length - 1; i >= 0; i--) {
      const piped = i > 0 ? this.catHeredoc(stages[i - 1] as Node) : first;
      const inPipe = i > 0 ? { ...stageCtx, pipedInput: true } : stageCtx;
      this.tasks.push({
        kind: "visit",
        node: stages[i] as Node,
        ctx: inPipe,
        ...(piped ? { piped } : {}),
      });
    }
  }

  /** `cat <<EOF` (no file operands): the heredoc it copies to its output. */
  private catHeredoc(stage: Node): Heredoc | undefined {
    if (stage.type !== "redirected_statement") return undefined;
    const body = stage.childForFieldName("body");
    if (body?.type !== "command") return undefined;
    if (body.namedChildren.length !== 1 || body.namedChildren[0]?.text !== "cat") return undefined;
    const doc = stage.children.find((c) => c?.type === "heredoc_redirect");
    if (!doc) return undefined;
    const out: Redirect[] = [];
    this.redirect(doc, out, [], []);
    return out[0]?.heredoc;
  }

  // -------------------------------------------------------------------------
  // Words

  private literal(node: Node): Word {
    return {
      raw: node.text,
      offset: node.startIndex,
      parts: [{ kind: "text", text: node.text, quoted: false }],
    };
  }

  /** A word node's parts; the substitutions inside it are added to `substitutions`. */
  private word(node: Node, substitutions: Node[] = []): Word {
    const parts: Part[] = [];
    this.parts(node, parts, substitutions, 0);
    return { raw: this.text.slice(node.startIndex, node.endIndex), offset: node.startIndex, parts };
  }

  private parts(node: Node, parts: Part[], substitutions: Node[], depth: number): void {
    const raw = this.text.slice(node.startIndex, node.endIndex);
    if (depth > MAX_WORD_DEPTH) {
      parts.push({ kind: "opaque", raw, why: "nested too deeply to follow" });
      substitutions.push(node);
      return;
    }
    switch (node.type) {
      case "word":
      case "number":
      case "variable_name":
      case "extglob_pattern":
      case "brace_expression":
        unquotedText(raw, parts);
        return;
      case "raw_string":
        pushText(parts, raw.slice(1, -1), true);
        return;
      case "ansi_c_string":
        pushText(parts, ansiText(raw), true);
        return;
      case "string":
      case "translated_string":
        this.stringParts(node, parts, substitutions, depth);
        return;
      case "concatenation":
        for (const child of children(node)) this.parts(child, parts, substitutions, depth + 1);
        return;
      case "variable_assignment": {
        const value = node.childForFieldName("value");
        const head = value ? this.text.slice(node.startIndex, value.startIndex) : raw;
        pushText(parts, head, false);
        if (value?.type === "array") {
          parts.push({ kind: "opaque", raw: value.text, why: "an array" });
          substitutions.push(value);
        } else if (value) this.parts(value, parts, substitutions, depth + 1);
        return;
      }
      case "simple_expansion":
      case "expansion":
        parts.push(this.expansion(node, raw, substitutions, depth));
        return;
      case "command_substitution":
      case "process_substitution":
        if (node.lastChild?.isMissing) {
          parts.push({ kind: "opaque", raw, why: "an open $(" });
          return;
        }
        parts.push({ kind: "subst", raw });
        substitutions.push(node);
        return;
      case "arithmetic_expansion":
        parts.push({ kind: "opaque", raw, why: "arithmetic" });
        substitutions.push(node);
        return;
      default:
        if (node.childCount === 0 && !node.isNamed) {
          unquotedText(raw, parts);
          return;
        }
        parts.push({ kind: "opaque", raw, why: "an expansion that is only known at run time" });
        substitutions.push(node);
    }
  }

  /** The inside of `"..."` or of a heredoc body: text between the named children is literal. */
  private stringParts(node: Node, parts: Part[], substitutions: Node[], depth: number): void {
    if (node.lastChild?.isMissing) {
      parts.push({ kind: "opaque", raw: node.text, why: "an open quote" });
      return;
    }
    const quote = node.type === "heredoc_body" ? 0 : node.type === "translated_string" ? 2 : 1;
    let at = node.startIndex + quote;
    const end = node.endIndex - (node.type === "heredoc_body" ? 0 : 1);
    const literal = (to: number) => {
      if (to > at) doubleQuotedText(this.text.slice(at, to), parts);
    };
    for (const child of children(node)) {
      if (!child.isNamed || child.type === "string_content" || child.type === "heredoc_content") {
        continue;
      }
      literal(child.startIndex);
      const inner: Part[] = [];
      this.parts(child, inner, substitutions, depth + 1);
      for (const p of inner) {
        if (p.kind === "text") pushText(parts, p.text, true);
        else parts.push(p);
      }
      at = child.endIndex;
    }
    literal(end);
  }

  private expansion(node: Node, raw: string, substitutions: Node[], depth: number): Part {
    const kids = children(node);
    if (node.type === "simple_expansion") {
      const name = kids[1];
      if (name?.type === "special_variable_name") {
        const positional = "@*#".includes(name.text);
        return {
          kind: "opaque",
          raw,
          why: positional ? "the arguments" : "a special parameter",
          positional,
        };
      }
      return { kind: "param", name: name?.text ?? "", op: undefined, arg: [], raw };
    }
    // ${NAME}, ${NAME:-word}, ${NAME-word}, ${NAME:=word}, ${NAME:+word}...
    const inner = kids.slice(1, -1);
    const head = inner[0];
    if (head?.type !== "variable_name" && !(head?.type === "word" && /^[0-9]+$/.test(head.text))) {
      for (const k of inner) if (k.isNamed) substitutions.push(k);
      return { kind: "opaque", raw, why: "an expansion that is only known at run time" };
    }
    if (inner.length === 1) return { kind: "param", name: head.text, op: undefined, arg: [], raw };
    const op = inner[1];
    if (!op || op.isNamed || !/^:?[-+=?]$/.test(op.type)) {
      for (const k of inner) if (k.isNamed) substitutions.push(k);
      return { kind: "opaque", raw, why: "an expansion that is only known at run time" };
    }
    const arg: Part[] = [];
    const rest = inner.slice(2);
    const from = rest[0]?.startIndex ?? op.endIndex;
    const to = node.endIndex - 1;
    let at = from;
    for (const k of rest) {
      if (k.startIndex > at) unquotedText(this.text.slice(at, k.startIndex), arg);
      this.parts(k, arg, substitutions, depth + 1);
      at = k.endIndex;
    }
    if (to > at) unquotedText(this.text.slice(at, to), arg);
    return { kind: "param", name: head.text, op: op.type, arg, raw };
  }
}

/** The substitutions inside an arithmetic expression (its own names are not commands), `skip` left out. */
function substitutionsIn(node: Node, skip?: Node | null): Node[] {
  const found: Node[] = [];
  const stack: Node[] = [node];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n !== node && (n.type === "command_substitution" || n.type === "process_substitution")) {
      found.push(n);
      continue;
    }
    const kids = children(n);
    for (let i = kids.length - 1; i >= 0; i--) {
      const k = kids[i] as Node;
      if (k !== skip) stack.push(k);
    }
  }
  return found;
}

function children(node: Node): readonly Node[] {
  return node.children;
}

/**
 * A syntax node copied out of tree-sitter's memory in one walk: every
 * property read on a tree-sitter node is a call into WebAssembly, and the
 * scanner reads each several times.
 */
class Node {
  /** Shared by every leaf until a child is added: most nodes are leaves. */
  children: readonly Node[] = NO_CHILDREN;

  constructor(
    private readonly source: string,
    readonly type: string,
    readonly isNamed: boolean,
    readonly isMissing: boolean,
    readonly startIndex: number,
    readonly endIndex: number,
    readonly field: string | null,
  ) {}

  get text(): string {
    return this.source.slice(this.startIndex, this.endIndex);
  }

  add(child: Node): void {
    if (this.children === NO_CHILDREN) this.children = [child];
    else (this.children as Node[]).push(child);
  }

  get namedChildren(): Node[] {
    return this.children.filter((c) => c.isNamed);
  }

  get firstChild(): Node | undefined {
    return this.children[0];
  }

  get lastChild(): Node | undefined {
    return this.children[this.children.length - 1];
  }

  get childCount(): number {
    return this.children.length;
  }

  childForFieldName(name: string): Node | undefined {
    return this.children.find((c) => c.field === name);
  }

  childrenForFieldName(name: string): Node[] {
    return this.children.filter((c) => c.field === name);
  }
}

const NO_CHILDREN: readonly Node[] = Object.freeze([]);

/** Whether each node type (by id) is named, asked of the grammar once. */
const namedTypes = new WeakMap<Language, boolean[]>();

/** Copies a tree into Nodes with a cursor, without recursion. */
function copyTree(tree: Tree, source: string): Node {
  const language = tree.language;
  let named = namedTypes.get(language);
  if (!named) {
    named = [];
    namedTypes.set(language, named);
  }
  const cursor = tree.walk();
  try {
    const make = (): Node => {
      const id = cursor.nodeTypeId;
      let isNamed = named[id];
      if (isNamed === undefined) {
        isNamed = cursor.nodeIsNamed;
        named[id] = isNamed;
      }
      return new Node(
        source,
        language.types[id] ?? "ERROR",
        isNamed,
        cursor.nodeIsMissing,
        cursor.startIndex,
        cursor.endIndex,
        cursor.currentFieldName,
      );
    };
    const root = make();
    const path: Node[] = [root];
    for (;;) {
      if (cursor.gotoFirstChild()) {
        const child = make();
        (path[path.length - 1] as Node).add(child);
        path.push(child);
        continue;
      }
      for (;;) {
        path.pop();
        if (path.length === 0) return root;
        if (cursor.gotoNextSibling()) {
          const sibling = make();
          (path[path.length - 1] as Node).add(sibling);
          path.push(sibling);
          break;
        }
        cursor.gotoParent();
      }
    }
  } finally {
    cursor.delete();
  }
}

/** The NAME a `command -v NAME` / `type NAME` / `hash NAME` / `which NAME` asks about. */
function guardedName(words: readonly Word[]): string | undefined {
  const [first, ...rest] = words.map((w) => plainValue(w));
  if (first === "command" && !/^-[vV]/.test(rest[0] ?? "")) return undefined;
  const name = rest.find((w) => w !== undefined && !w.startsWith("-"));
  return name === undefined || name === "" ? undefined : name;
}

/** A word's value when it is written without any expansion. */
function plainValue(word: Word): string | undefined {
  let value = "";
  for (const part of word.parts) {
    if (part.kind !== "text") return undefined;
    value += part.text;
  }
  return value;
}

/** The `command -v NAME` test these nodes make, as a condition on the path that follows success. */
function testedCondition(tests: readonly Node[]): Condition | undefined {
  const named = tests.filter((t) => t.type !== "comment" && t.isNamed);
  if (named.length !== 1) return undefined;
  let node = named[0] as Node;
  let present = true;
  for (;;) {
    if (node.type === "redirected_statement") {
      node = node.childForFieldName("body") ?? (node.namedChildren[0] as Node);
    } else if (node.type === "negated_command") {
      present = !present;
      const inner = node.namedChildren[0];
      if (!inner) return undefined;
      node = inner;
    } else break;
    if (!node) return undefined;
  }
  if (node.type !== "command") return undefined;
  const words = node.namedChildren
    .filter(
      (c): c is Node =>
        c !== null && c.type !== "variable_assignment" && !c.type.endsWith("_redirect"),
    )
    .map((c) => (c.type === "command_name" ? (c.firstChild ?? c) : c).text);
  const [first, ...rest] = words;
  if (first === undefined || !GUARDS.has(first)) return undefined;
  if (first === "command" && !/^-[vV]/.test(rest[0] ?? "")) return undefined;
  const operands = rest.filter((w) => !w.startsWith("-"));
  if (operands.length !== 1 || !/^[A-Za-z0-9_.+-]+$/.test(operands[0] as string)) return undefined;
  return { name: operands[0] as string, present };
}

function scanText(parser: Parser, text: string): ShellScan {
  const tree = parser.parse(text);
  if (!tree) return { commands: [], functions: [], tested: [] };
  try {
    const scanner = new Scanner(text);
    scanner.run(copyTree(tree, text));
    return { commands: scanner.commands, functions: scanner.functions, tested: scanner.tested };
  } finally {
    tree.delete();
  }
}
