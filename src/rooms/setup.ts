/**
 * What a join may ask beyond entering (README, "Rooms"; esl/MongooseIM#1762: create and add
 * members in one request): a configuration and members, all done before the join answers.
 */

import { setAffiliation } from "./admin.js";
import { roomAsk } from "./ask.js";
import { hasChanges, type RoomConfig } from "./config.js";
import { notPermitted } from "./errors.js";
import { configureNewRoom, submitConfig } from "./owner.js";
import type { RoomState } from "./state.js";

export interface RoomSetup {
  /** The configuration to give the room. */
  readonly config?: RoomConfig | undefined;
  /** Bare JIDs made members (§9.3). */
  readonly members?: readonly string[] | undefined;
}

/** Whether a join asks for a setup (then a room it creates is not an instant room). */
export function wantsSetup(setup: RoomSetup): boolean {
  return (
    (setup.config !== undefined && hasChanges(setup.config)) || (setup.members?.length ?? 0) > 0
  );
}

/**
 * Sets the room up once the seat is in it. A room the seat created is configured from its
 * owner form (XEP-0045 §10.1.3); an existing one is changed (§10.2), which needs the seat to be
 * an owner (403 otherwise, before anything is sent). Members are added one request each
 * (§9.3; Prosody 0.12 acts on one item per request), which needs an admin or owner. Resolves
 * with what the service's form does not offer.
 */
export async function setUpRoom(
  state: RoomState,
  setup: RoomSetup,
  created: boolean,
  timeoutMs: number,
): Promise<string[]> {
  const ask = roomAsk(state, timeoutMs);
  const affiliation = state.occupants.get(state.nick)?.affiliation ?? "none";
  const { config, members = [] } = setup;
  const configure = config !== undefined && hasChanges(config);
  if (!created && configure && affiliation !== "owner") {
    throw notPermitted(state.seat.owner, state.room, "an owner", "§10.2");
  }
  if (!created && members.length > 0 && affiliation !== "owner" && affiliation !== "admin") {
    throw notPermitted(state.seat.owner, state.room, "an admin or owner", "§9.3");
  }
  let ignored: string[] = [];
  if (configure) {
    ignored = await (created ? configureNewRoom(ask, config) : submitConfig(ask, config));
  } else if (created) {
    // Members only: the room is still locked until its form is submitted (§10.1.3).
    await configureNewRoom(ask, {});
  }
  for (const jid of members) await setAffiliation(ask, jid, "member");
  return ignored;
}
