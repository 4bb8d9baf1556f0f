// An xmpp-rest webhook in Node + Express, speaking JSON: answers every chat message with the same text.
// Run: PORT=3000 WEBHOOK_SECRET=whsec_... WEBHOOK_TOKEN=... node server-json.mjs
// The bridge's start-up OPTIONS probe gets `Accept: application/json`, so it posts JSON
// (XMPP_REST_CALLBACK_CONTENT_TYPE=json says the same without the probe).
import express from "express";
import { signatureOk } from "./signature.mjs";

const SECRET = process.env.WEBHOOK_SECRET ?? "";
const TOKEN = process.env.WEBHOOK_TOKEN ?? "";

const app = express();

// The bridge's start-up probe: ask for stanzas as JSON.
app.options("/webhook", (_req, res) => {
  res.set("Accept", "application/json").status(200).end();
});

// express.json() parses the body, and its `verify` hook sees the raw bytes first: the
// signature covers the body exactly as sent, so the token and signature are checked there,
// before any parsing. Bodies that are not JSON are left unparsed (req.body stays undefined).
const verified = express.json({
  limit: "256kb",
  verify(req, _res, raw) {
    if (TOKEN && req.headers.authorization !== `Bearer ${TOKEN}`) {
      throw Object.assign(new Error("unknown caller"), { status: 401 });
    }
    if (SECRET && !signatureOk(SECRET, req.headers, raw)) {
      throw Object.assign(new Error("bad signature"), { status: 401 });
    }
    req.verified = true;
  },
});

app.post("/webhook", verified, (req, res) => {
  if (!req.verified) {
    // express.json() skipped the body (not application/json), so nothing was checked: the
    // bridge posts XML unless the probe or XMPP_REST_CALLBACK_CONTENT_TYPE says JSON.
    return res.status(415).type("text/plain").send("send JSON");
  }
  // One stanza in the JSON mapping, e.g.
  // {"kind": "message", "type": "chat", "from": "alice@example.org/phone",
  //  "to": "echo@rest.example.org", "id": "a1", "body": "Hi"}
  const stanza = req.body;
  if (stanza?.kind === "message" && stanza.type === "chat" && typeof stanza.body === "string") {
    // A full reply: the bridge fills in from, to and type (chat, like the message we answer).
    if (stanza.body !== "") return res.status(200).json({ body: stanza.body });
  }
  // Anything else: delivered, nothing to say (an iq gets an empty result).
  return res.status(204).end();
});

// Failures from express.json(): a bad token or signature (401), malformed JSON (400), too large (413).
app.use((err, _req, res, _next) => {
  const status = Number.isInteger(err.status) ? err.status : 500;
  res
    .status(status)
    .type("text/plain")
    .send(status === 401 ? err.message : "bad request body");
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, "127.0.0.1", () => {
  console.log(`echo bot listening on http://127.0.0.1:${port}/webhook`);
});
