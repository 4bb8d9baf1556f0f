import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { joinRoom } from "../helpers/room-user.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectSilentComponent } from "../helpers/silent-component.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

let server: XmppServer;
let bridge: TestBridge;
let alice: XmppUser;
const BOT_TOKEN = "a-long-random-token-for-lister";

beforeAll(async () => {
  server = await startXmppServer({ users: [{ username: "alice", password: "alice-pw" }] });
  // A short iq timeout for the 504 case; every other answer comes at once.
  bridge = await startTestBridge(server, { XMPP_REST_IQ_TIMEOUT: "2" });
  const put = await fetch(`${bridge.url}/v1/bots/lister`, {
    method: "PUT",
    headers: { authorization: "Bearer test-token", "content-type": "application/json" },
    body: JSON.stringify({ tokens: [BOT_TOKEN] }),
  });
  expect(put.status).toBe(201);
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
});

afterAll(async () => {
  await alice?.stop();
  await bridge?.stop();
  await server?.stop();
});

interface Listing {
  jid: string;
  name: string | null;
  occupants: number | null;
  features: string[];
}

describe("GET /v1/rooms", () => {
  it("lists a public room a user created, with its name and occupants, for a bot token", async () => {
    const room = `directory-test@${server.mucDomain}`;
    await joinRoom(alice, room, "alice", { public: true, name: "Directory test" });
    const res = await fetch(`${bridge.url}/v1/rooms?service=${server.mucDomain}`, {
      headers: { authorization: `Bearer ${BOT_TOKEN}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { service: string; rooms: Listing[] };
    expect(body.service).toBe(server.mucDomain);
    const listed = body.rooms.find((r) => r.jid === room);
    expect(listed).toMatchObject({ name: "Directory test", occupants: 1 });
    expect(listed?.features).toContain("muc_public");
  });

  it("answers 404 for a service that does not exist", async () => {
    const res = await bridge.get("/v1/rooms?service=no-such-service.localhost", {
      accept: "application/json",
    });
    const body = (await res.json()) as { error: { condition: string } };
    if (server.kind === "prosody") {
      // The test Prosody has no s2s: it refuses any domain it does not host itself.
      expect(res.status).toBe(405);
      expect(body.error.condition).toBe("not-allowed");
    } else {
      expect(res.status).toBe(404);
      expect(body.error.condition).toBe("remote-server-not-found");
    }
  });

  it("answers 504 when the service does not answer in time", async () => {
    const silent = await connectSilentComponent(server);
    try {
      const res = await bridge.get("/v1/rooms?service=silent.localhost", {
        accept: "application/json",
      });
      expect(res.status).toBe(504);
      expect(
        silent.seen.some((s) => s.getChild("query", "http://jabber.org/protocol/disco#items")),
      ).toBe(true);
    } finally {
      await silent.stop();
    }
  });

  it.each([
    ["", "required"],
    ["alice@localhost", "not a domain"],
    ["conference.localhost/res", "not a domain"],
    ["bad domain", "not a domain"],
  ])("answers 422 naming the service for service=%j", async (service, why) => {
    const res = await bridge.get(`/v1/rooms?service=${encodeURIComponent(service)}`, {
      accept: "application/json",
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { text: string } };
    expect(body.error.text).toMatch(/^service: /);
    expect(body.error.text).toContain(why);
  });

  it("needs a token", async () => {
    const res = await fetch(`${bridge.url}/v1/rooms?service=${server.mucDomain}`);
    expect(res.status).toBe(401);
  });
});
