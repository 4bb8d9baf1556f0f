import { type JsonStanza, stanzaToJson } from "../formats/json/index.js";
import { parseXmlElement } from "../formats/xml.js";
import type { StoredEvent } from "../store/events.js";

/** The one event shape of SSE, WebSocket and long-poll. */
export interface EventJson {
  readonly id: string;
  /** RFC 3339. */
  readonly time: string;
  /** The stanza in the JSON mapping (README, "The JSON mapping"). */
  readonly stanza: JsonStanza;
  /** The stanza as XML, when the consumer asked for it (`?format=xml`). */
  readonly xml?: string;
}

export interface EventFormat {
  /** Add the raw XML beside the JSON mapping. */
  readonly xml: boolean;
}

/**
 * The JSON form of a stored event. A stanza the mapping cannot express (it
 * never should happen: the log holds what the server sent) still reaches the
 * consumer, as `{}` with its XML, rather than stopping the stream at it.
 */
export function eventJson(event: StoredEvent, format: EventFormat): EventJson {
  let stanza: JsonStanza | undefined;
  try {
    stanza = stanzaToJson(parseXmlElement(event.stanza).root);
  } catch {}
  // The store keeps milliseconds; consumers get RFC 3339.
  const time = new Date(event.time).toISOString();
  if (stanza === undefined) {
    return { id: event.id, time, stanza: {} as JsonStanza, xml: event.stanza };
  }
  return format.xml
    ? { id: event.id, time, stanza, xml: event.stanza }
    : { id: event.id, time, stanza };
}
