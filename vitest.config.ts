import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Every Node process the suite starts (the test files' workers, and the hundreds of demoshts
// runs the tests spawn as users run it) reads the file NODE_EXTRA_CA_CERTS names before
// anything else: about 50 ms of CPU each where it is set. No test needs it (the cluster tests'
// fake API servers speak plain HTTP or are not verified), so the suite's processes go without.
delete process.env.NODE_EXTRA_CA_CERTS;

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
