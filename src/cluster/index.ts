/**
 * Several bridge processes on one database (DESIGN, "Several processes"; README, "High
 * availability"): the parts one process needs to take part. The link holder role
 * (./holder.ts) decides whether this process holds the XMPP link; the rest of the process
 * sees the link through the lease's gate (./gated-connection.ts) and sends through the routed
 * way out (../outbound/routed.ts: directly when it holds the link, else through the outbox,
 * which the holder sends from: ./outbox-sender.ts).
 *
 * Accounts live with the link for now (bridge.ts, accountsWithLink: their sessions start in
 * the process that takes the link's lease and stop when it loses it). Per-account leases
 * spread over the processes are to follow the same pattern: a lease named "account:<jid>" in
 * the same table (Leases), spread over the live instances (Leases.alive), the account's
 * session started by the holder of its lease and stopped when it is lost; its appends then
 * fenced by that lease, and the event log's ids kept in commit order with several writers
 * (a transaction lock around drawing ids and committing).
 */
import type { Element } from "@xmpp/xml";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import { createRoutedConnection, type RoutedConnection } from "../outbound/routed.js";
import type { Owner } from "../owner.js";
import type { ClusterStore } from "../store/cluster.js";
import type { Connection } from "../xmpp/connection.js";
import { createGatedConnection } from "./gated-connection.js";
import { createLinkHolder, type HolderTiming, type LinkHolder, type Role } from "./holder.js";
import { createOutboxSender, type OutboxSender } from "./outbox-sender.js";

export type { HolderTiming, LinkHolder, Role } from "./holder.js";

export interface ClusterOptions {
  readonly cluster: ClusterStore;
  /** The XEP-0114 link of this process (started and suspended by the role). */
  readonly raw: Connection;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly timing?: Partial<HolderTiming>;
}

export interface ClusterWiring {
  /** Where this process's HTTP API is reached, once it listens. */
  readonly url: string;
  /** Checks an owner's iq answer against the iqs it received (the holder's table). */
  readonly claimAnswer: (answer: Element, owner: Owner) => Element;
  /** After taking the lease: re-read rooms, take a dead holder's deliveries over. */
  readonly gained: () => Promise<void>;
}

export interface Cluster {
  readonly holder: LinkHolder;
  /** The link as this process may use it: offline unless it holds the lease. */
  readonly link: Connection;
  /** The way out: direct for the holder, the outbox otherwise. */
  readonly routed: RoutedConnection;
  /** Starts taking part: trying for the lease, sending from the outbox while holding it. */
  start(wiring: ClusterWiring): void;
  /** Hands the link over (when held) and stops sending from the outbox. */
  stop(): Promise<void>;
  /** Stops following the others (after everything else stopped). */
  close(): void;
  status(): { role: Role; epoch: string | undefined; database: "up" | "down" };
}

export function createCluster(options: ClusterOptions): Cluster {
  const { cluster, raw, log, metrics } = options;
  let wiring: ClusterWiring | undefined;
  let sender: OutboxSender | undefined;
  const holder = createLinkHolder({
    cluster,
    url: () => wiring?.url,
    link: raw,
    async gained() {
      await cluster.outbox.resend();
      await wiring?.gained();
    },
    log,
    metrics,
    ...(options.timing ? { timing: options.timing } : {}),
  });
  const link = createGatedConnection(raw, holder, log);
  const routed = createRoutedConnection({
    direct: link,
    outbox: cluster.outbox,
    on: cluster.on,
    instance: cluster.instance,
    directFree: () => holder.role === "holder" && sender?.idle === true,
    reachable: () => cluster.reachable,
  });
  const offRings = cluster.onRing((channel) => metrics.notifyWakeups.inc({ channel }));
  holder.onChange((role) => {
    if (role === "holder") sender?.wake();
  });

  return {
    holder,
    link,
    routed,
    start(given) {
      wiring = given;
      sender = createOutboxSender({
        outbox: cluster.outbox,
        on: cluster.on,
        link,
        holding: () => holder.role === "holder",
        claimAnswer: given.claimAnswer,
        log,
      });
      holder.start();
    },
    async stop() {
      await holder.stop();
      await sender?.stop();
    },
    close() {
      offRings();
      routed.stop();
    },
    status: () => ({
      role: holder.role,
      epoch: holder.lease?.epoch,
      database: cluster.reachable ? "up" : "down",
    }),
  };
}
