// In-process CPU per request of POST /rest through the real app (no sockets): the part of the
// bridge's cost this code controls (routing, decoding, checks, serialising).
import xml from "@xmpp/xml";
import { loadConfig } from "../../src/config.js";
import { createApp } from "../../src/http/app.js";
import { createIqTracker } from "../../src/xmpp/iq-tracker.js";
import { appDeps } from "../../test/helpers/app-deps.js";
import { fakeLink } from "../../test/helpers/fake-link.js";

const config = loadConfig({
  env: { XMPP_REST_DOMAIN: "rest.localhost", XMPP_REST_SECRET: "s", XMPP_REST_TOKENS: "tok" },
});
const iqs = createIqTracker({ maxPending: 100000 });
const link = fakeLink(
  config.domain,
  (stanza) => {
    // What the real link does with every stanza: serialise it.
    stanza.toString();
    if (stanza.name === "iq") {
      const { id, to, from } = stanza.attrs;
      queueMicrotask(() => iqs.handle(xml("iq", { type: "result", id, from: to, to: from })));
    }
  },
  iqs,
);
const app = createApp(await appDeps(config, link));
const kinds = {
  msg: (i: number) => ({
    ct: "application/xmpp+xml",
    body: `<message to='recv@localhost' type='chat'><body>${i} 123.456</body></message>`,
  }),
  json: (i: number) => ({
    ct: "application/json",
    body: JSON.stringify({ to: "recv@localhost", type: "chat", body: `${i} 123.456` }),
  }),
  iq: (i: number) => ({
    ct: "application/xmpp+xml",
    body: `<iq type='get' to='localhost' id='r${i}'><ping xmlns='urn:xmpp:ping'/></iq>`,
  }),
};
for (const [name, make] of Object.entries(kinds)) {
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const { ct, body } = make(i);
      const res = await app.fetch(
        new Request("http://127.0.0.1/rest", {
          method: "POST",
          body,
          headers: { authorization: "Bearer tok", "content-type": ct, accept: ct },
        }),
      );
      await res.arrayBuffer();
    }
  };
  await run(3000);
  const best: number[] = [];
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    await run(5000);
    const c = process.cpuUsage(c0);
    best.push((c.user + c.system) / 5000);
  }
  best.sort((a, b) => a - b);
  console.log(`${name}: ${best[0]?.toFixed(1)} µs/req (best of 5), median ${best[2]?.toFixed(1)}`);
}
