/**
 * The cost per message of the typed events (README, "Messages, files and commands"): an event
 * as the pull streams build it (src/stream/event-json.ts: parse the stored XML, map it to
 * JSON) with and without deriving its typed `event`, in interleaved blocks, median CPU time
 * per event. The same derivation runs where a bot's JSON webhook body is built.
 *
 * Run: node --import tsx bench/experiments/typed-event-cost.ts [perBlock=20000] [blocks=9]
 */
import { stanzaToJson } from "../../src/formats/json/index.js";
import { stanzaEvent } from "../../src/formats/json/message-event.js";
import { parseXmlElement } from "../../src/formats/xml.js";
import { eventJson } from "../../src/stream/event-json.js";

const perBlock = Number(process.argv[2] ?? 20_000);
const blocks = Number(process.argv[3] ?? 9);

const MESSAGES = {
  plain:
    '<message from="alice@localhost/phone" to="bot@rest.localhost" type="chat" id="a1"><body>Hello there, bot</body><origin-id xmlns="urn:xmpp:sid:0" id="a1"/><active xmlns="http://jabber.org/protocol/chatstates"/><markable xmlns="urn:xmpp:chat-markers:0"/></message>',
  reply:
    '<message from="alice@localhost/phone" to="bot@rest.localhost" type="chat" id="a2"><body>&gt; Hello\nthanks</body><reply xmlns="urn:xmpp:reply:0" to="bot@rest.localhost" id="b1"/><fallback xmlns="urn:xmpp:fallback:0" for="urn:xmpp:reply:0"><body start="0" end="8"/></fallback></message>',
  file: '<message from="alice@localhost/phone" to="bot@rest.localhost" type="chat" id="a3"><body>https://share.localhost/x/cat.png</body><x xmlns="jabber:x:oob"><url>https://share.localhost/x/cat.png</url></x></message>',
};

/** The event without its typed part: what the streams did before. */
function untyped(xml: string) {
  return {
    id: "1",
    time: new Date(0).toISOString(),
    stanza: stanzaToJson(parseXmlElement(xml).root),
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;

function block(run: () => unknown): number {
  const start = process.cpuUsage();
  for (let i = 0; i < perBlock; i++) run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / perBlock;
}

for (const [name, xml] of Object.entries(MESSAGES)) {
  const stored = { id: "1", stream: "bot:bot", time: 0, kind: "message" as const, stanza: xml };
  const element = parseXmlElement(xml).root;
  const typed = () => eventJson(stored, { xml: false });
  const plain = () => untyped(xml);
  const deriveOnly = () => stanzaEvent(element);
  const results = { typed: [] as number[], plain: [] as number[], derive: [] as number[] };
  block(typed);
  block(plain);
  for (let b = 0; b < blocks; b++) {
    results.typed.push(block(typed));
    results.plain.push(block(plain));
    results.derive.push(block(deriveOnly));
  }
  const [t, p, d] = [median(results.typed), median(results.plain), median(results.derive)];
  process.stdout.write(
    `${name}: event ${p.toFixed(2)} µs -> ${t.toFixed(2)} µs with the typed event (+${(t - p).toFixed(2)} µs, +${((t / p - 1) * 100).toFixed(0)}%); deriving alone ${d.toFixed(2)} µs\n`,
  );
}
