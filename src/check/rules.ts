/**
 * Which arguments of common commands name files, for `demoshts check`: the
 * manifests of `kubectl apply -f`, Helm values, the files `bat`, `cat` and
 * `diff` show, scripts run with `bash` or `source`. Pure: it only looks at
 * words, through `known`, which gives a word's value when it can be known.
 */
import type { Word } from "../shell/syntax.js";

export { unwrap } from "../shell/commands.js";

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

/** A word's value when it is one known word, else undefined. */
export type Known = (word: Word) => string | undefined;

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

/** Every argument that is not an option (nor an option's value), for commands taking files. */
function operands(args: readonly Word[], known: Known, takesValue: ReadonlySet<string>): Word[] {
  const out: Word[] = [];
  let options = true;
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as Word;
    const value = known(word);
    if (options && value === "--") {
      options = false;
      continue;
    }
    if (options && value?.startsWith("-") && value !== "-") {
      if (takesValue.has(value)) i++;
      continue;
    }
    // An unknown word could be an option too, but is far more often a path: it gets a note.
    out.push(word);
  }
  return out;
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

/** What a command makes on disk, so that later commands may use it. */
export type Creation =
  /** A file (or, with `dir`, a directory) at the word's path. */
  | {
      readonly kind: "path";
      readonly word: Word;
      readonly prefix: string;
      readonly dir: boolean;
      /** The directory the path is relative to, when not the current one (`tar -C DIR`). */
      readonly in?: Word | undefined;
    }
  /** A file or directory named after the last segment of a URL or chart (`curl -O`, `git clone`). */
  | {
      readonly kind: "named-after";
      readonly source: Word;
      readonly in: Word | undefined;
      readonly dir: boolean;
      readonly strip: RegExp | undefined;
    }
  /** `cp`/`mv`/`install`/`ln` sources to a target that may be a directory. */
  | {
      readonly kind: "copy";
      readonly sources: readonly Word[];
      readonly target: Word;
      readonly into: boolean;
    }
  /** Files whose names are not known, in this directory (undefined: the current one). */
  | { readonly kind: "unknown-names"; readonly in: Word | undefined };

const CURL_VALUES = new Set([
  "-H",
  "--header",
  "-d",
  "--data",
  "--data-raw",
  "--data-binary",
  "-u",
  "--user",
  "-X",
  "--request",
  "-A",
  "--user-agent",
  "-e",
  "--referer",
  "-m",
  "--max-time",
  "--connect-timeout",
  "--retry",
  "-w",
  "--write-out",
  "-x",
  "--proxy",
  "--proto",
  "--cacert",
  "--cert",
  "--key",
  "-b",
  "--cookie",
  "-c",
  "--cookie-jar",
  "-F",
  "--form",
  "-r",
  "--range",
  "-T",
  "--upload-file",
  "--resolve",
]);
const WGET_VALUES = new Set(["-t", "--tries", "-T", "--timeout", "-U", "--user-agent", "--header"]);
const COPY_VALUES = new Set(["-m", "--mode", "-o", "--owner", "-g", "--group", "-S", "--suffix"]);
const TAR_VALUES = new Set([
  "-f",
  "--file",
  "-C",
  "--directory",
  "-T",
  "--files-from",
  "-X",
  "--exclude-from",
]);

const path = (
  word: Word,
  extra: Partial<{ prefix: string; dir: boolean; in: Word | undefined }> = {},
): Creation => ({
  kind: "path",
  word,
  prefix: extra.prefix ?? "",
  dir: extra.dir ?? false,
  in: extra.in,
});

/** A `-o FILE` / `-oFILE` / `--output FILE` / `--output=FILE` option at args[i], and how many words it takes. */
function optionValue(
  args: readonly Word[],
  i: number,
  known: Known,
  short: string | undefined,
  long: readonly string[],
): { word: Word; prefix: string; take: number } | undefined {
  const value = known(args[i] as Word);
  if (value === undefined) return undefined;
  const next = args[i + 1];
  if ((value === short || long.includes(value)) && next) return { word: next, prefix: "", take: 2 };
  for (const name of long) {
    if (value.startsWith(`${name}=`)) return { word: args[i] as Word, prefix: `${name}=`, take: 1 };
  }
  if (short && value.startsWith(short) && value.length > short.length && !value.startsWith("--")) {
    return { word: args[i] as Word, prefix: short, take: 1 };
  }
  return undefined;
}

function curlCreates(args: readonly Word[], known: Known): Creation[] {
  const out: Creation[] = [];
  let remoteName = false;
  let dir: Word | undefined;
  const urls: Word[] = [];
  for (let i = 0; i < args.length; i++) {
    const value = known(args[i] as Word);
    const next = args[i + 1];
    // Bundled short options ending in o or O: `curl -sSLo FILE URL`, `curl -fsSLO URL`.
    if (value !== undefined && /^-[a-zA-Z]+o$/.test(value) && next) {
      out.push(path(next));
      i++;
      continue;
    }
    const output = optionValue(args, i, known, "-o", ["--output"]);
    if (output) {
      out.push(path(output.word, { prefix: output.prefix }));
      i += output.take - 1;
      continue;
    }
    const outDir = optionValue(args, i, known, undefined, ["--output-dir"]);
    if (outDir) {
      dir = outDir.word;
      i += outDir.take - 1;
      continue;
    }
    if (value === undefined) urls.push(args[i] as Word);
    else if (value === "-O" || value === "--remote-name" || /^-[a-zA-Z]*O[a-zA-Z]*$/.test(value)) {
      remoteName = true;
    } else if (value.startsWith("-")) {
      if (CURL_VALUES.has(value)) i++;
    } else urls.push(args[i] as Word);
  }
  const url = urls[0];
  if (remoteName && url) {
    out.push({ kind: "named-after", source: url, in: dir, dir: false, strip: undefined });
  }
  return out;
}

function wgetCreates(args: readonly Word[], known: Known): Creation[] {
  let document: Creation | undefined;
  let dir: Word | undefined;
  const urls: Word[] = [];
  for (let i = 0; i < args.length; i++) {
    const value = known(args[i] as Word);
    const output = optionValue(args, i, known, "-O", ["--output-document"]);
    if (output) {
      document = path(output.word, { prefix: output.prefix });
      i += output.take - 1;
      continue;
    }
    const prefix = optionValue(args, i, known, "-P", ["--directory-prefix"]);
    if (prefix) {
      dir = prefix.word;
      i += prefix.take - 1;
      continue;
    }
    if (value?.startsWith("-")) {
      if (WGET_VALUES.has(value)) i++;
    } else urls.push(args[i] as Word);
  }
  if (document) return [document];
  const url = urls[0];
  return url ? [{ kind: "named-after", source: url, in: dir, dir: false, strip: undefined }] : [];
}

function copyCreates(args: readonly Word[], known: Known): Creation[] {
  let target: Word | undefined;
  const rest: Word[] = [];
  for (let i = 0; i < args.length; i++) {
    const t = optionValue(args, i, known, "-t", ["--target-directory"]);
    if (t) {
      target = t.word;
      i += t.take - 1;
      continue;
    }
    const value = known(args[i] as Word);
    if (value?.startsWith("-") && value !== "-") {
      if (COPY_VALUES.has(value)) i++;
      continue;
    }
    rest.push(args[i] as Word);
  }
  if (target) return [{ kind: "copy", sources: rest, target, into: true }];
  const last = rest.pop();
  return last && rest.length > 0
    ? [{ kind: "copy", sources: rest, target: last, into: rest.length > 1 }]
    : [];
}

function tarCreates(args: readonly Word[], known: Known): Creation[] {
  const first = known(args[0] as Word) ?? "";
  const extracting = args.some((w) => {
    const v = known(w) ?? "";
    return v === "--extract" || v === "--get" || /^-?[a-zA-Z]*x[a-zA-Z]*$/.test(v);
  });
  if (!extracting || first === "") return [];
  let dir: Word | undefined;
  const members: Word[] = [];
  // Old-style bundled options (`tar xzf FILE`): the f takes the next word.
  let skipArchive = /^[a-zA-Z]*f[a-zA-Z]*$/.test(first) && !first.startsWith("-");
  for (let i = 1; i < args.length; i++) {
    const value = known(args[i] as Word);
    const d = optionValue(args, i, known, "-C", ["--directory"]);
    if (d) {
      dir = d.word;
      i += d.take - 1;
      continue;
    }
    if (value?.startsWith("-")) {
      if (TAR_VALUES.has(value) || /^-[a-zA-Z]*f$/.test(value)) i++;
      continue;
    }
    if (skipArchive) {
      skipArchive = false;
      continue;
    }
    members.push(args[i] as Word);
  }
  if (members.length > 0) return members.map((w) => path(w, { in: dir }));
  return [{ kind: "unknown-names", in: dir }];
}

/** What a command with this name creates, among its arguments (redirections aside). */
export function createdBy(name: string, args: readonly Word[], known: Known): Creation[] {
  switch (name) {
    case "tee":
    case "touch":
      return operands(args, known, new Set()).map((w) => path(w));
    case "mkdir":
      return operands(args, known, new Set(["-m", "--mode"])).map((w) => path(w, { dir: true }));
    case "cp":
    case "mv":
    case "install":
    case "ln":
      return copyCreates(args, known);
    case "curl":
      return curlCreates(args, known);
    case "wget":
      return wgetCreates(args, known);
    case "git": {
      const at = args.findIndex((w) => known(w) === "clone");
      if (at < 0) return [];
      const [url, dir] = operands(
        args.slice(at + 1),
        known,
        new Set(["-b", "--branch", "--depth", "-o", "--origin", "-c", "--config"]),
      );
      if (!url) return [];
      return dir
        ? [path(dir, { dir: true })]
        : [{ kind: "named-after", source: url, in: undefined, dir: true, strip: /\.git$/ }];
    }
    case "helm": {
      const values = args.map(known);
      if (values[0] !== "pull" && values[0] !== "fetch") return [];
      if (!values.some((v) => v === "--untar" || v === "--untar=true")) return [];
      let dir: Word | undefined;
      const rest: Word[] = [];
      for (let i = 1; i < args.length; i++) {
        const d = optionValue(args, i, known, undefined, ["--untardir"]);
        if (d) {
          dir = d.word;
          i += d.take - 1;
          continue;
        }
        const v = values[i];
        if (v?.startsWith("-")) {
          if (
            ["--version", "--repo", "-d", "--destination", "--username", "--password"].includes(v)
          )
            i++;
          continue;
        }
        rest.push(args[i] as Word);
      }
      const chart = rest[0];
      return chart
        ? [{ kind: "named-after", source: chart, in: dir, dir: true, strip: undefined }]
        : [];
    }
    case "openssl": {
      const out: Creation[] = [];
      for (let i = 0; i < args.length; i++) {
        const v = known(args[i] as Word);
        const next = args[i + 1];
        if ((v === "-out" || v === "-keyout") && next) {
          out.push(path(next));
          i++;
        }
      }
      return out;
    }
    case "step": {
      const values = args.map(known);
      if (values[0] !== "certificate" || values[1] !== "create") return [];
      const files = operands(
        args.slice(2),
        known,
        new Set([
          "--profile",
          "--kty",
          "--curve",
          "--size",
          "--not-after",
          "--not-before",
          "--ca",
          "--ca-key",
          "--san",
          "--password-file",
        ]),
      );
      return files.slice(1, 3).map((w) => path(w));
    }
    case "tar":
      return tarCreates(args, known);
    case "unzip": {
      const at = args.findIndex((w) => known(w) === "-d");
      return [{ kind: "unknown-names", in: at >= 0 ? args[at + 1] : undefined }];
    }
    default:
      return [];
  }
}
