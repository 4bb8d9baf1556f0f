import type { Element } from "@xmpp/xml";
import { StanzaError } from "../stanza/errors.js";
import type { ExpectOptions, IqReply, IqTracker } from "./iq-tracker.js";

/**
 * Sends an iq and waits for its reply (or, for an error reply, that reply) through the
 * pending-iq tracker. The wait is registered before the send, so a reply that comes back
 * at once is never missed; a send that fails ends the wait with its error (503 for anything
 * that is not already a StanzaError), so the caller always awaits one promise and a failed
 * send can never leave a rejected wait behind unobserved.
 */
export async function requestIq(
  link: { send(stanza: Element): Promise<void> },
  iqs: Pick<IqTracker, "expect" | "cancel">,
  iq: Element,
  timeoutMs: number,
  options: ExpectOptions = {},
): Promise<IqReply> {
  const { id = "", to = "" } = iq.attrs;
  const reply = iqs.expect(id, to, timeoutMs, options);
  try {
    await link.send(iq);
  } catch (err) {
    iqs.cancel(
      id,
      err instanceof StanzaError
        ? err
        : new StanzaError("wait", "service-unavailable", { status: 503, cause: err }),
    );
  }
  return reply;
}
