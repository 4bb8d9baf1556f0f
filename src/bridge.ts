import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import type { Element } from "@xmpp/xml";
import { WebSocketServer } from "ws";
import type { Bookmark } from "./accounts/bookmarks.js";
import { type Accounts, createAccounts } from "./accounts/index.js";
import { createBasicLogins } from "./accounts/logins.js";
import { createAccountOwners } from "./accounts/owners.js";
import { createSealer, readSecretKey } from "./accounts/secrets.js";
import { type Bots, createBots } from "./bots/index.js";
import { createBotOwners } from "./bots/owners.js";
import type { Config } from "./config.js";
import { createApp } from "./http/app.js";
import { createInbound } from "./inbound/index.js";
import type { Logger } from "./log.js";
import { createMessageActions } from "./messages/actions.js";
import { createFiles } from "./messages/files.js";
import { createMessageLookup, replyTarget } from "./messages/known.js";
import { createUploader, FILE_TIMEOUT_MS, uploadPlaces } from "./messages/upload.js";
import { createMetrics, noMetrics } from "./metrics.js";
import { askAs } from "./outbound/ask.js";
import { createOutbound, type OutboundConnection } from "./outbound/index.js";
import { combineDirectories } from "./outbound/scope.js";
import { type Owner, ownerId, ownerOf } from "./owner.js";
import { createRoomDirectory, DIRECTORY_TIMEOUT_MS } from "./rooms/directory.js";
import { createRooms } from "./rooms/index.js";
import { combineSeats } from "./rooms/seat.js";
import { serviceUnavailable } from "./stanza/errors.js";
import { openStore, type Store, type StoreTuning } from "./store/index.js";
import { startPruner } from "./store/pruner.js";
import { createConsumers } from "./stream/consumers.js";
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from "./stream/limits.js";
import { createWebhook, type Webhook, withWebhookId } from "./webhook/index.js";
import { createSrvResolver } from "./xmpp/client/index.js";
import { createLink, type Link, linkDownError } from "./xmpp/link.js";

export interface Bridge {
  readonly link: Link;
  readonly store: Store;
  /** The HTTP port actually bound (useful with httpPort 0). */
  readonly port: number;
  stop(): Promise<void>;
}

export interface BridgeOptions {
  /** How long stop() lets in-flight HTTP requests finish before cutting them off. */
  readonly drainTimeoutMs?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Store tuning for tests (a size cap to run out of room for real). */
  readonly store?: StoreTuning;
  /** Pacing of SSE/WebSocket/long-poll readers (tests shorten heartbeats and stall limits). */
  readonly streamLimits?: Partial<StreamLimits>;
  /** Accounts' pings (XEP-0199) after this much silence (tests shorten it). */
  readonly accountPingIntervalMs?: number;
}

/**
 * Wires config, store, component link (with its pending-iq tracker), webhook and HTTP API
 * together and starts them. Throws StoreOpenError when the store is unusable.
 */
export async function startBridge(
  config: Config,
  log: Logger,
  options: BridgeOptions = {},
): Promise<Bridge> {
  const metrics = config.metrics ? createMetrics() : noMetrics;
  // Read before anything starts: a key file that cannot be read stops the start-up.
  const secretKey = readSecretKey(config);
  const store = await openStore(config.store, options.store);
  if (store.volatile) {
    log.warn("store is in memory: stanzas not yet delivered are lost when the bridge stops");
  }
  const link = createLink({
    metrics,
    service: config.service,
    domain: config.domain,
    secret: config.secret,
    log,
    stanzaLimit: config.serverStanzaLimit,
    maxPendingIq: config.maxPendingIq,
    ...(options.initialBackoffMs !== undefined
      ? { initialBackoffMs: options.initialBackoffMs }
      : {}),
    ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
  });

  const webhook = createWebhook({ config, link, log, store, metrics });
  const pruner = startPruner({ store, retentionMs: config.storeRetentionMs, log });
  const bots = await createBots({ config, store, link, log, metrics });
  // The way out is made with the owners (below); the accounts send through it once it is.
  let sendOut: (owner: Owner, stanza: Element) => Promise<void> = () =>
    Promise.reject(new Error("the way out is not ready"));
  let joinRooms: (owner: Owner, list: readonly Bookmark[]) => void = () => {};
  const accounts = createAccounts({
    config,
    sendOut: (owner, stanza) => sendOut(owner, stanza),
    joinRooms: (owner, list) => joinRooms(owner, list),
    store,
    sealer: secretKey && createSealer(secretKey),
    resolver: createSrvResolver(config.dnsServers),
    ca: config.accountCaFile === undefined ? undefined : readFileSync(config.accountCaFile),
    log,
    metrics,
    ...(options.initialBackoffMs !== undefined
      ? { initialBackoffMs: options.initialBackoffMs }
      : {}),
    ...(options.accountPingIntervalMs !== undefined
      ? { pingIntervalMs: options.accountPingIntervalMs }
      : {}),
  });
  const { outbound, rooms, directory, messages, files, uploader } = await wireOwners(config, log, {
    store,
    link,
    bots,
    accounts,
    webhook,
  });
  // XEP-0402 autojoin: each bookmarked room through the rooms code, as a join request would.
  joinRooms = (owner, list) => {
    for (const bookmark of list) {
      rooms
        .join(owner, bookmark.room, {
          nick: bookmark.nick ?? (owner.kind === "account" ? (owner.jid.split("@")[0] ?? "") : ""),
        })
        .catch((err: unknown) =>
          log.warn("bookmarked room not joined", {
            owner: ownerId(owner),
            room: bookmark.room,
            err,
          }),
        );
    }
  };
  sendOut = async (owner, stanza) => {
    outbound.prepare(owner, stanza);
    await outbound.send(owner, stanza, { timeoutMs: config.iqTimeoutMs, history: false });
  };
  await accounts.load();
  const streamLimits: StreamLimits = { ...DEFAULT_STREAM_LIMITS, ...options.streamLimits };
  const consumers = createConsumers(streamLimits.checkEveryMs);
  const logins = createBasicLogins({
    settings: config,
    accounts,
    openStreams: (jid) => consumers.countFor(ownerId({ kind: "account", jid })),
    log,
  });
  metrics.readFrom({ backlog: () => store.backlog(), consumers: () => consumers.byKind() });

  const deliveries = {
    list: async (query: Parameters<Store["listDeliveries"]>[0]) =>
      (await store.listDeliveries(query)).map((d) => withWebhookId(store.storeId, d)),
    backlog: () => store.backlog(),
    // A bot's dead letter goes back to that bot's webhook, never the global one.
    retry: async (id: string) => {
      const owner = ownerOf((await store.getDelivery(id))?.stream ?? "");
      if (owner?.kind === "bot") return bots.retryDelivery(owner.name, id);
      if (owner?.kind === "account") return accounts.retryDelivery(owner.jid, id);
      return webhook.retry(id);
    },
  };
  const app = createApp({
    settings: config,
    log,
    metrics,
    tokens: {
      authenticate: (token) =>
        bots.registry.authenticate(token) ??
        accounts.authenticate(token) ??
        logins.authenticate(token),
      onChange(listener) {
        const offBots = bots.registry.onChange(listener);
        const offAccounts = accounts.onChange(listener);
        return () => {
          offBots();
          offAccounts();
        };
      },
    },
    accounts,
    ...(logins.enabled ? { basic: logins.login, logins } : {}),
    outbound,
    linkStatus: () => ({ state: link.state, pendingIq: link.iqs.size }),
    deliveries,
    registry: bots.registry,
    store,
    rooms,
    messages,
    files,
    commands: bots.commands,
    directory,
    consumers,
    streamLimits,
  });
  let listening: ServerType | undefined;
  try {
    listening = await listen(app.fetch, config.httpHost, config.httpPort);
    await webhook.start();
  } catch (err) {
    // Release the port and the store (its lock) before giving up.
    listening?.close();
    consumers.stop();
    rooms.stop();
    await pruner.stop();
    await logins.stop();
    await Promise.all([webhook.stop(0), bots.stop(0), accounts.stop(0), uploader.close()]);
    await store.close();
    throw err;
  }
  const server = listening;
  const port = (server.address() as AddressInfo).port;
  log.info("http api listening", { host: config.httpHost, port });
  link.start();

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    // Reverse order of start-up: stop taking requests, drain, then close the stream.
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    // Streams never end by themselves: tell each consumer why it is closed.
    consumers.closeAll("the bridge is shutting down");
    consumers.stop();
    const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      link.iqs.failAll(serviceUnavailable("the bridge is shutting down"));
      const http = server as { closeAllConnections?: () => void };
      setTimeout(() => http.closeAllConnections?.(), 500).unref();
    }, drainTimeoutMs);
    await drained;
    clearTimeout(timer);
    await logins.stop();
    await Promise.all([
      webhook.stop(drainTimeoutMs),
      bots.stop(drainTimeoutMs),
      accounts.stop(drainTimeoutMs),
      uploader.close(),
    ]);
    rooms.stop();
    await link.stop();
    await pruner.stop();
    await store.close();
    log.info("stopped");
  };

  return {
    link,
    store,
    port,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}

/**
 * Bots (on the component link) and accounts (each on its own session) as owners: the one way
 * out, their rooms (seats), the room directory, and the one way in for every connection.
 */
async function wireOwners(
  config: Config,
  log: Logger,
  {
    store,
    link,
    bots,
    accounts,
    webhook,
  }: { store: Store; link: Link; bots: Bots; accounts: Accounts; webhook: Webhook },
) {
  const botOwners = createBotOwners(bots.registry, config.domain, link);
  const accountOwners = createAccountOwners(accounts);
  // An account that is gone (deleted under a request) has no session: 503, nothing sent.
  const noSession: OutboundConnection = {
    state: "stopped",
    from: { defaultFrom: "", allows: () => false, describe: "nothing" },
    retryAfterSeconds: () => 1,
    send: () => Promise.reject(linkDownError(1)),
    request: () => Promise.reject(linkDownError(1)),
  };
  const lookup = createMessageLookup(store);
  const outbound = createOutbound({
    connectionFor: (principal) =>
      principal.kind === "account" ? (accounts.connectionOf(principal.jid) ?? noSession) : link,
    owners: combineDirectories(botOwners, accountOwners),
    claimAnswer: (answer, owner) =>
      owner.kind === "bot"
        ? bots.inboundIqs.claim(answer, owner.name)
        : accounts.inboundIqs.claim(answer, ownerId(owner)),
    recordOutgoing: (owner, stanza) => {
      if (owner.kind === "bot") bots.recordOutgoing(owner.name, stanza);
      else accounts.recordOutgoing(owner.jid, stanza);
    },
    replyTarget: (owner, id, stanza) => replyTarget(lookup, owner, id, stanza),
  });
  const rooms = createRooms({
    store,
    seats: combineSeats(botOwners, accountOwners),
    post: (owner, message, { replyTo }) =>
      outbound.send(owner, message, { timeoutMs: 0, history: false, replyTo }),
    log,
    timeoutMs: config.iqTimeoutMs,
  });
  await rooms.load();
  const messages = createMessageActions({ lookup, outbound, rooms });
  const uploader = createUploader({
    ask: askAs(outbound, config.iqTimeoutMs),
    placeOf: uploadPlaces(config.domain, config.uploadService),
    timeoutMs: FILE_TIMEOUT_MS,
  });
  const files = createFiles({ uploader, outbound, rooms });
  const directory = createRoomDirectory({
    connection: link,
    from: config.domain,
    timeoutMs: Math.min(config.iqTimeoutMs, DIRECTORY_TIMEOUT_MS),
  });
  const deliverToOwner = (
    owner: Owner,
    stanza: Parameters<typeof link.send>[0],
    to: Parameters<Bots["router"]["deliver"]>[2],
    options: { history: boolean },
  ) => {
    if (owner.kind === "account") {
      accounts.deliver(owner, stanza, to, options);
      return;
    }
    const bot = bots.registry.get(owner.name);
    if (bot) bots.router.deliver(bot, stanza, to, options);
  };
  const inbound = createInbound(
    {
      servesAddress: (to) => to.domain === config.domain,
      ownerAt: botOwners.ownerAt,
      rooms: rooms.handle,
    },
    { owner: deliverToOwner, global: (stanza, to) => webhook.handle(stanza, to) },
    log,
  );
  // Replies to the link's own iqs and refusals of messages it waits on never get here (connection.ts).
  link.onStanza(inbound.handle);
  // Everything an account's session receives is the account's (rooms first); nothing of it
  // reaches the global callback.
  const accountInbound = createInbound(
    { servesAddress: accountOwners.serves, ownerAt: accountOwners.ownerAt, rooms: rooms.handle },
    { owner: deliverToOwner, global: () => {} },
    log,
  );
  accounts.onStanza((_jid, stanza) => accountInbound.handle(stanza));

  return { outbound, rooms, directory, messages, files, uploader };
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  hostname: string,
  port: number,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    // WebSocket upgrades go through the same app (GET /v1/bots/{name}/events).
    const websocket = { server: new WebSocketServer({ noServer: true }) };
    const server = serve({ fetch, hostname, port, websocket }, () => resolve(server));
    server.once("error", reject);
  });
}
