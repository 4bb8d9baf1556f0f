/**
 * Prometheus metrics: one registry per bridge (tests run several bridges in one
 * process, so nothing lives at module level), passed to the factories that count
 * things. Modules added later (durable delivery, bots) create their instruments
 * through counter()/gauge()/histogram() on the same collaborator:
 *
 *   const deadLetters = metrics.counter({
 *     name: "xmpp_rest_webhook_dead_letters_total",
 *     help: "Deliveries given up after the last retry",
 *     labelNames: ["reason"],
 *   });
 *   deadLetters.inc({ reason: "timeout" });
 *
 *   metrics.gauge({ name: "xmpp_rest_webhook_retry_backlog", help: "...",
 *                   collect: (set) => set({}, store.backlogSize()) });
 *
 * With metrics off every instrument is a no-op, so callers never check.
 */
import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  type Metric,
  type MetricValueWithName,
  Registry,
} from "prom-client";
import { isStanzaKind } from "./stanza/kinds.js";

type PromLabels = Partial<Record<string, string | number>>;

export type Labels<L extends string> = Readonly<Record<L, string | number>>;

export interface CounterMetric<L extends string = never> {
  inc(labels: Labels<L>, value?: number): void;
}

export interface GaugeMetric<L extends string = never> {
  set(labels: Labels<L>, value: number): void;
  inc(labels: Labels<L>, value?: number): void;
  dec(labels: Labels<L>, value?: number): void;
}

export interface HistogramMetric<L extends string = never> {
  /** Records one observation, in seconds. */
  observe(labels: Labels<L>, seconds: number): void;
}

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

/** What an inbound or outbound stanza is counted as: its kind, or `other`. */
export type StanzaKindLabel = "kind";
export type IqOutcome = "result" | "error" | "timeout" | "cancelled";

export interface Metrics {
  /** False when the operator turned metrics off: instruments do nothing, /metrics is absent. */
  readonly enabled: boolean;
  /** The Prometheus text exposition of everything registered. */
  render(): Promise<{ contentType: string; body: string }>;
  counter<L extends string = never>(config: MetricConfig<L>): CounterMetric<L>;
  gauge<L extends string = never>(config: GaugeConfig<L>): GaugeMetric<L>;
  histogram<L extends string = never>(config: HistogramConfig<L>): HistogramMetric<L>;

  // The bridge's own instruments, created with the collaborator.
  readonly stanzasSent: CounterMetric<StanzaKindLabel>;
  readonly stanzasReceived: CounterMetric<StanzaKindLabel>;
  readonly httpRequests: HistogramMetric<"method" | "route" | "status">;
  readonly iqOutcomes: CounterMetric<"outcome">;
  readonly webhookDeliveries: HistogramMetric<"outcome">;
  readonly linkReconnects: CounterMetric;
}

/** From a fast local answer to an iq long-poll (the default iq timeout is 120 s). */
export const LATENCY_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
];

/** Label value for a stanza's kind; anything else a server might send is `other`. */
export function kindLabel(name: string): string {
  return isStanzaKind(name) ? name : "other";
}

function builtIns(
  make: Pick<Metrics, "counter" | "histogram">,
): Pick<
  Metrics,
  | "stanzasSent"
  | "stanzasReceived"
  | "httpRequests"
  | "iqOutcomes"
  | "webhookDeliveries"
  | "linkReconnects"
> {
  return {
    stanzasSent: make.counter({
      name: "xmpp_rest_stanzas_sent_total",
      help: "Stanzas handed to the XMPP server, by kind",
      labelNames: ["kind"],
    }),
    stanzasReceived: make.counter({
      name: "xmpp_rest_stanzas_received_total",
      help: "Stanzas received from the XMPP server, by kind",
      labelNames: ["kind"],
    }),
    httpRequests: make.histogram({
      name: "xmpp_rest_http_request_duration_seconds",
      help: "HTTP requests by route and status, with their latency (_count is the number of requests)",
      labelNames: ["method", "route", "status"],
    }),
    iqOutcomes: make.counter({
      name: "xmpp_rest_iq_outcomes_total",
      help: "iqs sent over HTTP, by how they ended: result, error, timeout, cancelled (link down, shutdown)",
      labelNames: ["outcome"],
    }),
    webhookDeliveries: make.histogram({
      name: "xmpp_rest_webhook_delivery_duration_seconds",
      help: "Webhook calls by outcome (2xx, 4xx, 5xx, timeout, unreachable, too-large, refused), with their latency",
      labelNames: ["outcome"],
    }),
    linkReconnects: make.counter({
      name: "xmpp_rest_link_reconnects_total",
      help: "Connection attempts to the XMPP server after the first",
    }),
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

  const make: Pick<Metrics, "counter" | "gauge" | "histogram"> = {
    // (prom-client awaits a collect() that returns a promise before it renders the gauge.)
    counter<L extends string = never>({ name, help, labelNames = [] }: MetricConfig<L>) {
      const counter = new Counter<string>({ name, help, labelNames, registers: [registry] });
      return { inc: (labels, value = 1) => counter.inc(labels as PromLabels, value) };
    },
    gauge<L extends string = never>({ name, help, labelNames = [], collect }: GaugeConfig<L>) {
      const gauge: Gauge<string> = new Gauge<string>({
        name,
        help,
        labelNames,
        registers: [registry],
        ...(collect
          ? { collect: () => collect((labels, value) => gauge.set(labels as PromLabels, value)) }
          : {}),
      });
      return {
        set: (labels, value) => gauge.set(labels as PromLabels, value),
        inc: (labels, value = 1) => gauge.inc(labels as PromLabels, value),
        dec: (labels, value = 1) => gauge.dec(labels as PromLabels, value),
      };
    },
    histogram<L extends string = never>({
      name,
      help,
      labelNames = [],
      buckets = LATENCY_BUCKETS,
    }: HistogramConfig<L>) {
      return localHistogram(registry, { name, help, labelNames, buckets });
    },
  };

  return {
    enabled: true,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    ...make,
    ...builtIns(make),
  };
}

interface Series {
  readonly labels: PromLabels;
  /** Observations per bucket (not cumulative); values above the last bound are only in count. */
  readonly counts: number[];
  sum: number;
  count: number;
}

/**
 * A histogram kept here and rendered by the registry as prom-client renders its own (same
 * lines, same label order). Observing is on the request path: prom-client's Histogram
 * validated and hashed the label object on every observation (about 1.5 µs a request); here
 * it is one string key and a Map lookup.
 */
function localHistogram<L extends string>(
  registry: Registry,
  config: { name: string; help: string; labelNames: readonly L[]; buckets: readonly number[] },
): HistogramMetric<L> {
  const { name, help, labelNames } = config;
  const bounds = [...config.buckets].sort((a, b) => a - b);
  const series = new Map<string, Series>();

  const values = (): MetricValueWithName<string>[] => {
    const out: MetricValueWithName<string>[] = [];
    for (const s of series.values()) {
      // prom-client's shape: `le` as the line's own label, the series' labels shared.
      const line = (metricName: string, value: number, labels: PromLabels = {}) =>
        out.push({
          metricName,
          value,
          labels,
          sharedLabels: s.labels,
        } as MetricValueWithName<string>);
      let cumulative = 0;
      bounds.forEach((le, i) => {
        cumulative += s.counts[i] ?? 0;
        line(`${name}_bucket`, cumulative, { le });
      });
      line(`${name}_bucket`, s.count, { le: "+Inf" });
      line(`${name}_sum`, s.sum);
      line(`${name}_count`, s.count);
    }
    return out;
  };
  // What the registry reads of a metric: its name, help, type and the values at scrape time.
  const metric = {
    name,
    help,
    type: "histogram",
    aggregator: "sum",
    get: async () => ({ name, help, type: "histogram", aggregator: "sum", values: values() }),
    reset: () => series.clear(),
  };
  registry.registerMetric(metric as unknown as Metric<string>);

  return {
    observe(labels, seconds) {
      let key = "";
      for (const label of labelNames) key += `${labels[label]}\u0000`;
      let s = series.get(key);
      if (!s) {
        const own: PromLabels = {};
        for (const label of labelNames) own[label] = labels[label];
        s = { labels: own, counts: bounds.map(() => 0), sum: 0, count: 0 };
        series.set(key, s);
      }
      // prom-client's rule: the first bucket whose bound is at least the value.
      let i = 0;
      while (i < bounds.length && seconds > (bounds[i] as number)) i += 1;
      if (i < bounds.length) s.counts[i] = (s.counts[i] ?? 0) + 1;
      s.sum += seconds;
      s.count += 1;
    },
  };
}

const noop = () => {};
const noCounter = { inc: noop };
const noGauge = { set: noop, inc: noop, dec: noop };
const noHistogram = { observe: noop };

/** Metrics turned off: every instrument does nothing. A constant, shared safely. */
export const noMetrics: Metrics = Object.freeze({
  enabled: false,
  render: async () => ({ contentType: "text/plain; version=0.0.4; charset=utf-8", body: "" }),
  counter: () => noCounter,
  gauge: () => noGauge,
  histogram: () => noHistogram,
  ...builtIns({ counter: () => noCounter, histogram: () => noHistogram }),
});
