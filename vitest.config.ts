import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration files each start their own Prosody; two cores make more workers pointless.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
