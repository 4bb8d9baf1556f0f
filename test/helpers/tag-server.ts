import { beforeEach } from "vitest";
import { type ServerKind, serverKind } from "./server.js";

declare module "vitest" {
  interface TaskMeta {
    /** The XMPP server an integration test ran against (scripts/test.sh counts them). */
    xmppServer?: ServerKind;
  }
}

// Setup file of the integration projects: tags every test with its server in the JSON report.
beforeEach(({ task }) => {
  task.meta.xmppServer = serverKind();
});
