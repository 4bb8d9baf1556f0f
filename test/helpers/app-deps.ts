import { createBots } from "../../src/bots/index.js";
import { createBotOutbound, createBotOwners } from "../../src/bots/owners.js";
import type { Config } from "../../src/config.js";
import type { AppDeps } from "../../src/http/app.js";
import { silentLogger } from "../../src/log.js";
import { openStore } from "../../src/store/index.js";
import { createConsumers } from "../../src/stream/consumers.js";
import { DEFAULT_STREAM_LIMITS } from "../../src/stream/limits.js";
import type { Link } from "../../src/xmpp/link.js";

/**
 * What createApp needs, on an in-memory store, over a (fake) link; stop() ends the
 * consumers' timer and closes the store.
 */
export async function appDeps(config: Config, link: Link): Promise<AppDeps & { stop(): void }> {
  const store = await openStore(":memory:");
  const bots = await createBots({ config, store, link, log: silentLogger });
  const owners = createBotOwners(bots.registry, config.domain, link);
  const outbound = createBotOutbound(bots, owners, link);
  const consumers = createConsumers(1_000);
  return {
    settings: config,
    log: silentLogger,
    tokens: bots.registry,
    outbound,
    linkStatus: () => ({ state: link.state, pendingIq: link.iqs.size }),
    registry: bots.registry,
    store,
    consumers,
    streamLimits: DEFAULT_STREAM_LIMITS,
    stop: () => {
      consumers.stop();
      void store.close();
    },
  };
}
