/**
 * Prometheus metrics: one registry per bridge (tests run several bridges in one process, so
 * nothing lives at module level). Every instrument of the bridge is defined once, here, in
 * `builtIns`, and labelled by what it is about (`connection`, `owner`), so that any number of
 * connections, trackers or webhooks share it: registering a name twice throws, which is why no
 * factory that can run more than once registers anything. A factory binds the series it
 * updates once, where its labels are known:
 *
 *   const sent = metrics.stanzasSent.labels({ connection: "component", kind: "message" });
 *   sent.inc();
 *
 * Gauges read at scrape time take their values from `readFrom()`, which the wiring calls once.
 * With metrics off every instrument is a no-op, so callers never check.
 */
import { collectDefaultMetrics, Registry } from "prom-client";
import {
  type CounterMetric,
  type GaugeMetric,
  type HistogramMetric,
  type Labels,
  localHistogram,
  localValueMetric,
} from "./metrics-local.js";
import { isStanzaKind, type StanzaKind } from "./stanza/kinds.js";

export type {
  CounterMetric,
  CounterSeries,
  GaugeMetric,
  GaugeSeries,
  HistogramMetric,
  Labels,
} from "./metrics-local.js";

interface MetricConfig<L extends string> {
  /** Prometheus name; this project's start with `xmpp_rest_`. */
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

export interface GaugeConfig<L extends string> extends MetricConfig<L> {
  /**
   * Called at each scrape (awaited when it returns a promise), so values that already live
   * elsewhere (a map's size, a count in the store) cost nothing in between.
   */
  readonly collect?: (set: (labels: Labels<L>, value: number) => void) => void | Promise<void>;
}

export interface HistogramConfig<L extends string> extends MetricConfig<L> {
  /** Upper bounds in seconds; defaults to LATENCY_BUCKETS. */
  readonly buckets?: readonly number[];
}

/** What a stanza is counted as: its kind, or `other`. */
export type KindLabel = StanzaKind | "other";
export type IqOutcome = "result" | "error" | "timeout" | "cancelled";
export const IQ_OUTCOMES: readonly IqOutcome[] = ["result", "error", "timeout", "cancelled"];

/** The store's delivery backlog, every owner's webhook together (as Store["backlog"] gives it). */
export interface BacklogReading {
  readonly pending: number;
  readonly failed: number;
  readonly oldestPendingAt?: number | undefined;
}

/** Where the gauges read at scrape time take their values; the wiring gives them once. */
export interface ScrapeSources {
  readonly backlog: () => Promise<BacklogReading>;
  /** Stream consumers connected now, by kind (sse, websocket, long-poll). */
  readonly consumers: () => Readonly<Record<string, number>>;
  /** Several processes: stanzas waiting in the outbox for the link holder. */
  readonly outboxDepth: () => Promise<number>;
}

/** The bridge's own instruments: one table, registered once per registry. */
export interface Instruments {
  /** By connection (e.g. `component`) and stanza kind. */
  readonly stanzasSent: CounterMetric<"connection" | "kind">;
  readonly stanzasReceived: CounterMetric<"connection" | "kind">;
  readonly httpRequests: HistogramMetric<"method" | "route" | "status">;
  readonly iqPending: GaugeMetric<"connection">;
  readonly iqOutcomes: CounterMetric<"connection" | "outcome">;
  /** By owner id (`global`, `bot:<name>`, see owner.ts) and outcome. */
  readonly webhookDeliveries: HistogramMetric<"owner" | "outcome">;
  /** 1 for each connection's current state, 0 for the others. */
  readonly linkState: GaugeMetric<"connection" | "state">;
  readonly linkReconnects: CounterMetric<"connection">;
  /** Several processes: the lease's moves (taken, lost, released), by lease (`link`). */
  readonly leaseChanges: CounterMetric<"lease" | "change">;
  /** Several processes: from taking the link's lease to the link online. */
  readonly failoverSeconds: HistogramMetric<"lease">;
  /** Several processes: 1 for this process's role (holder, standby), 0 for the other. */
  readonly role: GaugeMetric<"role">;
  readonly leaseEpoch: GaugeMetric<"lease">;
  /** Several processes: doorbells (NOTIFY) from the other processes, by channel. */
  readonly notifyWakeups: CounterMetric<"channel">;
}

export interface Metrics extends Instruments {
  /** False when the operator turned metrics off: instruments do nothing, /metrics is absent. */
  readonly enabled: boolean;
  /** The Prometheus text exposition of everything registered. */
  render(): Promise<{ contentType: string; body: string }>;
  /** Gives the scrape-time gauges their sources (the wiring calls it once; later calls replace). */
  readFrom(sources: Partial<ScrapeSources>): void;
  /**
   * Register a new name (a second registration of a name throws): for the table below and
   * for tests, never for a factory that can run twice.
   */
  counter<L extends string = never>(config: MetricConfig<L>): CounterMetric<L>;
  gauge<L extends string = never>(config: GaugeConfig<L>): GaugeMetric<L>;
  histogram<L extends string = never>(config: HistogramConfig<L>): HistogramMetric<L>;
}

/** From a fast local answer to an iq long-poll (the default iq timeout is 120 s). */
export const LATENCY_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];

/** Label value for a stanza's kind; anything else a server might send is `other`. */
export function kindLabel(name: string): KindLabel {
  return isStanzaKind(name) ? name : "other";
}

type Make = Pick<Metrics, "counter" | "gauge" | "histogram">;

function builtIns(make: Make): Instruments {
  return {
    stanzasSent: make.counter({
      name: "xmpp_rest_stanzas_sent_total",
      help: "Stanzas handed to the XMPP server, by connection and kind",
      labelNames: ["connection", "kind"],
    }),
    stanzasReceived: make.counter({
      name: "xmpp_rest_stanzas_received_total",
      help: "Stanzas received from the XMPP server, by connection and kind",
      labelNames: ["connection", "kind"],
    }),
    httpRequests: make.histogram({
      name: "xmpp_rest_http_request_duration_seconds",
      help: "HTTP requests by route and status, with their latency (_count is the number of requests)",
      labelNames: ["method", "route", "status"],
    }),
    iqPending: make.gauge({
      name: "xmpp_rest_iq_pending",
      help: "iqs waiting for their reply, by connection",
      labelNames: ["connection"],
    }),
    iqOutcomes: make.counter({
      name: "xmpp_rest_iq_outcomes_total",
      help: "iqs sent over HTTP, by connection and how they ended: result, error, timeout, cancelled (link down, shutdown)",
      labelNames: ["connection", "outcome"],
    }),
    webhookDeliveries: make.histogram({
      name: "xmpp_rest_webhook_delivery_duration_seconds",
      help: "Webhook calls by owner (global, bot:<name>) and outcome (2xx, 4xx, 5xx, timeout, unreachable, too-large, refused), with their latency",
      labelNames: ["owner", "outcome"],
    }),
    linkState: make.gauge({
      name: "xmpp_rest_link_state",
      help: "State of each connection to the XMPP server: 1 for the current state",
      labelNames: ["connection", "state"],
    }),
    linkReconnects: make.counter({
      name: "xmpp_rest_link_reconnects_total",
      help: "Connection attempts to the XMPP server after the first, by connection",
      labelNames: ["connection"],
    }),
    leaseChanges: make.counter({
      name: "xmpp_rest_lease_changes_total",
      help: "Several processes: this process taking (taken), losing (lost) or handing over (released) a lease, by lease (link)",
      labelNames: ["lease", "change"],
    }),
    failoverSeconds: make.histogram({
      name: "xmpp_rest_failover_seconds",
      help: "Several processes: from this process taking the link's lease to the link online",
      labelNames: ["lease"],
    }),
    role: make.gauge({
      name: "xmpp_rest_role",
      help: "Several processes: 1 for this process's role, holder (of the XMPP link) or standby",
      labelNames: ["role"],
    }),
    leaseEpoch: make.gauge({
      name: "xmpp_rest_lease_epoch",
      help: "Several processes: the epoch of the lease this process holds (0: none)",
      labelNames: ["lease"],
    }),
    notifyWakeups: make.counter({
      name: "xmpp_rest_notify_wakeups_total",
      help: "Several processes: doorbells (PostgreSQL NOTIFY) rung by the other processes, by channel",
      labelNames: ["channel"],
    }),
  };
}

/**
 * The gauges read at scrape time: the retry backlog and the dead letters come from the store
 * (so they are right after a restart too, and cost nothing between scrapes).
 */
function scrapeGauges(make: Make): (sources: Partial<ScrapeSources>) => void {
  let sources: Partial<ScrapeSources> = {};
  const backlog =
    (read: (b: BacklogReading) => number) =>
    async (set: (labels: Labels<never>, v: number) => void) => {
      if (sources.backlog) set({}, read(await sources.backlog()));
    };
  make.gauge({
    name: "xmpp_rest_webhook_pending_deliveries",
    help: "Inbound stanzas stored and not yet delivered to the webhook (waiting or retrying)",
    collect: backlog((b) => b.pending),
  });
  make.gauge({
    name: "xmpp_rest_webhook_dead_letters",
    help: "Deliveries given up after the last retry, kept until pruned or retried (POST /v1/deliveries/{id}/retry)",
    collect: backlog((b) => b.failed),
  });
  make.gauge({
    name: "xmpp_rest_webhook_oldest_pending_age_seconds",
    help: "Age of the oldest delivery still pending, 0 when none",
    collect: backlog(({ oldestPendingAt }) =>
      oldestPendingAt === undefined ? 0 : Math.max(0, (Date.now() - oldestPendingAt) / 1000),
    ),
  });
  make.gauge({
    name: "xmpp_rest_outbox_depth",
    help: "Several processes: stanzas accepted and waiting in the outbox for the process holding the link",
    collect: async (set) => {
      if (sources.outboxDepth) set({}, await sources.outboxDepth());
    },
  });
  make.gauge<"kind">({
    name: "xmpp_rest_stream_consumers",
    help: "Bot event consumers connected now, by kind (sse, websocket, long-poll)",
    labelNames: ["kind"],
    collect: (set) => {
      if (!sources.consumers) return;
      for (const [kind, n] of Object.entries(sources.consumers())) set({ kind }, n);
    },
  });
  return (given) => {
    sources = { ...sources, ...given };
  };
}

/** A registry of this bridge's metrics, with Node's process metrics (CPU, memory, event loop, GC). */
export function createMetrics({
  processMetrics = true,
}: {
  processMetrics?: boolean;
} = {}): Metrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });

  const make: Make = {
    counter: ({ name, help, labelNames = [] }) =>
      localValueMetric(registry, { name, help, labelNames, type: "counter" }),
    gauge: ({ name, help, labelNames = [], collect }) =>
      localValueMetric(registry, {
        name,
        help,
        labelNames,
        type: "gauge",
        ...(collect ? { collect } : {}),
      }),
    histogram: ({ name, help, labelNames = [], buckets = LATENCY_BUCKETS }) =>
      localHistogram(registry, { name, help, labelNames, buckets }),
  };

  return {
    enabled: true,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    ...make,
    ...builtIns(make),
    readFrom: scrapeGauges(make),
  };
}

const noop = () => {};
const noSeries = { inc: noop, dec: noop, set: noop };
const noCounter = { inc: noop, labels: () => noSeries };
const noGauge = { set: noop, inc: noop, dec: noop, labels: () => noSeries };
const noHistogram = { observe: noop };
const noMake: Make = {
  counter: () => noCounter,
  gauge: () => noGauge,
  histogram: () => noHistogram,
};

/** Metrics turned off: every instrument does nothing. A constant, shared safely. */
export const noMetrics: Metrics = Object.freeze({
  enabled: false,
  render: async () => ({ contentType: "text/plain; version=0.0.4; charset=utf-8", body: "" }),
  readFrom: noop,
  ...noMake,
  ...builtIns(noMake),
});
