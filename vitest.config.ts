import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Most tests wait on child processes (bash, the built CLI, pseudo-terminals) rather than
    // use the CPU, so one more test file runs at a time than there are cores.
    pool: "forks",
    maxWorkers: availableParallelism() + 1,
  },
});
