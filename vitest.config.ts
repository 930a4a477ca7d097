import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Every Node process the suite starts (the test files' workers, and the hundreds of demoshts
// runs the tests spawn as users run it) reads the file NODE_EXTRA_CA_CERTS names before
// anything else: about 50 ms of CPU each where it is set. No test needs it (the cluster tests'
// fake API servers speak plain HTTP or are not verified), so the suite's processes go without.
delete process.env.NODE_EXTRA_CA_CERTS;

/** Test files that replace a module with vi.mock: each needs its modules loaded afresh. */
const MOCKING = ["test/check/workshop.test.ts"];

/** What both sets of test files share (not the build, which the root runs once for all). */
const common = {
  testTimeout: 20_000,
  hookTimeout: 20_000,
  // A test file per core (see maxWorkers): most tests wait on child processes (bash, the
  // built CLI, pseudo-terminals).
  pool: "forks",
  // The tests that check or plan in-process load the bash grammar's WebAssembly: on V8's
  // baseline tier, as the command runs it (optimising it costs more CPU than it saves).
  execArgv: ["--liftoff-only"] as string[],
} as const;

export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    // A test file per core (vitest's default leaves one core idle): more files at once than
    // cores would let the CPU-heavy rehearsals slow the tests that time a run.
    maxWorkers: availableParallelism(),
    projects: [
      {
        test: {
          ...common,
          name: "shared",
          include: ["test/**/*.test.ts"],
          exclude: MOCKING,
          // A worker runs file after file in one module graph rather than starting afresh for
          // each, which saves about half a second of CPU a file. The files keep no state
          // between them but their own temporary directories, and vitest still resets each
          // file's config and mocks; a file that mocks a module runs isolated, below, since
          // modules another file loaded first would not see its mock.
          isolate: false,
        },
      },
      { test: { ...common, name: "isolated", include: MOCKING, isolate: true } },
    ],
  },
});
