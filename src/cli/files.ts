import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  openSync,
  readdirSync,
  readSync,
  type Stats,
  statSync,
} from "node:fs";
import * as path from "node:path";
import { MAX_FILE_BYTES } from "../reader/limits.js";

export type BoundedRead = { ok: true; data: Uint8Array } | { ok: false; reason: string };

function kindName(stat: Stats): string {
  if (stat.isDirectory()) return "it is a directory";
  if (stat.isFIFO()) return "it is a named pipe (FIFO), not a regular file";
  if (stat.isCharacterDevice()) return "it is a character device, not a regular file";
  if (stat.isBlockDevice()) return "it is a block device, not a regular file";
  if (stat.isSocket()) return "it is a socket, not a regular file";
  return "it is not a regular file";
}

function reasonFor(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOTDIR") return "a part of the path is not a directory";
  if (code === "ELOOP") return "too many symbolic links";
  // What /dev/stdin and its kind lead to when they are a socket.
  if (code === "ENXIO") return "it is a socket or a device, not a regular file";
  return String((error as Error).message);
}

/**
 * Reads a regular file of at most `limit` bytes. It never blocks on a named
 * pipe or a device (opened non-blocking, then refused after fstat), and never
 * reads more than `limit` bytes, even from a file that grows while it is read.
 */
export function readRegularFile(file: string, limit = MAX_FILE_BYTES): BoundedRead {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    return { ok: false, reason: reasonFor(error) };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, reason: kindName(stat) };
    if (stat.size > limit) return { ok: false, reason: tooBig(stat.size, limit) };
    // One byte more than allowed tells a file that grew past the limit from one that did not.
    let buffer = Buffer.allocUnsafe(Math.min(limit + 1, Math.max(stat.size + 1, 64 * 1024)));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > limit) return { ok: false, reason: tooBig(length, limit) };
        const bigger = Buffer.allocUnsafe(Math.min(limit + 1, buffer.length * 2));
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return { ok: true, data: buffer.subarray(0, length) };
  } catch (error) {
    return { ok: false, reason: reasonFor(error) };
  } finally {
    closeSync(fd);
  }
}

function tooBig(size: number, limit: number): string {
  const mib = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
  return `it is larger than ${mib(limit)} (${size > limit ? `at least ${mib(size)}` : mib(size)})`;
}

/** "file", "dir", or undefined when nothing is at the path. */
export function kindOf(file: string): "file" | "dir" | undefined {
  try {
    return statSync(file).isDirectory() ? "dir" : "file";
  } catch {
    return undefined;
  }
}

/** The names in a directory; none when it cannot be read. */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Where an executable `name` is on `pathEnv` (a PATH value), if anywhere. */
export function which(name: string, pathEnv: string): string | undefined {
  for (const dir of pathEnv.split(path.delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}
