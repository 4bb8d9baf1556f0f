// CPU per inbound stanza through the bridge's inbound routing, in one process on a real
// SQLite file: a chat message to a pulling bot without and with rooms.handle() in front, and a
// groupchat message from a room the bot is in (note, room store, bot log), alternating rounds
// so machine load hits all alike. `npx tsx bench/experiments/room-cost.ts`
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type xml from "@xmpp/xml";
import { createBots } from "../../src/bots/index.js";
import { loadConfig } from "../../src/config.js";
import { parseXmlElement } from "../../src/formats/xml.js";
import { silentLogger } from "../../src/log.js";
import { createRooms } from "../../src/rooms/index.js";
import { openStore } from "../../src/store/index.js";
import { createIqTracker } from "../../src/xmpp/iq-tracker.js";
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
const rooms = createRooms({
  store,
  link,
  iqs: createIqTracker({ maxPending: 10 }),
  registry: bots.registry,
  log: silentLogger,
  domain: "rest.localhost",
  timeoutMs: 5000,
});
respond = (s) => {
  if (s.name !== "presence") return;
  queueMicrotask(() => {
    rooms.handle(
      parseXmlElement(
        `<presence from="${ROOM}/B" to="b@rest.localhost/rooms"><x xmlns="http://jabber.org/protocol/muc#user"><item role="participant" affiliation="none"/><status code="110"/></x></presence>`,
      ).root,
    );
    rooms.handle(
      parseXmlElement(
        `<message type="groupchat" from="${ROOM}" to="b@rest.localhost/rooms"><subject/></message>`,
      ).root,
    );
  });
};
await rooms.join("b", ROOM, { nick: "B" });
const N = 20000;
const run = async (label: string, make: (i: number) => string, viaRooms: boolean) => {
  const texts = Array.from({ length: N }, (_, i) => make(i));
  const start = process.cpuUsage();
  for (const text of texts) {
    const stanza = parseXmlElement(text).root;
    const verdict = viaRooms ? rooms.handle(stanza) : "other";
    if (verdict !== "consumed") bots.router.handle(stanza, { history: verdict !== "room" });
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
    "chat to bot (rooms.handle first)",
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
