// CPU per inbound stanza through the bridge's inbound router, in one process on a real
// SQLite file: a chat message to a pulling bot without and with the rooms part in the route,
// and a groupchat message from a room the bot is in (note, room store, bot log), alternating
// rounds so machine load hits all alike. `npx tsx bench/experiments/room-cost.ts`
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type xml from "@xmpp/xml";
import { createBots } from "../../src/bots/index.js";
import { createBotOwners } from "../../src/bots/owners.js";
import { loadConfig } from "../../src/config.js";
import { parseXmlElement } from "../../src/formats/xml.js";
import { createInbound } from "../../src/inbound/index.js";
import { silentLogger } from "../../src/log.js";
import { botOwner } from "../../src/owner.js";
import { createRooms } from "../../src/rooms/index.js";
import { openStore } from "../../src/store/index.js";
import { fakeLink } from "../../test/helpers/fake-link.js";

const dir = mkdtempSync(join(tmpdir(), "room-cost-"));
const config = loadConfig({
  env: {
    XMPP_REST_SERVICE: "xmpp://127.0.0.1:1",
    XMPP_REST_DOMAIN: "rest.localhost",
    XMPP_REST_SECRET: "s",
    XMPP_REST_TOKENS: "admin-token-0123456789",
    XMPP_REST_STORE: join(dir, "s.db"),
  },
});
const store = await openStore(join(dir, "s.db"));
const ROOM = "lobby@muc.localhost";
let respond: ((s: ReturnType<typeof xml>) => void) | undefined;
const link = fakeLink("rest.localhost", (s) => respond?.(s));
const bots = await createBots({ config, store, link, log: silentLogger });
await bots.registry.put("b", {});
const connection = link;
const owners = createBotOwners(bots.registry, "rest.localhost", connection);
const rooms = createRooms({
  store,
  seats: owners,
  post: async (_owner, message) => {
    await connection.send(message);
    return {};
  },
  log: silentLogger,
  timeoutMs: 5000,
});
const deliver = {
  owner(
    owner: ReturnType<typeof botOwner>,
    stanza: ReturnType<typeof xml>,
    to: Parameters<typeof bots.router.deliver>[2],
    options: { history: boolean },
  ) {
    const bot = owner.kind === "bot" ? bots.registry.get(owner.name) : undefined;
    if (bot) bots.router.deliver(bot, stanza, to, options);
  },
  global() {},
};
const routes = {
  servesAddress: (to: { domain: string }) => to.domain === "rest.localhost",
  answered: () => false,
  ownerAt: owners.ownerAt,
};
const withRooms = createInbound({ ...routes, rooms: rooms.handle }, deliver, silentLogger);
const withoutRooms = createInbound({ ...routes, rooms: () => "other" }, deliver, silentLogger);
respond = (s) => {
  if (s.name !== "presence") return;
  queueMicrotask(() => {
    withRooms.handle(
      parseXmlElement(
        `<presence from="${ROOM}/B" to="b@rest.localhost/rooms"><x xmlns="http://jabber.org/protocol/muc#user"><item role="participant" affiliation="none"/><status code="110"/></x></presence>`,
      ).root,
    );
    withRooms.handle(
      parseXmlElement(
        `<message type="groupchat" from="${ROOM}" to="b@rest.localhost/rooms"><subject/></message>`,
      ).root,
    );
  });
};
await rooms.join(botOwner("b"), ROOM, { nick: "B" });
const N = 20000;
const run = async (label: string, make: (i: number) => string, viaRooms: boolean) => {
  const texts = Array.from({ length: N }, (_, i) => make(i));
  const start = process.cpuUsage();
  for (const text of texts) {
    (viaRooms ? withRooms : withoutRooms).handle(parseXmlElement(text).root);
  }
  await new Promise((r) => setTimeout(r, 500));
  const used = process.cpuUsage(start);
  console.log(label, ((used.user + used.system) / N).toFixed(1), "CPU µs/stanza");
};
for (let round = 0; round < 2; round++) {
  await run(
    "chat to bot (no rooms)",
    (i) =>
      `<message type="chat" from="alice@localhost/x" to="b@rest.localhost" id="c${i}"><body>hello ${i}</body></message>`,
    false,
  );
  await run(
    "chat to bot (rooms in the route)",
    (i) =>
      `<message type="chat" from="alice@localhost/x" to="b@rest.localhost" id="c${i}"><body>hello ${i}</body></message>`,
    true,
  );
  await run(
    "groupchat from a joined room",
    (i) =>
      `<message type="groupchat" from="${ROOM}/alice" to="b@rest.localhost/rooms" id="g${i}"><body>hello ${i}</body></message>`,
    true,
  );
}
await store.close();
rmSync(dir, { recursive: true, force: true });
