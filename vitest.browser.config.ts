import { defineConfig } from "vitest/config"

// `npm run test:browser`: the tests that drive headless Chromium (the system's, /usr/bin/chromium).
export default defineConfig({
  test: {
    include: ["test/browser/**/*.browser.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
