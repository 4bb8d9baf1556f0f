import { parseXmlElement } from "../xml.js";
import { stanzaToJson } from "./index.js";
import type { JsonStanza } from "./types.js";

/** A stored stanza (XML text) in the JSON mapping, for a history answer; null if it no longer parses. */
export function storedStanzaJson(xml: string): JsonStanza | null {
  try {
    return stanzaToJson(parseXmlElement(xml).root);
  } catch {
    return null;
  }
}
