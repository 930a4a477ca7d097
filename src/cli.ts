#!/usr/bin/env node
import { fileURLToPath } from "node:url";
import { runProcess } from "./cli/process.js";

// The command's entry; the process's IO is bound to main() in src/cli/process.ts.
await runProcess(fileURLToPath(import.meta.url));
