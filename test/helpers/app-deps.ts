import { createBots } from "../../src/bots/index.js";
import { createBotOutbound, createBotOwners } from "../../src/bots/owners.js";
import type { Config } from "../../src/config.js";
import type { AppDeps } from "../../src/http/app.js";
import { silentLogger } from "../../src/log.js";
import { createMessageActions } from "../../src/messages/actions.js";
import { createFiles } from "../../src/messages/files.js";
import { createMessageLookup } from "../../src/messages/known.js";
import { createUploader } from "../../src/messages/upload.js";
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
  const lookup = createMessageLookup(store);
  const uploader = createUploader({
    ask: async () => {
      throw new Error("no XMPP server here");
    },
    placeOf: () => ({ server: "example.org" }),
    timeoutMs: 1_000,
  });
  return {
    settings: config,
    log: silentLogger,
    tokens: bots.registry,
    outbound,
    linkStatus: () => ({ state: link.state, pendingIq: link.iqs.size }),
    registry: bots.registry,
    store,
    consumers,
    messages: createMessageActions({ lookup, outbound }),
    files: createFiles({ uploader, outbound }),
    commands: bots.commands,
    streamLimits: DEFAULT_STREAM_LIMITS,
    stop: () => {
      consumers.stop();
      void uploader.close();
      void bots.stop(0);
      void store.close();
    },
  };
}
