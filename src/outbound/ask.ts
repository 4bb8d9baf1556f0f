import type { AskIq } from "../messages/upload.js";
import { StanzaError } from "../stanza/errors.js";
import type { Outbound } from "./index.js";

/** An iq asked as an owner through the one way out; an error reply is thrown as its StanzaError. */
export function askAs(outbound: Outbound, timeoutMs: number): AskIq {
  return async (owner, iq) => {
    outbound.prepare(owner, iq);
    const { stanzas } = await outbound.send(owner, iq, { timeoutMs });
    const reply = stanzas[stanzas.length - 1];
    if (!reply || reply.attrs.type === "error") {
      const error = reply && StanzaError.fromElement(reply);
      throw new StanzaError(error?.type ?? "cancel", error?.condition ?? "undefined-condition", {
        text: error?.text ?? `${iq.attrs.to} answered an error`,
        by: error?.by ?? iq.attrs.to,
      });
    }
    return reply;
  };
}
