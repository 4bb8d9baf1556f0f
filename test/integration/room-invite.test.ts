import xml from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.js";
import { type Invitation, type InviteOutcome, invite } from "../../src/rooms/invite.js";
import { StanzaError } from "../../src/stanza/errors.js";
import { createLink, type Link } from "../../src/xmpp/link.js";
import { grantMembership, joinRoom } from "../helpers/room-user.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const MUC_USER = "http://jabber.org/protocol/muc#user";

// The invitation module on a bare component link whose address joins the room by hand.
let server: XmppServer;
let link: Link;
let alice: XmppUser;
let bob: XmppUser;
let invitations: { invite(invitation: Invitation): Promise<InviteOutcome> };
let room: string;
let closedRoom: string;
let botJid: string;
const selfPresence = new Map<string, () => void>();

/** The bot's address enters a room by hand (XEP-0045 §7.2), as the rooms module does. */
async function botJoins(target: string): Promise<void> {
  const inside = new Promise<void>((resolve) => selfPresence.set(`${target}/bot`, resolve));
  await link.send(
    xml(
      "presence",
      { from: botJid, to: `${target}/bot` },
      xml("x", { xmlns: "http://jabber.org/protocol/muc" }),
    ),
  );
  await inside;
}

beforeAll(async () => {
  server = await startXmppServer({
    users: [
      { username: "alice", password: "alice-pw" },
      { username: "bob", password: "bob-pw" },
    ],
  });
  link = createLink({
    service: server.service,
    domain: server.componentDomain,
    secret: server.componentSecret,
    log: silentLogger,
  });
  room = `invite-test@${server.mucDomain}`;
  closedRoom = `closed-invites@${server.mucDomain}`;
  botJid = `bot@${server.componentDomain}/rooms`;
  // The link's own tracker and bounce watcher take their replies before this sees them.
  link.onStanza((stanza) => {
    if (stanza.name === "presence" && stanza.attrs.type !== "error") {
      selfPresence.get(stanza.attrs.from ?? "")?.();
    }
  });
  link.start();
  await link.waitOnline(10_000);
  invitations = { invite: (invitation) => invite(link, invitation) };
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
  bob = await connectUser({ c2sPort: server.c2sPort, username: "bob", password: "bob-pw" });
  // ejabberd refuses invitations from occupants unless the room allows them (its default
  // allow_user_invites is false); Prosody's open rooms take them from anyone.
  await joinRoom(alice, room, "alice", { config: { "muc#roomconfig_allowinvites": "1" } });
  await botJoins(room);
  // A members-only room where members may not invite: both servers refuse the bot's.
  await joinRoom(alice, closedRoom, "alice", {
    config: { "muc#roomconfig_membersonly": "1", "muc#roomconfig_allowinvites": "0" },
  });
  await grantMembership(alice, closedRoom, `bot@${server.componentDomain}`);
  await botJoins(closedRoom);
});

afterAll(async () => {
  await alice?.stop();
  await bob?.stop();
  await link?.stop();
  await server?.stop();
});

describe("mediated invitations (XEP-0045 §7.8.2)", () => {
  it("reaches the invitee as an invitation from the room, naming the bot and the reason", async () => {
    const outcome = await invitations.invite({
      from: botJid,
      room,
      jid: "bob@localhost",
      reason: "come and see",
    });
    expect(outcome.confirmed).toBe(true);
    const message = await bob.waitFor(
      (s) => s.name === "message" && s.attrs.from === room && !!s.getChild("x", MUC_USER),
    );
    const invite = message.getChild("x", MUC_USER)?.getChild("invite");
    expect(invite?.getChildText("reason")).toBe("come and see");
    // XEP-0045 §7.8.2 lets the room name the inviter by bare, full or occupant JID:
    // ejabberd gives the real JID, Prosody 0.12 the occupant JID.
    expect([botJid, `bot@${server.componentDomain}`, `${room}/bot`]).toContain(invite?.attrs.from);
  });

  it("turns the room's refusal into a StanzaError", async () => {
    const err = await invitations
      .invite({ from: botJid, room: closedRoom, jid: "bob@localhost" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StanzaError);
    // Prosody: forbidden (members may not invite); ejabberd: not-allowed (allow_user_invites).
    const expected = server.kind === "prosody" ? ["forbidden", 403] : ["not-allowed", 405];
    expect([(err as StanzaError).condition, (err as StanzaError).status]).toEqual(expected);
  });

  it("answers 404 for a room that does not exist", async () => {
    const err = await invitations
      .invite({ from: botJid, room: `no-such-room@${server.mucDomain}`, jid: "bob@localhost" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StanzaError);
    expect((err as StanzaError).condition).toBe("item-not-found");
    expect((err as StanzaError).status).toBe(404);
  });
});
