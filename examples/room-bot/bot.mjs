// A room bot: joins one multi-user chat room through xmpp-rest and answers whoever mentions
// its nick there. It pulls its events (long-poll), so it needs no public URL. Node 18+ and
// nothing else: fetch is built in.
//
//   XMPP_REST_URL=http://127.0.0.1:5281 BOT_NAME=helper BOT_TOKEN=... \
//     ROOM=lobby@conference.example.org NICK=helper node examples/room-bot/bot.mjs

const base = (process.env.XMPP_REST_URL ?? "http://127.0.0.1:5281").replace(/\/$/, "");
const name = process.env.BOT_NAME ?? "helper";
const token = process.env.BOT_TOKEN;
const room = process.env.ROOM;
const nick = process.env.NICK ?? name;
if (!token || !room) {
  console.error("BOT_TOKEN and ROOM are required (the bot's token; the room's bare JID)");
  process.exit(2);
}

const auth = { authorization: `Bearer ${token}` };
const bot = `${base}/v1/bots/${encodeURIComponent(name)}`;
const roomUrl = `${bot}/rooms/${encodeURIComponent(room)}`;
let stopping = false;
let lastId; // the position to resume from after a dropped poll
const abort = new AbortController();

async function call(method, url, body) {
  const res = await fetch(url, {
    method,
    headers: { ...auth, "content-type": "application/json", accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: abort.signal,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

// A mention is the nick as a word of its own ("helper: hi", "hi @helper"), in any case.
const escaped = nick.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const mention = new RegExp(`(^|[^\\p{L}\\p{N}_])@?${escaped}($|[^\\p{L}\\p{N}_])`, "iu");

function answerFor(sender, text) {
  const question = text.replace(mention, " ").trim();
  return question ? `${sender}: you said "${question}"` : `${sender}: yes?`;
}

async function handle(event) {
  lastId = event.id;
  const { stanza } = event;
  const note = stanza.room_event;
  // Only live messages in our room from someone else: not our own echo, not the
  // discussion history a room replays on joining.
  if (note?.type !== "message" || note.room !== room) return;
  if (note.self || note.history || !stanza.body || !mention.test(stanza.body)) return;
  try {
    await call("POST", `${roomUrl}/messages`, { body: answerFor(note.nick, stanza.body) });
  } catch (err) {
    console.error(`answer failed: ${err.message}`);
  }
}

async function poll() {
  const query = new URLSearchParams({ wait: "30" });
  if (lastId !== undefined) query.set("after", lastId);
  const res = await fetch(`${bot}/events?${query}`, { headers: auth, signal: abort.signal });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  for (const event of await res.json()) await handle(event);
}

async function main() {
  // Joining is idempotent, and the bridge re-joins by itself after reconnects and restarts.
  const joined = await call("PUT", roomUrl, { nick });
  console.log(`in ${room} as ${joined.nick}, ${joined.occupants.length} occupants`);
  while (!stopping) {
    try {
      await poll();
    } catch (err) {
      if (stopping) break;
      console.error(`poll failed, retrying in 2 s: ${err.message}`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
  // Leave on the way out: the room sees the bot go.
  await fetch(roomUrl, { method: "DELETE", headers: auth }).catch(() => {});
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    stopping = true;
    abort.abort();
  });
}
await main();
