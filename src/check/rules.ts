/**
 * Which arguments of common commands name files, for `demoshts check`: the
 * manifests of `kubectl apply -f`, Helm values, the files `bat`, `cat` and
 * `diff` show, scripts run with `bash` or `source`. Pure: it only looks at
 * words, through `known`, which gives a word's value when it can be known.
 */
import { type Known, operands } from "../shell/creates.js";
import type { Word } from "../shell/syntax.js";

export { unwrap } from "../shell/commands.js";
export type { Known } from "../shell/creates.js";

export type FileRole =
  /** `kubectl apply|create|replace|delete -f`: a manifest file or a directory of them. */
  | "kubectl"
  /** `kubectl ... -k DIR`: a kustomization directory. */
  | "kustomize"
  /** `helm install|upgrade ... --values FILE`. */
  | "helm-values"
  /** `bat`, `batcat`, `cat`: a file that is shown. */
  | "show"
  /** `diff`: a file or a directory. */
  | "diff"
  /** `source FILE`, `. FILE`. */
  | "source"
  /** `bash FILE`, `sh FILE`. */
  | "script"
  /** `< FILE`: read as the command's input. */
  | "input";

export interface FileUse {
  readonly role: FileRole;
  readonly word: Word;
  /** Written before the path in the same word (`--values=`, `-f`), removed from its value. */
  readonly prefix: string;
  /** `kubectl -R`: a directory's subdirectories are read too. */
  readonly recursive: boolean;
  /** `kubectl` only: its verb (apply, create, replace or delete). */
  readonly verb?: string;
  /** `helm --values a.yaml,b.yaml`: the value is a comma-separated list. */
  readonly commaList: boolean;
}

const KUBECTL_GLOBAL_VALUES = new Set([
  "-n",
  "--namespace",
  "--context",
  "--cluster",
  "--user",
  "--kubeconfig",
  "-s",
  "--server",
  "--token",
  "--as",
  "--as-group",
  "--as-uid",
  "--request-timeout",
  "-v",
  "--v",
  "--cache-dir",
  "--certificate-authority",
  "--client-certificate",
  "--client-key",
  "--tls-server-name",
  "--username",
  "--password",
  "--profile",
  "--profile-output",
  "--log-file",
  "--vmodule",
]);
const KUBECTL_FILE_VERBS = new Set(["apply", "create", "replace", "delete"]);

const HELM_GLOBAL_VALUES = new Set([
  "-n",
  "--namespace",
  "--kube-context",
  "--kubeconfig",
  "--registry-config",
  "--repository-cache",
  "--repository-config",
  "--burst-limit",
  "--kube-apiserver",
  "--kube-as-user",
  "--kube-as-group",
  "--kube-ca-file",
  "--kube-token",
  "--kube-tls-server-name",
]);
const HELM_VALUES_VERBS = new Set(["install", "upgrade", "template", "lint"]);

const BAT_VALUES = new Set([
  "-l",
  "--language",
  "-H",
  "--highlight-line",
  "--file-name",
  "--diff-context",
  "--tabs",
  "--wrap",
  "--terminal-width",
  "--color",
  "--italic-text",
  "--decorations",
  "--paging",
  "--pager",
  "-m",
  "--map-syntax",
  "--ignored-suffix",
  "--theme",
  "--style",
  "-r",
  "--line-range",
  "--squeeze-limit",
  "--strip-ansi",
  "--nonprintable-notation",
  "--binary",
  "--completion",
]);
const DIFF_VALUES = new Set([
  "-C",
  "-D",
  "-F",
  "-I",
  "-L",
  "-S",
  "-U",
  "-W",
  "-x",
  "-X",
  "--label",
  "--ignore-matching-lines",
  "--show-function-line",
  "--ifdef",
  "--starting-file",
  "--exclude",
  "--exclude-from",
  "--width",
  "--tabsize",
  "--horizon-lines",
  "--line-format",
  "--old-line-format",
  "--new-line-format",
  "--unchanged-line-format",
  "--old-group-format",
  "--new-group-format",
  "--changed-group-format",
  "--unchanged-group-format",
  "--palette",
]);
const SHELL_VALUES = new Set(["-o", "+o", "-O", "+O", "--rcfile", "--init-file"]);
const SHELLS = new Set(["bash", "sh", "dash", "zsh", "ksh"]);

function use(role: FileRole, word: Word, extra: Partial<FileUse> = {}): FileUse {
  return { role, word, prefix: "", recursive: false, commaList: false, ...extra };
}

/** The index of the first argument that is not an option or an option's value, or -1. */
function firstOperand(
  args: readonly Word[],
  known: Known,
  takesValue: ReadonlySet<string>,
): number {
  for (let i = 0; i < args.length; i++) {
    const value = known(args[i] as Word);
    if (value === undefined) return -1;
    if (value === "--") return i + 1 < args.length ? i + 1 : -1;
    if (!value.startsWith("-") || value === "-") return i;
    if (takesValue.has(value)) i++;
  }
  return -1;
}

function kubectlUses(args: readonly Word[], known: Known): FileUse[] {
  const at = firstOperand(args, known, KUBECTL_GLOBAL_VALUES);
  const verb = at < 0 ? undefined : known(args[at] as Word);
  if (verb === undefined || !KUBECTL_FILE_VERBS.has(verb)) return [];
  const rest = args.slice(at + 1);
  const values = rest.map(known);
  const recursive = values.some(
    (v) => v === "-R" || v === "--recursive" || v === "--recursive=true",
  );
  const out: FileUse[] = [];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] as Word;
    const value = values[i];
    if (value === undefined) continue;
    const next = rest[i + 1];
    for (const [flags, role] of [
      [["-f", "--filename"], "kubectl"],
      [["-k", "--kustomize"], "kustomize"],
    ] as const) {
      const [short, long] = flags;
      if ((value === short || value === long) && next) {
        out.push(use(role, next, { recursive, verb }));
        i++;
      } else if (value.startsWith(`${long}=`)) {
        out.push(use(role, word, { prefix: `${long}=`, recursive, verb }));
      } else if (value.startsWith(`${short}=`)) {
        out.push(use(role, word, { prefix: `${short}=`, recursive, verb }));
      } else if (value.startsWith(short) && value.length > short.length) {
        out.push(use(role, word, { prefix: short, recursive, verb }));
      }
    }
  }
  return out;
}

function helmUses(args: readonly Word[], known: Known): FileUse[] {
  const at = firstOperand(args, known, HELM_GLOBAL_VALUES);
  const verb = at < 0 ? undefined : known(args[at] as Word);
  if (verb === undefined || !HELM_VALUES_VERBS.has(verb)) return [];
  const rest = args.slice(at + 1);
  const out: FileUse[] = [];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] as Word;
    const value = known(word);
    if (value === undefined) continue;
    const next = rest[i + 1];
    if ((value === "-f" || value === "--values") && next) {
      out.push(use("helm-values", next, { commaList: true }));
      i++;
    } else if (value.startsWith("--values=")) {
      out.push(use("helm-values", word, { prefix: "--values=", commaList: true }));
    } else if (value.startsWith("-f") && !value.startsWith("--") && value.length > 2) {
      const prefix = value.startsWith("-f=") ? "-f=" : "-f";
      out.push(use("helm-values", word, { prefix, commaList: true }));
    }
  }
  return out;
}

function diffUses(args: readonly Word[], known: Known): FileUse[] {
  const out: FileUse[] = [];
  for (const word of args) {
    const value = known(word);
    for (const long of ["--from-file=", "--to-file="]) {
      if (value?.startsWith(long)) out.push(use("diff", word, { prefix: long }));
    }
  }
  return [...out, ...operands(args, known, DIFF_VALUES).map((w) => use("diff", w))];
}

function shellUses(args: readonly Word[], known: Known): FileUse[] {
  for (let i = 0; i < args.length; i++) {
    const value = known(args[i] as Word);
    // Unknown, it is far more likely the script (`bash $DIR/x.sh`) than an option: it gets a note.
    if (value === undefined) return [use("script", args[i] as Word)];
    if (value === "-" || value === "-s") return [];
    if (value === "--") {
      const next = args[i + 1];
      return next ? [use("script", next)] : [];
    }
    if (/^-[A-Za-z]*c[A-Za-z]*$/.test(value)) return [];
    if (value.startsWith("-") || value.startsWith("+")) {
      if (SHELL_VALUES.has(value)) i++;
      continue;
    }
    return [use("script", args[i] as Word)];
  }
  return [];
}

/** The files a command with this name reads, among its arguments. */
export function fileUses(name: string, args: readonly Word[], known: Known): FileUse[] {
  switch (name) {
    case "kubectl":
      return kubectlUses(args, known);
    case "helm":
      return helmUses(args, known);
    case "bat":
    case "batcat":
      return operands(args, known, BAT_VALUES).map((w) => use("show", w));
    case "cat":
      return operands(args, known, new Set()).map((w) => use("show", w));
    case "diff":
      return diffUses(args, known);
    case "source":
    case ".": {
      const first = args[0];
      return first ? [use("source", first)] : [];
    }
    default:
      return SHELLS.has(name) ? shellUses(args, known) : [];
  }
}
