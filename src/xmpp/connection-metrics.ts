import {
  type CounterSeries,
  type GaugeSeries,
  IQ_OUTCOMES,
  type IqOutcome,
  type KindLabel,
  type Metrics,
} from "../metrics.js";
import { STANZA_KIND_LIST } from "../stanza/kinds.js";
import type { IqTrackerMetrics } from "./iq-tracker.js";
import { CONNECTION_STATES, type ConnectionState } from "./supervisor.js";

export type ConnectionInstruments = Pick<
  Metrics,
  "stanzasSent" | "stanzasReceived" | "iqPending" | "iqOutcomes" | "linkState" | "linkReconnects"
>;

/** One connection's series of the bridge's instruments, bound once to its name. */
export interface ConnectionMetrics {
  readonly sent: Readonly<Record<KindLabel, CounterSeries>>;
  readonly received: Readonly<Record<KindLabel, CounterSeries>>;
  readonly state: Readonly<Record<ConnectionState, GaugeSeries>>;
  readonly reconnects: CounterSeries;
  readonly iqs: IqTrackerMetrics;
}

const KIND_LABELS: readonly KindLabel[] = [...STANZA_KIND_LIST, "other"];

function each<K extends string, V>(keys: readonly K[], value: (key: K) => V): Record<K, V> {
  return Object.fromEntries(keys.map((key) => [key, value(key)])) as Record<K, V>;
}

/**
 * Every series a connection updates, looked up here once: a stanza then costs a property
 * read and an addition, never a label lookup (the send path is benchmarked).
 */
export function connectionMetrics(
  metrics: ConnectionInstruments,
  connection: string,
): ConnectionMetrics {
  return {
    sent: each(KIND_LABELS, (kind) => metrics.stanzasSent.labels({ connection, kind })),
    received: each(KIND_LABELS, (kind) => metrics.stanzasReceived.labels({ connection, kind })),
    state: each(CONNECTION_STATES, (state) => metrics.linkState.labels({ connection, state })),
    reconnects: metrics.linkReconnects.labels({ connection }),
    iqs: {
      pending: metrics.iqPending.labels({ connection }),
      outcomes: each<IqOutcome, CounterSeries>(IQ_OUTCOMES, (outcome) =>
        metrics.iqOutcomes.labels({ connection, outcome }),
      ),
    },
  };
}

/**
 * State gauges for one of many connections that share a label (the accounts' "account"): each
 * counts the connections in that state, so 10,000 accounts make one series per state, not
 * 10,000. `stopped` is not counted (a stopped session is gone).
 */
export function countedStates(
  shared: Readonly<Record<ConnectionState, GaugeSeries>>,
): Record<ConnectionState, GaugeSeries> {
  return each(CONNECTION_STATES, (state) => {
    let counted = false;
    const set = (value: number) => {
      if (state === "stopped" || value > 0 === counted) return;
      counted = value > 0;
      if (counted) shared[state].inc();
      else shared[state].dec();
    };
    return { set, inc: () => set(1), dec: () => set(0) };
  });
}
