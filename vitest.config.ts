import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // A test file per core (vitest's default leaves one core idle): most tests wait on child
    // processes (bash, the built CLI, pseudo-terminals); more files at once than cores would
    // let the CPU-heavy rehearsals slow the tests that time a run.
    pool: "forks",
    maxWorkers: availableParallelism(),
  },
});
