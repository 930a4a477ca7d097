import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Builds dist/ once before any test file runs: many tests spawn the built CLI,
 * as users run it, and one build avoids test files rewriting dist/ under each other.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL("..", import.meta.url));
  // The bundle only: the type declarations are for the package's users, and
  // `npm run typecheck` checks the types.
  const build = spawnSync(process.execPath, ["scripts/build.mjs", "--no-types"], {
    cwd: root,
    encoding: "utf8",
  });
  if (build.status !== 0) {
    throw new Error(`the build failed:\n${build.stdout}${build.stderr}`);
  }
}
