/**
 * What common commands make on disk, from their words alone: files written by
 * `tee`, `touch`, `cp`/`mv`/`install`/`ln`, `curl -o`/`-O`, `wget`, `git
 * clone`, `helm pull --untar`, `openssl -out`, `step certificate create`, and
 * the archives `tar -x` and `unzip` unpack. `check` follows them to know a file
 * the demo uses is not missing; `doctor` to know a command the demo installs.
 * Pure: it only looks at words, through `known`.
 */
import type { Word } from "./syntax.js";

/** A word's value when it is one known word, else undefined. */
export type Known = (word: Word) => string | undefined;

/** Every argument that is not an option (nor an option's value), for commands taking files. */
export function operands(
  args: readonly Word[],
  known: Known,
  takesValue: ReadonlySet<string>,
): Word[] {
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
  // Bundled options (`tar xzf FILE`, `tar -xzf FILE`): the f takes the next word.
  let skipArchive = first.startsWith("-")
    ? /^-[a-zA-Z]*f$/.test(first)
    : /^[a-zA-Z]*f[a-zA-Z]*$/.test(first);
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
