/**
 * A store for what a file of CustomResourceDefinitions holds, kept between
 * runs. The Gateway API's CRDs are a megabyte of YAML that takes most of a
 * check's time to parse, and a speaker checks the same demo again and again:
 * the CRDs read from a text are stored under the text's SHA-256, and read back
 * only by the same build of demoshts (`stamp`).
 */
import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import * as path from "node:path";
import type { CrdVersionSchema } from "../kube/schema.js";

/** A CRD version as stored: where it was read from is the reader's to say. */
export type StoredCrd = Omit<CrdVersionSchema, "file">;

export interface CrdCache {
  /** The CRDs stored for a text, or undefined. */
  read(text: string): StoredCrd[] | undefined;
  write(text: string, crds: readonly CrdVersionSchema[]): void;
}

function keyOf(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function isStoredCrd(value: unknown): value is StoredCrd {
  if (value === null || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.group === "string" &&
    typeof v.kind === "string" &&
    typeof v.version === "string" &&
    typeof v.served === "boolean" &&
    typeof v.storage === "boolean" &&
    typeof v.deprecated === "boolean" &&
    typeof v.scope === "string" &&
    typeof v.line === "number" &&
    v.schema !== null &&
    typeof v.schema === "object"
  );
}

/**
 * The store in `dir` (a directory only this user writes). Anything that cannot be
 * read, is not what this build wrote, or cannot be written is passed over: the
 * check then parses the file as it would without a store.
 */
export function directoryCrdCache(dir: string, stamp: string): CrdCache {
  const fileOf = (text: string): string => path.join(dir, `${keyOf(text)}.json`);
  return {
    read(text) {
      try {
        const stored: unknown = JSON.parse(readFileSync(fileOf(text), "utf8"));
        if (stored === null || typeof stored !== "object") return undefined;
        const { stamp: writtenBy, crds } = stored as { stamp?: unknown; crds?: unknown };
        if (writtenBy !== stamp || !Array.isArray(crds) || !crds.every(isStoredCrd)) {
          return undefined;
        }
        return crds;
      } catch {
        return undefined;
      }
    },
    write(text, crds) {
      const file = fileOf(text);
      const temporary = `${file}.${randomBytes(6).toString("hex")}.tmp`;
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const stored = crds.map(({ file: _, ...crd }) => crd);
        // A fresh name, created exclusively and never through a link, then renamed into place.
        const fd = openSync(
          temporary,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o600,
        );
        try {
          writeSync(fd, JSON.stringify({ stamp, crds: stored }));
        } finally {
          closeSync(fd);
        }
        renameSync(temporary, file);
      } catch {
        try {
          rmSync(temporary, { force: true });
        } catch {
          // Nothing was written where nothing can be.
        }
      }
    },
  };
}
