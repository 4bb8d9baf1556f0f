import xml, { type Element } from "@xmpp/xml";
import { NS } from "../stanza/ns.js";

/**
 * What the bridge says about each bot (XEP-0030 §3.1); the features it answers itself (XEP-0050
 * §2.1: commands, whose list the bridge answers from what the bot declared).
 */
const FEATURES = [NS.discoInfo, NS.ping, NS.commands] as const;

function result(iq: Element, ...children: Element[]): Element {
  const { from = "", to = "", id = "" } = iq.attrs;
  return xml("iq", { type: "result", from: to, to: from, id }, ...children);
}

/**
 * The answer the bridge gives on a bot's behalf, so that clients see a
 * well-behaved entity whether or not the bot is listening: disco#info without a
 * node (XEP-0030 §3.1: identity client/bot) and ping (XEP-0199 §4.2). Undefined
 * when the stanza is for the bot itself.
 */
export function automaticAnswer(stanza: Element, botName: string): Element | undefined {
  if (stanza.name !== "iq" || stanza.attrs.type !== "get") return undefined;
  const children = stanza.getChildElements();
  const [query] = children;
  if (!query || children.length !== 1) return undefined;
  if (query.name === "ping" && query.attrs.xmlns === NS.ping) return result(stanza);
  if (query.name === "query" && query.attrs.xmlns === NS.discoInfo && !query.attrs.node) {
    return result(
      stanza,
      xml(
        "query",
        { xmlns: NS.discoInfo },
        xml("identity", { category: "client", type: "bot", name: botName }),
        ...FEATURES.map((feature) => xml("feature", { var: feature })),
      ),
    );
  }
  return undefined;
}
