/**
 * Instruments kept in plain numbers here and rendered by prom-client's registry exactly as its
 * own Counter, Gauge and Histogram render (same lines, same label order). They are on the
 * stanza and request paths: prom-client validated and hashed the label object on every
 * update (about 1.5 µs a request); here a series is found by one string key, or, bound once
 * with labels(), not looked up at all.
 */
import type { Metric, MetricValueWithName, Registry } from "prom-client";

export type PromLabels = Partial<Record<string, string | number>>;

export type Labels<L extends string> = Readonly<Record<L, string | number>>;

/** One series of a counter, its labels fixed: inc() costs an addition. */
export interface CounterSeries {
  inc(value?: number): void;
}

/** One series of a gauge, its labels fixed. */
export interface GaugeSeries extends CounterSeries {
  set(value: number): void;
  dec(value?: number): void;
}

export interface CounterMetric<L extends string = never> {
  inc(labels: Labels<L>, value?: number): void;
  /** The series with these labels, found once (bind it where the labels are known, e.g. per connection). */
  labels(labels: Labels<L>): CounterSeries;
}

export interface GaugeMetric<L extends string = never> {
  set(labels: Labels<L>, value: number): void;
  inc(labels: Labels<L>, value?: number): void;
  dec(labels: Labels<L>, value?: number): void;
  labels(labels: Labels<L>): GaugeSeries;
}

export interface HistogramMetric<L extends string = never> {
  /** Records one observation, in seconds. */
  observe(labels: Labels<L>, seconds: number): void;
}

interface Described<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
}

/** Registers what the registry reads of a metric: its name, help, type and values at scrape time. */
function register(
  registry: Registry,
  { name, help }: { name: string; help: string },
  type: "counter" | "gauge" | "histogram",
  values: () => Promise<MetricValueWithName<string>[]> | MetricValueWithName<string>[],
  reset: () => void,
): void {
  const metric = {
    name,
    help,
    type,
    aggregator: "sum",
    get: async () => ({ name, help, type, aggregator: "sum", values: await values() }),
    reset,
  };
  registry.registerMetric(metric as unknown as Metric<string>);
}

/** The series of one metric by label values, each made on first use. */
function seriesTable<L extends string, S>(labelNames: readonly L[], make: (own: PromLabels) => S) {
  const series = new Map<string, S>();
  const find = (labels: Labels<L>): S => {
    let key = "";
    for (const label of labelNames) key += `${labels[label]}\u0000`;
    let s = series.get(key);
    if (!s) {
      const own: PromLabels = {};
      for (const label of labelNames) own[label] = labels[label];
      s = make(own);
      series.set(key, s);
    }
    return s;
  };
  return { series, find };
}

interface Cell {
  readonly labels: PromLabels;
  value: number;
}

/**
 * A counter or gauge. As prom-client's, one without labels shows 0 before its first update;
 * a gauge's `collect` runs at each scrape (awaited) before its values are read.
 */
export function localValueMetric<L extends string>(
  registry: Registry,
  config: Described<L> & {
    readonly type: "counter" | "gauge";
    readonly collect?: (set: (labels: Labels<L>, value: number) => void) => void | Promise<void>;
  },
): GaugeMetric<L> {
  const { labelNames, type, collect } = config;
  const { series, find } = seriesTable(labelNames, (labels): Cell => ({ labels, value: 0 }));
  const zero = () => {
    if (labelNames.length === 0) find({} as Labels<L>);
  };
  zero();
  const add = (cell: Cell, value: number) => {
    if (type === "counter" && value < 0)
      throw new Error(`${config.name}: a counter never goes down`);
    cell.value += value;
  };
  // Bound series appear in the exposition at their first update, as prom-client's do.
  const bind = (labels: Labels<L>): GaugeSeries => {
    let found: Cell | undefined;
    const cell = () => {
      found ??= find(labels);
      return found;
    };
    return {
      inc: (value = 1) => add(cell(), value),
      dec: (value = 1) => add(cell(), -value),
      set: (value) => {
        cell().value = value;
      },
    };
  };
  const values = async () => {
    if (collect) {
      await collect((labels, value) => {
        find(labels).value = value;
      });
    }
    return [...series.values()].map(
      ({ labels, value }) => ({ value, labels }) as MetricValueWithName<string>,
    );
  };
  register(registry, config, type, values, () => {
    series.clear();
    zero();
  });
  return {
    labels: (labels) => bind({ ...labels }),
    inc: (labels, value = 1) => add(find(labels), value),
    dec: (labels, value = 1) => add(find(labels), -value),
    set: (labels, value) => {
      find(labels).value = value;
    },
  };
}

interface HistogramSeries {
  readonly labels: PromLabels;
  /** Observations per bucket (not cumulative); values above the last bound are only in count. */
  readonly counts: number[];
  sum: number;
  count: number;
}

export function localHistogram<L extends string>(
  registry: Registry,
  config: Described<L> & { readonly buckets: readonly number[] },
): HistogramMetric<L> {
  const { name } = config;
  const bounds = [...config.buckets].sort((a, b) => a - b);
  const { series, find } = seriesTable(
    config.labelNames,
    (labels): HistogramSeries => ({ labels, counts: bounds.map(() => 0), sum: 0, count: 0 }),
  );

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
  register(registry, config, "histogram", values, () => series.clear());

  return {
    observe(labels, seconds) {
      const s = find(labels);
      // prom-client's rule: the first bucket whose bound is at least the value.
      let i = 0;
      while (i < bounds.length && seconds > (bounds[i] as number)) i += 1;
      if (i < bounds.length) s.counts[i] = (s.counts[i] ?? 0) + 1;
      s.sum += seconds;
      s.count += 1;
    },
  };
}
