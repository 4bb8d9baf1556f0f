/** How the stream readers pace themselves; one object so tests can shorten them. */
export interface StreamLimits {
  /** Events read from the store per write. */
  readonly batch: number;
  /** Idle time after which SSE sends a comment and WebSocket a ping, so proxies keep it open. */
  readonly heartbeatMs: number;
  /** A consumer whose connection has taken nothing for this long while events wait is cut off. */
  readonly stallMs: number;
  /** How often consumers are checked for stalls. */
  readonly checkEveryMs: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  batch: 100,
  heartbeatMs: 15_000,
  stallMs: 30_000,
  checkEveryMs: 1_000,
};

/** The close reason a stalled consumer is given (SSE `close` event, WebSocket close frame). */
export const SLOW_CONSUMER = "slow consumer: the connection took no data for too long";
