/**
 * What a room's owner does through the owner protocol (XEP-0045 §10): configure a room it
 * just created (§10.1.3), read and change the configuration (§10.2), destroy the room (§10.9).
 */
import type { Element } from "@xmpp/xml";
import { StanzaError } from "../stanza/errors.js";
import { NS } from "../stanza/ns.js";
import { askRoom, type RoomAsk } from "./ask.js";
import type { RoomConfig, RoomConfigView } from "./config.js";
import { fillConfigForm, readConfigForm } from "./config-form.js";
import { cancelledForm, destroyRequest, ownerIq } from "./stanzas.js";

export interface ConfigChanged {
  readonly config: RoomConfigView;
  /** What the service's form does not offer: API names, or `other` vars. */
  readonly ignored: readonly string[];
}

/** The room's owner form (§10.1.3, §10.2): its data form, 502 when the answer holds none. */
export async function fetchConfigForm(ask: RoomAsk): Promise<Element> {
  const reply = await askRoom(ask, (id) => ownerIq("get", ask.from, ask.room, id));
  const form = reply.getChild("query", NS.mucOwner)?.getChild("x", NS.data);
  if (!form) {
    throw new StanzaError("cancel", "undefined-condition", {
      text: `${ask.room} answered the request for its configuration without a form`,
      status: 502,
      by: ask.room,
    });
  }
  return form;
}

/** Fills the owner form with `config` and submits it; resolves with what the form lacks. */
export async function submitConfig(ask: RoomAsk, config: RoomConfig): Promise<string[]> {
  const { submit, ignored } = fillConfigForm(await fetchConfigForm(ask), config);
  await askRoom(ask, (id) => ownerIq("set", ask.from, ask.room, id, submit));
  return ignored;
}

export async function readConfig(ask: RoomAsk): Promise<RoomConfigView> {
  return readConfigForm(await fetchConfigForm(ask));
}

/** §10.2: changes the configuration and answers it as the room now has it. */
export async function changeConfig(ask: RoomAsk, config: RoomConfig): Promise<ConfigChanged> {
  const ignored = await submitConfig(ask, config);
  return { config: await readConfig(ask), ignored };
}

/**
 * §10.1.3: a room the seat has just created, configured from its form before anyone else may
 * enter. When the room refuses the form (a value it does not take), the configuration is
 * cancelled, which destroys the room, and the refusal is thrown: a room never opens with
 * another configuration than the one asked for (members-only asked, open got).
 */
export async function configureNewRoom(ask: RoomAsk, config: RoomConfig): Promise<string[]> {
  try {
    return await submitConfig(ask, config);
  } catch (err) {
    await askRoom(ask, (id) => ownerIq("set", ask.from, ask.room, id, cancelledForm())).catch(
      () => {},
    );
    throw err;
  }
}

export interface Destruction {
  readonly reason?: string | undefined;
  /** A room to go to instead (its bare JID). */
  readonly alternate?: string | undefined;
}

/** §10.9: destroys the room; every occupant is told the reason and the alternate. */
export async function destroyRoom(ask: RoomAsk, destruction: Destruction): Promise<void> {
  const destroy = destroyRequest(destruction.reason, destruction.alternate);
  await askRoom(ask, (id) => ownerIq("set", ask.from, ask.room, id, destroy));
}
