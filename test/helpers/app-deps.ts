import { createBots } from "../../src/bots/index.js";
import { createBotOwners } from "../../src/bots/owners.js";
import type { Config } from "../../src/config.js";
import type { AppDeps } from "../../src/http/app.js";
import { silentLogger } from "../../src/log.js";
import { createOutbound } from "../../src/outbound/index.js";
import type { RoomConnection } from "../../src/rooms/index.js";
import { componentFromRule } from "../../src/stanza/from-rule.js";
import { openStore } from "../../src/store/index.js";
import { createConsumers } from "../../src/stream/consumers.js";
import { DEFAULT_STREAM_LIMITS } from "../../src/stream/limits.js";
import { type Bounces, createBounces } from "../../src/xmpp/bounces.js";
import { createIqTracker, type IqTracker } from "../../src/xmpp/iq-tracker.js";
import { type Link, linkDownError } from "../../src/xmpp/link.js";
import { requestIq } from "../../src/xmpp/request-iq.js";

/** A link with its iq tracker, as the way out and the rooms use a connection. */
export function testConnection(link: Link, iqs: IqTracker, bounces: Bounces = createBounces()) {
  const connection: RoomConnection & { fromRule: ReturnType<typeof componentFromRule> } = {
    get state() {
      return link.state;
    },
    fromRule: componentFromRule(link.domain),
    downError: () => linkDownError(link.retryAfterSeconds()),
    send: (stanza) => link.send(stanza),
    request: (iq, timeoutMs, options) => requestIq(link, iqs, iq, timeoutMs, options),
    watchRefusal: (id, from) => bounces.watch(id, from),
    onStateChange: (handler) => link.onStateChange(handler),
  };
  return connection;
}

/**
 * What createApp needs, on an in-memory store, over a (fake) link and its iq tracker;
 * stop() ends the consumers' timer and closes the store.
 */
export async function appDeps(
  config: Config,
  link: Link,
  iqs: IqTracker = createIqTracker({ maxPending: config.maxPendingIq }),
): Promise<AppDeps & { stop(): void }> {
  const store = openStore(":memory:");
  const bots = await createBots({ config, store, link, log: silentLogger });
  const connection = testConnection(link, iqs);
  const owners = createBotOwners(bots.registry, config.domain, connection);
  const outbound = createOutbound({
    connectionFor: () => connection,
    owners,
    claimAnswer: (answer, owner) =>
      bots.inboundIqs.claim(answer, owner.kind === "bot" ? owner.name : ""),
    recordOutgoing: (owner, stanza) => {
      if (owner.kind === "bot") bots.recordOutgoing(owner.name, stanza);
    },
  });
  const consumers = createConsumers(1_000);
  return {
    settings: config,
    log: silentLogger,
    tokens: bots.registry,
    outbound,
    linkStatus: () => ({ state: link.state, pendingIq: iqs.size }),
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
