#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { fileURLToPath } from "node:url";
import { main } from "./cli/main.js";
import type { FileData } from "./reader/read.js";

function readFile(absolutePath: string): FileData {
  try {
    return { ok: true, data: readFileSync(absolutePath) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : String((error as Error).message);
    return { ok: false, reason };
  }
}

const self = fileURLToPath(import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  home: process.env.HOME ?? homedir(),
  version: pkg.version,
  selfCommand: self,
  readFile,
});
process.exitCode = code;
