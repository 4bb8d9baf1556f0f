import { createBots } from "../../src/bots/index.js";
import type { Config } from "../../src/config.js";
import { silentLogger } from "../../src/log.js";
import { openStore } from "../../src/store/index.js";
import { createConsumers } from "../../src/stream/consumers.js";
import { DEFAULT_STREAM_LIMITS } from "../../src/stream/limits.js";
import type { Link } from "../../src/xmpp/link.js";

/** What createApp needs for bots and streams, on an in-memory store; stop() ends its timer. */
export async function botDeps(config: Config, link: Pick<Link, "send">) {
  const store = await openStore(":memory:");
  const bots = await createBots({ config, store, link, log: silentLogger });
  const consumers = createConsumers(1_000);
  return {
    bots,
    store,
    consumers,
    streamLimits: DEFAULT_STREAM_LIMITS,
    stop: () => {
      consumers.stop();
      void store.close();
    },
  };
}
