// An xmpp-rest webhook in Node + Express: answers every chat message with the same text.
// Run: PORT=3000 WEBHOOK_SECRET=whsec_... WEBHOOK_TOKEN=... node server.mjs
import express from "express";
import { SaxesParser } from "saxes";
import { signatureOk } from "./signature.mjs";

const SECRET = process.env.WEBHOOK_SECRET ?? "";
const TOKEN = process.env.WEBHOOK_TOKEN ?? "";

/** The root's name and attributes and the text of a <body> child: all an echo bot needs. */
function readStanza(text) {
  const parser = new SaxesParser();
  const stanza = { name: "", attrs: {}, body: undefined };
  const path = [];
  parser.on("opentag", (tag) => {
    if (path.length === 0) Object.assign(stanza, { name: tag.name, attrs: tag.attributes });
    path.push(tag.name);
  });
  parser.on("closetag", () => path.pop());
  parser.on("text", (t) => {
    if (path.length === 2 && path[1] === "body") stanza.body = (stanza.body ?? "") + t;
  });
  parser.write(text).close();
  return stanza;
}

const escapeXml = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const app = express();

// The bridge's start-up probe: say which format we want stanzas in.
app.options("/webhook", (_req, res) => {
  res.set("Accept", "application/xmpp+xml").status(200).end();
});

// Raw bytes: the signature covers the body exactly as sent.
app.post("/webhook", express.raw({ type: () => true, limit: "256kb" }), (req, res) => {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  if (TOKEN && req.get("authorization") !== `Bearer ${TOKEN}`) {
    return res.status(401).type("text/plain").send("unknown caller");
  }
  if (SECRET && !signatureOk(SECRET, req.headers, body)) {
    return res.status(401).type("text/plain").send("bad signature");
  }
  let stanza;
  try {
    // The bridge posts one stanza without a namespace on the root: <message>, <presence> or <iq>.
    stanza = readStanza(body.toString("utf8"));
  } catch {
    return res.status(400).type("text/plain").send("not XML");
  }
  if (stanza.name === "message" && stanza.attrs.type === "chat" && stanza.body) {
    // The bridge fills in from, to and type (chat, like the message we answer).
    return res
      .status(200)
      .type("application/xmpp+xml")
      .send(`<message><body>${escapeXml(stanza.body)}</body></message>`);
  }
  // Anything else: delivered, nothing to say (an iq gets an empty result).
  return res.status(204).end();
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, "127.0.0.1", () => {
  console.log(`echo bot listening on http://127.0.0.1:${port}/webhook`);
});
