import { configDefaults, defineConfig } from "vitest/config";

// The integration suite runs once per XMPP server; test/helpers/server.ts reads the variable.
const integration = (server: "prosody" | "ejabberd") => ({
  extends: true as const,
  test: {
    name: server,
    include: ["test/integration/**/*.test.ts"],
    env: { XMPP_REST_TEST_SERVER: server },
    setupFiles: ["test/helpers/tag-server.ts"],
  },
});

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration files each start their own server; two cores make more workers pointless.
    maxWorkers: 2,
    minWorkers: 1,
    projects: [
      // Everything but the integration suite runs once, without a server.
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/integration/**"],
        },
      },
      integration("prosody"),
      integration("ejabberd"),
    ],
  },
});
