import { defineConfig } from "vitest/config";

// The checks that need a web browser (Chromium), kept out of `npm test`: `npm run test:browser`.
export default defineConfig({
  test: {
    include: ["test/browser/**/*.browser.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Headless Chromium runs the page on virtual time, and the player draws a jumped-to
    // screen a little later; now and then it has not by the time the page reports. A real
    // fault fails all three tries.
    retry: 2,
  },
});
