import { parseXmlElement } from "../xml.js";
import { stanzaToJson } from "./index.js";
import { messageEvent } from "./message-event.js";
import type { JsonMessageEvent, JsonStanza } from "./types.js";

/** A stored stanza (XML text) in the JSON mapping, for a history answer; null if it no longer parses. */
export function storedStanzaJson(xml: string): JsonStanza | null {
  try {
    return stanzaToJson(parseXmlElement(xml).root);
  } catch {
    return null;
  }
}

/** A stored message's typed event (./message-event.ts); undefined if it says none or no longer parses. */
export function storedMessageEvent(xml: string): JsonMessageEvent | undefined {
  try {
    return messageEvent(parseXmlElement(xml).root);
  } catch {
    return undefined;
  }
}
