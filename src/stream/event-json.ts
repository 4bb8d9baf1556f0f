import type { Element } from "@xmpp/xml";
import { contactEvent, type JsonContactEvent } from "../formats/json/contact-event.js";
import { type JsonStanza, type JsonStanzaEvent, stanzaToJson } from "../formats/json/index.js";
import { stanzaEvent } from "../formats/json/message-event.js";
import { parseXmlElement } from "../formats/xml.js";
import type { StoredEvent } from "../store/events.js";

/** The one event shape of SSE, WebSocket and long-poll. */
export interface EventJson {
  readonly id: string;
  /** RFC 3339. */
  readonly time: string;
  /**
   * What a message means (README, "Messages, files and commands"), or what a presence or
   * roster push means for an account (README, "Accounts"), typed, when it says something.
   */
  readonly event?: JsonStanzaEvent | JsonContactEvent;
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
  let element: Element | undefined;
  let stanza: JsonStanza | undefined;
  try {
    element = parseXmlElement(event.stanza).root;
    stanza = stanzaToJson(element);
  } catch {}
  // The store keeps milliseconds; consumers get RFC 3339.
  const time = new Date(event.time).toISOString();
  if (stanza === undefined || element === undefined) {
    return { id: event.id, time, stanza: {} as JsonStanza, xml: event.stanza };
  }
  // Typed when read, from the stored stanza (the truth): old events get it too, and the log
  // keeps one form.
  const typed = stanzaEvent(element) ?? contactEvent(element);
  return {
    id: event.id,
    time,
    ...(typed ? { event: typed } : {}),
    stanza,
    ...(format.xml ? { xml: event.stanza } : {}),
  };
}
