import { defineConfig } from "vitest/config";

// The checks that need a web browser (Chromium), kept out of `npm test`: `npm run test:browser`.
export default defineConfig({
  test: {
    include: ["test/browser/**/*.browser.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
