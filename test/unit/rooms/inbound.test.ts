import type { Element } from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { stanzaToJson } from "../../../src/formats/json/index.js";
import { parseXmlElement } from "../../../src/formats/xml.js";
import { botOwner } from "../../../src/owner.js";
import { type RoomEffects, roomMessage, roomPresence } from "../../../src/rooms/inbound.js";
import { RoomMessageIds } from "../../../src/rooms/message-ids.js";
import type { PendingEntry, RoomState } from "../../../src/rooms/state.js";
import type { StanzaError } from "../../../src/stanza/errors.js";
import { fakeLink } from "../../helpers/fake-link.js";

const ROOM = "lobby@muc.localhost";
const stanza = (text: string) => parseXmlElement(text).root;
const presence = (nick: string, inner: string, type = "") =>
  stanza(
    `<presence from="${ROOM}/${nick}" to="bot@rest.localhost/rooms"${type ? ` type="${type}"` : ""}><x xmlns="http://jabber.org/protocol/muc#user">${inner}</x></presence>`,
  );
const noteOf = (s: Element) => stanzaToJson(s).room_event;

function roomState(overrides: Partial<RoomState> = {}): RoomState {
  return {
    seat: {
      owner: botOwner("bot"),
      key: "bot:bot",
      address: "bot@rest.localhost/rooms",
      nick: "bot",
      connection: fakeLink("rest.localhost"),
    },
    room: ROOM,
    nick: "Bot",
    password: undefined,
    joinedAt: Date.now(),
    status: "joined",
    subject: undefined,
    occupants: new Map(),
    pending: undefined,
    ids: new RoomMessageIds(),
    ...overrides,
  };
}

function recorder() {
  const calls: string[] = [];
  const effects: RoomEffects = {
    removed: () => calls.push("removed"),
    suspended: () => calls.push("suspended"),
    said: (_s, _st, nick, body) => calls.push(`said ${nick}: ${body}`),
    subjectChanged: (_s, nick) => calls.push(`subject by ${nick}`),
    amended: (_s, targets, change) =>
      calls.push(
        `${change.kind} ${targets.map((t) => `${t.by}:${t.id}:${t.nick ?? ""}`).join(",")}`,
      ),
  };
  return { calls, effects };
}

function pendingEntry(mode: PendingEntry["mode"] = "join") {
  const seen: string[] = [];
  const entry: PendingEntry = {
    nick: "Bot",
    mode,
    selfSeen: false,
    created: false,
    history: false,
    entered: () => seen.push("entered"),
    refused: (e: StanzaError) => seen.push(`refused ${e.condition}`),
    abort: () => seen.push("aborted"),
    subjectSeen: () => seen.push("subject"),
  };
  return { entry, seen };
}

describe("presences while entering a room", () => {
  it("keeps the roster sent before the bot's own presence as the join's answer", () => {
    const { entry, seen } = pendingEntry();
    const state = roomState({ status: "joining", pending: entry });
    const { effects } = recorder();
    const alice = presence("alice", `<item affiliation="owner" role="moderator"/>`);
    expect(roomPresence(state, alice, effects)).toBe("consumed");
    const self = presence(
      "Bot",
      `<item affiliation="none" role="participant"/><status code="110"/><status code="201"/>`,
    );
    expect(roomPresence(state, self, effects)).toBe("room");
    expect(noteOf(self)).toMatchObject({ type: "joined", nick: "Bot", created: true });
    expect(seen).toEqual(["entered"]);
    expect(entry.created).toBe(true);
    expect([...state.occupants.keys()].sort()).toEqual(["Bot", "alice"]);
  });

  it("takes the nick the room assigned (status 210)", () => {
    const { entry } = pendingEntry();
    const state = roomState({ status: "joining", pending: entry });
    const self = presence(
      "Bot (2)",
      `<item role="participant"/><status code="110"/><status code="210"/>`,
    );
    roomPresence(state, self, recorder().effects);
    expect(state.nick).toBe("Bot (2)");
  });

  it("hands the room's error to the waiting join, and notes a refused re-join", () => {
    const error = stanza(
      `<presence type="error" from="${ROOM}/Bot"><error type="cancel"><conflict xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></presence>`,
    );
    const join = pendingEntry("join");
    expect(roomPresence(roomState({ pending: join.entry }), error, recorder().effects)).toBe(
      "consumed",
    );
    expect(join.seen).toEqual(["refused conflict"]);
    const rejoin = pendingEntry("rejoin");
    const again = stanza(error.toString());
    expect(roomPresence(roomState({ pending: rejoin.entry }), again, recorder().effects)).toBe(
      "room",
    );
    expect(noteOf(again)).toMatchObject({ type: "join-failed", reason: "conflict" });
  });
});

describe("presences once in", () => {
  it("notes occupants joining, changing, renaming and leaving", () => {
    const state = roomState();
    const { effects } = recorder();
    const came = presence("bob", `<item affiliation="none" role="participant" jid="bob@x/y"/>`);
    roomPresence(state, came, effects);
    expect(noteOf(came)).toMatchObject({ type: "occupant-joined", nick: "bob", jid: "bob@x/y" });
    const voiced = presence("bob", `<item affiliation="member" role="participant"/>`);
    roomPresence(state, voiced, effects);
    expect(noteOf(voiced)).toMatchObject({ type: "occupant-changed", affiliation: "member" });
    const renamed = presence(
      "bob",
      `<item nick="robert" role="participant"/><status code="303"/>`,
      "unavailable",
    );
    roomPresence(state, renamed, effects);
    expect(noteOf(renamed)).toMatchObject({ type: "occupant-renamed", new_nick: "robert" });
    expect(state.occupants.has("robert")).toBe(true);
    const kicked = presence(
      "robert",
      `<item role="none"><actor nick="Mod"/><reason>spam</reason></item><status code="307"/>`,
      "unavailable",
    );
    roomPresence(state, kicked, effects);
    expect(noteOf(kicked)).toMatchObject({
      type: "occupant-left",
      nick: "robert",
      cause: "kicked",
      actor: "Mod",
      reason: "spam",
    });
    expect(state.occupants.has("robert")).toBe(false);
  });

  it("forgets the room when the bot is kicked, banned or the room destroyed; keeps it on shutdown", () => {
    const cases: [string, string, string][] = [
      [`<item role="none"/><status code="307"/><status code="110"/>`, "kicked", "removed"],
      [
        `<item role="none" affiliation="outcast"/><status code="301"/><status code="110"/>`,
        "banned",
        "removed",
      ],
      [
        `<item role="none"/><destroy><reason>bye</reason></destroy><status code="110"/>`,
        "destroyed",
        "removed",
      ],
      [`<item role="none"/><status code="322"/><status code="110"/>`, "removed", "removed"],
      [`<item role="none"/><status code="332"/><status code="110"/>`, "shutdown", "suspended"],
    ];
    for (const [inner, type, effect] of cases) {
      const { calls, effects } = recorder();
      const out = presence("Bot", inner, "unavailable");
      expect(roomPresence(roomState(), out, effects)).toBe("room");
      expect(noteOf(out)?.type).toBe(type);
      expect(calls).toEqual([effect]);
    }
  });

  it("takes ejabberd's destruction presence without status 110 as the bot's own, with the alternate", () => {
    const { calls, effects } = recorder();
    const out = presence(
      "Bot",
      `<destroy jid="new@muc.localhost"><reason>moving</reason></destroy><item role="none" affiliation="none"/>`,
      "unavailable",
    );
    const state = roomState();
    state.occupants.set("Bot", { nick: "Bot", role: "moderator", affiliation: "owner" });
    expect(roomPresence(state, out, effects)).toBe("room");
    expect(noteOf(out)).toMatchObject({
      type: "destroyed",
      reason: "moving",
      alternate: "new@muc.localhost",
    });
    expect(calls).toEqual(["removed"]);
  });

  it("drops ejabberd's presences from the bare room", () => {
    const bare = stanza(`<presence from="${ROOM}" type="unavailable"/>`);
    expect(roomPresence(roomState(), bare, recorder().effects)).toBe("consumed");
  });
});

describe("messages from a room", () => {
  const groupchat = (nick: string, inner: string) =>
    stanza(`<message type="groupchat" from="${ROOM}${nick ? `/${nick}` : ""}">${inner}</message>`);

  it("notes and keeps live messages, marking the bot's own reflection", () => {
    const state = roomState();
    const { calls, effects } = recorder();
    const said = groupchat("alice", "<body>hi</body>");
    expect(roomMessage(state, said, effects)).toBe("room");
    expect(noteOf(said)).toEqual({ type: "message", room: ROOM, nick: "alice", self: false });
    const mine = groupchat("Bot", "<body>me</body>");
    roomMessage(state, mine, effects);
    expect(noteOf(mine)?.self).toBe(true);
    expect(calls).toEqual(["said alice: hi", "said Bot: me"]);
  });

  it("marks asked-for history while entering and does not keep it", () => {
    const { entry } = pendingEntry();
    const state = roomState({ pending: { ...entry, selfSeen: true, history: true } });
    const { calls, effects } = recorder();
    const old = groupchat(
      "alice",
      `<body>old</body><delay xmlns="urn:xmpp:delay" stamp="2020-01-01T00:00:00Z"/>`,
    );
    roomMessage(state, old, effects);
    expect(noteOf(old)?.history).toBe(true);
    expect(calls).toEqual([]);
  });

  it("takes the subject that ends an entry silently, and notes later changes", () => {
    const { entry, seen } = pendingEntry();
    const state = roomState({ pending: { ...entry, selfSeen: true } });
    const { calls, effects } = recorder();
    expect(roomMessage(state, groupchat("", "<subject>Topic</subject>"), effects)).toBe("consumed");
    expect(state.subject).toBe("Topic");
    expect(seen).toEqual(["subject"]);
    state.pending = undefined;
    const change = groupchat("alice", "<subject>New</subject>");
    expect(roomMessage(state, change, effects)).toBe("room");
    expect(noteOf(change)).toMatchObject({ type: "subject", subject: "New", nick: "alice" });
    expect(calls).toEqual(["subject by alice"]);
  });

  it("leaves private messages through the room to the bot's usual way", () => {
    const pm = stanza(`<message type="chat" from="${ROOM}/alice"><body>psst</body></message>`);
    expect(roomMessage(roomState(), pm, recorder().effects)).toBe("other");
    expect(noteOf(pm)).toBeUndefined();
  });
});
