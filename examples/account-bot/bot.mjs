// An echo bot that is an ordinary XMPP account on any server (README, "Accounts"): xmpp-rest
// logs in as the account; the bot pulls the account's events and answers chat messages as
// it. Node 18+ and nothing else: fetch is built in.
//
// Either the user logs in themselves (the bridge lists the account's domain in
// XMPP_REST_ACCOUNT_DOMAINS):
//   XMPP_REST_URL=http://127.0.0.1:5281 ACCOUNT_JID=echo@example.org ACCOUNT_PASSWORD=... \
//     node examples/account-bot/bot.mjs
// or the operator keeps the account online (XMPP_REST_SECRET_KEY set on the bridge):
//   ... ADMIN_TOKEN=... ACCOUNT_SERVER=xmpp.example.org:5222 node examples/account-bot/bot.mjs

const base = (process.env.XMPP_REST_URL ?? "http://127.0.0.1:5281").replace(/\/$/, "");
const jid = process.env.ACCOUNT_JID;
const password = process.env.ACCOUNT_PASSWORD;
const admin = process.env.ADMIN_TOKEN;
if (!jid || !password) {
  console.error("ACCOUNT_JID and ACCOUNT_PASSWORD are required");
  process.exit(2);
}

let stopping = false;
let lastId; // the position to resume from after a reconnect
const abort = new AbortController();

/** Where the account's routes are, and how to authenticate: its token, or Basic. */
async function login() {
  if (!admin) {
    const basic = `Basic ${Buffer.from(`${jid}:${password}`).toString("base64")}`;
    const res = await fetch(`${base}/v1/me`, { headers: { authorization: basic } });
    if (!res.ok) throw new Error(`login refused: ${res.status} ${await res.text()}`);
    return { root: `${base}/v1/me`, auth: { authorization: basic } };
  }
  const settings = { password, resource: "echo-bot" };
  if (process.env.ACCOUNT_SERVER) settings.server = process.env.ACCOUNT_SERVER;
  const url = `${base}/v1/accounts/${encodeURIComponent(jid)}`;
  const res = await fetch(url, {
    method: "PUT",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify(settings),
  });
  if (res.status !== 200 && res.status !== 201) {
    throw new Error(`login refused: ${res.status} ${await res.text()}`);
  }
  // A new account's token is shown once; an existing one is read with the admin token.
  const { token } = await res.json();
  return { root: url, auth: { authorization: `Bearer ${token ?? admin}` } };
}

async function answer(session, event) {
  const { stanza } = event;
  // Only chat messages with a body; never the account's own carbons or catch-up of them.
  if (stanza.kind !== "message" || stanza.type === "error" || !stanza.body) return;
  if (stanza.carbon === "sent" || stanza.from?.split("/")[0] === jid) return;
  const res = await fetch(`${session.root}/messages`, {
    method: "POST",
    headers: { ...session.auth, "content-type": "application/json" },
    body: JSON.stringify({
      to: stanza.from,
      type: stanza.type ?? "chat",
      body: `echo: ${stanza.body}`,
    }),
  });
  if (res.status !== 202) console.error(`reply refused: ${res.status} ${await res.text()}`);
}

// Long-poll: each request acknowledges everything up to `after`.
async function poll(session) {
  const query = new URLSearchParams({ wait: "30" });
  if (lastId !== undefined) query.set("after", lastId);
  const res = await fetch(`${session.root}/events?${query}`, {
    headers: session.auth,
    signal: abort.signal,
  });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  for (const event of await res.json()) {
    lastId = event.id;
    try {
      await answer(session, event);
    } catch (err) {
      console.error(`reply failed: ${err.message}`);
    }
  }
}

async function main() {
  let session;
  while (!stopping) {
    try {
      session ??= await login();
      if (lastId === undefined) console.log(`listening as ${jid}`);
      await poll(session);
    } catch (err) {
      if (stopping) break;
      console.error(`${err.message}; retrying in 2 s`);
      session = undefined;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    stopping = true;
    abort.abort();
  });
}
await main();
