import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { type ServerType, serve } from "@hono/node-server";
import type { Element } from "@xmpp/xml";
import { WebSocketServer } from "ws";
import type { Bookmark } from "./accounts/bookmarks.js";
import { type Accounts, createAccounts } from "./accounts/index.js";
import { createBasicLogins } from "./accounts/logins.js";
import { createAccountOwners } from "./accounts/owners.js";
import { createSealer, readSecretKey } from "./accounts/secrets.js";
import { type Bots, createBots } from "./bots/index.js";
import { claimBotAnswer, createBotOwners } from "./bots/owners.js";
import { type Cluster, createCluster, type HolderTiming } from "./cluster/index.js";
import type { Config } from "./config.js";
import { createApp } from "./http/app.js";
import type { TokenResolver } from "./http/auth.js";
import { createInbound } from "./inbound/index.js";
import type { Logger } from "./log.js";
import { createMessageActions } from "./messages/actions.js";
import { createFiles } from "./messages/files.js";
import { createMessageLookup, replyTarget } from "./messages/known.js";
import { createUploader, FILE_TIMEOUT_MS, uploadPlaces } from "./messages/upload.js";
import { createMetrics, type Metrics, noMetrics } from "./metrics.js";
import { askAs } from "./outbound/ask.js";
import { createOutbound, type OutboundConnection } from "./outbound/index.js";
import { combineDirectories } from "./outbound/scope.js";
import { type Owner, ownerId, ownerOf } from "./owner.js";
import { createRoomDirectory, DIRECTORY_TIMEOUT_MS } from "./rooms/directory.js";
import { createRooms } from "./rooms/index.js";
import { combineSeats } from "./rooms/seat.js";
import { serviceUnavailable } from "./stanza/errors.js";
import { openStore, type Store, type StoreSettings, type StoreTuning } from "./store/index.js";
import { startPruner } from "./store/pruner.js";
import { createConsumers } from "./stream/consumers.js";
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from "./stream/limits.js";
import { createWebhook, type Webhook, withWebhookId } from "./webhook/index.js";
import { createSrvResolver } from "./xmpp/client/index.js";
import { createLink, type Link, linkDownError } from "./xmpp/link.js";

export interface Bridge {
  /** The link as this process may use it (with several processes: offline on a standby). */
  readonly link: Link;
  readonly store: Store;
  /** The HTTP port actually bound (useful with httpPort 0). */
  readonly port: number;
  /** Several processes on one database: this process's part (its role, the lease). */
  readonly cluster: Cluster | undefined;
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
  /** Several processes: the lease's timing (tests shorten it). */
  readonly holderTiming?: Partial<HolderTiming>;
  /** Accounts' pings (XEP-0199) after this much silence (tests shorten it). */
  readonly accountPingIntervalMs?: number;
}

/** The settings of a database server store, from the configuration. */
function storeSettings(config: Config): StoreSettings {
  return {
    poolSize: config.storePoolSize,
    statementTimeoutMs: config.storeStatementTimeoutMs,
    tls: config.storeTls,
    caFile: config.storeCa,
    outboxLimit: config.outboxLimit,
  };
}

/**
 * Wires config, store, component link (with its pending-iq tracker), webhook and HTTP API
 * together and starts them. With a store several processes share, this process takes part
 * in holding the link (src/cluster/): it holds it, or stands by and serves the API without
 * it. Throws StoreOpenError when the store is unusable.
 */
export async function startBridge(
  config: Config,
  log: Logger,
  options: BridgeOptions = {},
): Promise<Bridge> {
  const metrics = config.metrics ? createMetrics() : noMetrics;
  // Read before anything starts: a key file that cannot be read stops the start-up.
  const secretKey = readSecretKey(config);
  const store = await openStore(config.store, options.store, storeSettings(config));
  if (store.volatile) {
    log.warn("store is in memory: stanzas not yet delivered are lost when the bridge stops");
  }
  const raw = createLink({
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
  const cluster = joinCluster(store, raw, log, metrics, options);
  // The link as this process may use it, and the way stanzas leave (the outbox for a standby).
  const link = cluster?.link ?? raw;
  const way: OutboundConnection & Pick<Link, "send"> = cluster?.routed ?? raw;

  const webhook = createWebhook({ config, link: way, log, store, metrics });
  const pruner = startPruner({ store, retentionMs: config.storeRetentionMs, log });
  const bots = await createBots({ config, store, link: way, log, metrics });
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
    ...accountPacing(options),
  });
  const { outbound, rooms, directory, messages, files, uploader } = await wireOwners(config, log, {
    store,
    link,
    way,
    bots,
    accounts,
    webhook,
    cluster,
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
  // With several processes the accounts' sessions live with the link (see accountsWithLink).
  const accountsTurn = cluster ? accountsWithLink(cluster, accounts, log) : undefined;
  if (!accountsTurn) await accounts.load();
  const streamLimits: StreamLimits = { ...DEFAULT_STREAM_LIMITS, ...options.streamLimits };
  const consumers = createConsumers(streamLimits.checkEveryMs);
  const logins = createBasicLogins({
    settings: config,
    accounts,
    openStreams: (jid) => consumers.countFor(ownerId({ kind: "account", jid })),
    log,
  });
  followBots(bots, consumers, store, log);
  readMetricsFrom(metrics, store, consumers);

  const app = createApp({
    settings: config,
    log,
    metrics,
    tokens: tokenTable(bots, accounts, logins),
    accounts,
    ...(logins.enabled ? { basic: logins.login, logins } : {}),
    outbound,
    linkStatus: () => ({
      state: link.state,
      pendingIq: raw.iqs.size,
      ...(cluster ? cluster.status() : {}),
    }),
    deliveries: deliveriesView(store, bots, accounts, webhook),
    registry: bots.registry,
    store,
    rooms,
    messages,
    files,
    commands: bots.commands,
    directory,
    consumers,
    streamLimits,
    ...(cluster
      ? {
          holder: {
            local: () => cluster.holder.role === "holder",
            url: () => cluster.holder.holderUrl(),
          },
        }
      : {}),
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
    cluster?.close();
    await pruner.stop();
    await logins.stop();
    await Promise.all([webhook.stop(0), bots.stop(0), accounts.stop(0), uploader.close()]);
    await store.close();
    throw err;
  }
  const server = listening;
  const port = (server.address() as AddressInfo).port;
  log.info("http api listening", { host: config.httpHost, port });
  if (cluster) {
    cluster.start({
      url: config.peerUrl ?? peerUrlOf(config.httpHost, port),
      claimAnswer: (answer, owner) => claimBotAnswer(bots, answer, owner),
      async gained() {
        // The accounts (their rooms are seats too), rooms joined or left and menus declared
        // through the last holder, and the deliveries it held.
        await accountsTurn?.hold();
        await rooms.load();
        await bots.commands.load();
        webhook.rescan();
        bots.rescan();
      },
    });
  } else raw.start();

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    // With several processes the link is handed over first: this process's requests still in
    // flight go through the outbox meanwhile.
    await cluster?.stop();
    // Reverse order of start-up: stop taking requests, drain, then close the stream.
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    // Streams never end by themselves: tell each consumer why it is closed.
    consumers.closeAll("the bridge is shutting down");
    consumers.stop();
    const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      raw.iqs.failAll(serviceUnavailable("the bridge is shutting down"));
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
    await raw.stop();
    cluster?.close();
    await pruner.stop();
    await store.close();
    log.info("stopped");
  };

  return {
    link,
    store,
    port,
    cluster,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}

/**
 * Several processes: every account's session lives with the XMPP link, in the process that
 * holds its lease (so one process at a time holds an account, and it moves with the link when
 * its process dies or hands over); the other processes pass the accounts' requests to it
 * (http/forward.ts). Started when the lease is gained, stopped when it is lost, one turn at a
 * time. The place for per-account leases (README, "High availability"): spread the accounts
 * over the live processes, each session started by the holder of its own lease.
 */
function accountsWithLink(cluster: Cluster, accounts: Accounts, log: Logger) {
  let turn: Promise<void> = Promise.resolve();
  let held = false;
  const next = (step: () => Promise<void>) => {
    turn = turn.then(step).catch((err: unknown) => log.error("accounts not moved", { err }));
    return turn;
  };
  const release = async () => {
    if (!held) return;
    held = false;
    log.info("accounts stopped: this process no longer holds the link");
    await accounts.stop(0);
  };
  cluster.holder.onChange((role) => {
    if (role !== "holder") void next(release);
  });
  return {
    hold: () =>
      next(async () => {
        // Called while the lease is being taken (the role follows once the takeover is done).
        if (held || !cluster.holder.lease) return;
        held = true;
        await accounts.load();
        // Lost meanwhile, before the role said holder (so no change of role tells).
        if (!cluster.holder.lease) await release();
      }),
  };
}

/** Several processes on the store's database: this process's part (none for SQLite). */
function joinCluster(
  store: Store,
  raw: Link,
  log: Logger,
  metrics: Metrics,
  options: BridgeOptions,
): Cluster | undefined {
  if (!store.cluster) return undefined;
  const cluster = createCluster({
    cluster: store.cluster,
    raw,
    log,
    metrics,
    ...(options.holderTiming ? { timing: options.holderTiming } : {}),
  });
  // Nothing is written as the link holder before the lease says so.
  store.cluster.fence(undefined);
  return cluster;
}

/** The accounts' reconnect and ping pacing, where tests shorten it. */
function accountPacing(options: BridgeOptions) {
  return {
    ...(options.initialBackoffMs !== undefined
      ? { initialBackoffMs: options.initialBackoffMs }
      : {}),
    ...(options.accountPingIntervalMs !== undefined
      ? { pingIntervalMs: options.accountPingIntervalMs }
      : {}),
  };
}

/** Who a token belongs to: admins and bots, accounts, users' browser tokens; one table. */
function tokenTable(
  bots: Bots,
  accounts: Accounts,
  logins: ReturnType<typeof createBasicLogins>,
): TokenResolver {
  return {
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
  };
}

/** Where the other processes reach this one's HTTP API when XMPP_REST_PEER_URL says nothing. */
function peerUrlOf(host: string, port: number): string {
  const any = host === "0.0.0.0" || host === "::" || host === "";
  const name = any ? hostname() : host;
  return `http://${name.includes(":") ? `[${name}]` : name}:${port}`;
}

/**
 * Bots changed through another process (several processes on one database): the registry
 * follows, and the streams of a bot deleted (or now receiving by webhook) are closed here
 * too.
 */
function followBots(
  bots: Bots,
  consumers: ReturnType<typeof createConsumers>,
  store: Store,
  log: Logger,
) {
  bots.registry.onChange((name) => {
    const bot = bots.registry.get(name);
    if (!bot) consumers.closeAll("the bot was deleted", name);
    else if (bot.webhook) consumers.closeAll("the bot now receives by webhook", name);
  });
  store.cluster?.on("bots", (name) => {
    bots.registry
      .refresh(name === "" ? undefined : name)
      .catch((err: unknown) => log.warn("bot not read again after a change elsewhere", { err }));
  });
}

function readMetricsFrom(
  metrics: Metrics,
  store: Store,
  consumers: ReturnType<typeof createConsumers>,
) {
  const outbox = store.cluster?.outbox;
  metrics.readFrom({
    backlog: () => store.backlog(),
    consumers: () => consumers.byKind(),
    ...(outbox ? { outboxDepth: () => outbox.depth() } : {}),
  });
}

function deliveriesView(store: Store, bots: Bots, accounts: Accounts, webhook: Webhook) {
  return {
    list: async (query: Parameters<Store["listDeliveries"]>[0]) =>
      (await store.listDeliveries(query)).map((d) => withWebhookId(store.storeId, d)),
    backlog: () => store.backlog(),
    // An owner's dead letter goes back to that owner's webhook, never the global one.
    retry: async (id: string) => {
      const owner = ownerOf((await store.getDelivery(id))?.stream ?? "");
      if (owner?.kind === "bot") return bots.retryDelivery(owner.name, id);
      if (owner?.kind === "account") return accounts.retryDelivery(owner.jid, id);
      return webhook.retry(id);
    },
  };
}

interface OwnerParts {
  readonly store: Store;
  /** The link as this process may use it (rooms' seats, the directory, the way in). */
  readonly link: Link;
  /** The way out's connection: the link, or with several processes the routed one. */
  readonly way: OutboundConnection;
  readonly bots: Bots;
  readonly accounts: Accounts;
  readonly webhook: Webhook;
  readonly cluster: Cluster | undefined;
}

/**
 * Bots (on the component link) and accounts (each on its own session) as owners: the one way
 * out, their rooms (seats), the room directory, and the one way in for every connection.
 */
async function wireOwners(config: Config, log: Logger, parts: OwnerParts) {
  const { store, link, way, bots, accounts, webhook, cluster } = parts;
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
      principal.kind === "account" ? (accounts.connectionOf(principal.jid) ?? noSession) : way,
    owners: combineDirectories(botOwners, accountOwners),
    // A bot's received iqs are known to the link holder: elsewhere its answer is checked
    // there, before it is sent. An account's are known where its session is.
    claimAnswer: (answer, owner) => {
      if (owner.kind === "account") return accounts.inboundIqs.claim(answer, ownerId(owner));
      return cluster && cluster.holder.role !== "holder"
        ? cluster.routed.deferClaim(answer, ownerId(owner))
        : claimBotAnswer(bots, answer, owner);
    },
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
