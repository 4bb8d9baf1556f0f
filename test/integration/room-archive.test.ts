import type { Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.js";
import { createRoomArchive, type RoomArchive } from "../../src/rooms/archive.js";
import { StanzaError } from "../../src/stanza/errors.js";
import { createLink, type Link } from "../../src/xmpp/link.js";
import { joinRoom, sayInRoom } from "../helpers/room-user.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

// The archive reader alone, on a bare component link: a room's archive is read by an
// address that never joined it (open rooms on Prosody 0.12; ejabberd with mam enabled).
let server: XmppServer;
let link: Link;
let alice: XmppUser;
let archive: RoomArchive;
let room: string;
const echoes: Element[] = [];
const said = ["one", "two", "three", "four", "five"].map((n) => `archived ${n}`);

beforeAll(async () => {
  server = await startXmppServer({ users: [{ username: "alice", password: "alice-pw" }] });
  link = createLink({
    service: server.service,
    domain: server.componentDomain,
    secret: server.componentSecret,
    log: silentLogger,
  });
  link.start();
  await link.waitOnline(10_000);
  // The link's own tracker takes the replies (and the archive's result messages).
  archive = createRoomArchive(link, 10_000);
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
  room = `archive-test@${server.mucDomain}`;
  await joinRoom(alice, room, "alice");
  for (const body of said) echoes.push(await sayInRoom(alice, room, body));
});

afterAll(async () => {
  await alice?.stop();
  await link?.stop();
  await server?.stop();
});

describe("room archive (XEP-0313 on the room's JID)", () => {
  it("pages a room's archive newest first with before cursors, to a non-member", async () => {
    const from = `bot@${server.componentDomain}`;
    const first = await archive.read({ from, room, max: 2 });
    expect(first.messages.map((m) => m.body)).toEqual(["archived five", "archived four"]);
    expect(first.messages[0]?.from).toBe(`${room}/alice`);
    expect(first.messages[0]?.nick).toBe("alice");
    expect(first.messages[0]?.type).toBe("groupchat");
    expect(first.messages[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(first.messages[0]?.stanza).toMatchObject({ kind: "message", body: "archived five" });
    expect(first.before).toBeDefined();

    const second = await archive.read({ from, room, max: 2, before: first.before });
    expect(second.messages.map((m) => m.body)).toEqual(["archived three", "archived two"]);
    const third = await archive.read({ from, room, max: 2, before: second.before });
    expect(third.messages.map((m) => m.body)).toEqual(["archived one"]);
    expect(third.before).toBeUndefined();
  });

  it("has the room stamp each live message with its archive id (XEP-0359 stanza-id by the room)", async () => {
    const page = await archive.read({ from: `bot@${server.componentDomain}`, room, max: 5 });
    const stamped = echoes.map(
      (echo) =>
        echo.getChildren("stanza-id", "urn:xmpp:sid:0").find((sid) => sid.attrs.by === room)?.attrs
          .id,
    );
    expect(stamped).toEqual(page.messages.map((m) => m.id).reverse());
  });

  it("answers the room's error for a room that does not exist", async () => {
    const err = await archive
      .read({
        from: `bot@${server.componentDomain}`,
        room: `no-such-room@${server.mucDomain}`,
        max: 5,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StanzaError);
    expect((err as StanzaError).status).toBe(404);
  });
});
