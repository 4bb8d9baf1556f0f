// An echo bot that needs no public URL: it pulls its events from xmpp-rest (long-poll by
// default, Server-Sent Events with PULL=sse) and answers chat messages through the bridge.
// Node 18+ and nothing else: fetch is built in.
//
//   XMPP_REST_URL=http://127.0.0.1:5281 BOT_NAME=echo BOT_TOKEN=... node examples/pull-bot/bot.mjs

const base = (process.env.XMPP_REST_URL ?? "http://127.0.0.1:5281").replace(/\/$/, "");
const name = process.env.BOT_NAME ?? "echo";
const token = process.env.BOT_TOKEN;
const mode = process.env.PULL ?? "long-poll";
if (!token) {
  console.error("BOT_TOKEN is required (the bot's token, from the config file or PUT /v1/bots)");
  process.exit(2);
}

const auth = { authorization: `Bearer ${token}` };
const events = `${base}/v1/bots/${encodeURIComponent(name)}/events`;
let stopping = false;
let lastId; // the position to resume from after a reconnect
const abort = new AbortController();

async function answer(event) {
  const { stanza } = event;
  if (stanza.kind !== "message" || stanza.type === "error" || !stanza.body) return;
  const res = await fetch(`${base}/v1/bots/${encodeURIComponent(name)}/messages`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({
      to: stanza.from,
      type: stanza.type ?? "chat",
      body: `echo: ${stanza.body}`,
    }),
  });
  if (res.status !== 202) console.error(`reply refused: ${res.status} ${await res.text()}`);
}

async function handle(event) {
  lastId = event.id;
  try {
    await answer(event);
  } catch (err) {
    console.error(`reply failed: ${err.message}`);
  }
}

// Long-poll: each request acknowledges everything up to `after` (Telegram's offset rule).
async function longPoll() {
  const query = new URLSearchParams({ wait: "30" });
  if (lastId !== undefined) query.set("after", lastId);
  const res = await fetch(`${events}?${query}`, { headers: auth, signal: abort.signal });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  for (const event of await res.json()) await handle(event);
}

// Server-Sent Events: one request that stays open; resumes with Last-Event-ID.
async function sse() {
  const headers = { ...auth, accept: "text/event-stream" };
  if (lastId !== undefined) headers["last-event-id"] = lastId;
  const res = await fetch(events, { headers, signal: abort.signal });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf("\n\n");
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trimStart())
        .join("\n");
      if (!data) continue;
      if (block.split("\n").includes("event: close")) return; // the bridge said why in data
      await handle(JSON.parse(data));
    }
  }
}

async function main() {
  console.log(`listening as ${name} (${mode})`);
  while (!stopping) {
    try {
      await (mode === "sse" ? sse() : longPoll());
    } catch (err) {
      if (stopping) break;
      console.error(`pull failed, retrying in 2 s: ${err.message}`);
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
