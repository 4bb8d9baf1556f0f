// The gate's cost on the send path, in one process: serializeForServer() (check + serialise,
// what link.send now writes) against xmpp.js's element.toString() (what it wrote before), on
// the send-message benchmark's stanza and a larger one, alternating rounds so machine load
// hits both alike. `npx tsx bench/experiments/gate-cost.ts`
import { jsonToStanza } from "../../src/formats/json/index.js";
import { serializeForServer } from "../../src/formats/wire.js";
import { parseXmlElement } from "../../src/formats/xml.js";
import { prepareOutgoing } from "../../src/stanza/outgoing.js";
import { componentFromRule } from "../../src/xmpp/component.js";

const chat = prepareOutgoing(
  parseXmlElement(
    "<message to='recv@localhost' type='chat'><body>12345 1700000000000</body></message>",
  ).root,
  "",
  { fromRule: componentFromRule("rest.localhost") },
);
const rich = prepareOutgoing(
  jsonToStanza({
    kind: "message",
    type: "chat",
    to: "recv@localhost",
    body: "hello & <world> ".repeat(20),
    html: "<body xmlns='http://www.w3.org/1999/xhtml'><p>hi <b>there</b></p></body>",
    state: "active",
    reactions: { id: "m1", reactions: ["👍"] },
  }),
  "",
  { fromRule: componentFromRule("rest.localhost") },
);

function timeNs(run: () => void, n: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) run();
  return Number(process.hrtime.bigint() - start) / n;
}

for (const [name, stanza] of [
  ["chat (send-message)", chat],
  ["rich message", rich],
] as const) {
  const gate: number[] = [];
  const ltx: number[] = [];
  for (let round = 0; round < 20; round++) {
    gate.push(timeNs(() => serializeForServer(stanza, 512 * 1024), 20_000));
    ltx.push(timeNs(() => stanza.toString(), 20_000));
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? 0;
  console.log(
    `${name}: gate ${median(gate).toFixed(0)} ns, ltx toString ${median(ltx).toFixed(0)} ns, ratio ${(median(gate) / median(ltx)).toFixed(2)}`,
  );
}
