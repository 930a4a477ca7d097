/**
 * What a command changes that later commands depend on, learnt from its
 * words without running it: variables (assignments, `export`, `unset`,
 * `read`, `for`) and the working directory (`cd`). Shared by the dry run
 * and `check`.
 */
import * as path from "node:path";
import { unwrap } from "./commands.js";
import { type ExpandOptions, expandWord, knownValue, type Variables } from "./expand.js";
import type { SimpleCommand, Word } from "./syntax.js";

/** Variables and directory as far as they are known; `set(name, undefined)` unsets. */
export interface ShellState extends Variables {
  set(name: string, value: string | null | undefined): void;
  /** The working directory, or null when it cannot be known. */
  dir: string | null;
}

const ASSIGNED = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?(\+?)=/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `NAME=value`: known when its value is (an array element or `+=` never is). */
export function assign(word: Word, state: ShellState, options: ExpandOptions = {}): void {
  const match = ASSIGNED.exec(word.raw);
  if (!match) return;
  const name = match[1] as string;
  if (match[2] !== undefined || match[3] === "+") {
    state.set(name, null);
    return;
  }
  const expanded = expandWord(word, state, options);
  const value = expanded.ok && expanded.values.length === 1 ? expanded.values[0] : undefined;
  const prefix = `${name}=`;
  state.set(name, value?.startsWith(prefix) ? value.slice(prefix.length) : null);
}

/** What the command `name args...` changes: declarations, `unset`, `read`, `for`, `cd`... */
export function learnFrom(
  name: string,
  args: readonly Word[],
  state: ShellState,
  options: ExpandOptions = {},
): void {
  const known = (word: Word): string | undefined => knownValue(word, state, options);
  switch (name) {
    case "export":
    case "local":
    case "declare":
    case "typeset":
    case "readonly":
      for (const word of args) if (ASSIGNED.test(word.raw)) assign(word, state, options);
      return;
    case "unset":
      for (const word of args) {
        const value = known(word);
        if (value !== undefined && !value.startsWith("-")) state.set(value, undefined);
      }
      return;
    case "for":
    case "select": {
      const variable = args[0] && known(args[0]);
      if (variable !== undefined) state.set(variable, null);
      return;
    }
    case "read":
    case "mapfile":
    case "readarray":
      for (const word of args) {
        const value = known(word);
        if (value !== undefined && NAME.test(value)) state.set(value, null);
      }
      return;
    case "cd": {
      const targets = args.filter((w) => !/^-[LPe@]+$/.test(known(w) ?? ""));
      const target = targets[0] === undefined ? state.get("HOME") : known(targets[0]);
      if (targets.length > 1 || typeof target !== "string" || target === "-") state.dir = null;
      else if (path.isAbsolute(target)) state.dir = path.normalize(target);
      else state.dir = state.dir === null ? null : path.resolve(state.dir, target);
      state.set("PWD", state.dir);
      return;
    }
    case "pushd":
    case "popd":
      state.dir = null;
      state.set("PWD", null);
      return;
    default:
  }
}

/** What one simple command changes (past `command`, `builtin`): its bare assignments, or its command's. */
export function learnCommand(
  command: SimpleCommand,
  state: ShellState,
  options: ExpandOptions = {},
): void {
  if (command.words.length === 0) {
    for (const word of command.assignments) assign(word, state, options);
    return;
  }
  const { index, wrappers } = unwrap(command.words, (w) => knownValue(w, state, options));
  // `env`, `sudo`, `nohup`...: the command runs in a process of its own.
  if (wrappers.length > 0) return;
  const nameWord = command.words[index];
  const name = nameWord && knownValue(nameWord, state, options);
  if (name !== undefined) learnFrom(name, command.words.slice(index + 1), state, options);
}
