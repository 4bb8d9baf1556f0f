// A room bot: joins one multi-user chat room through xmpp-rest and answers whoever mentions
// its nick there; "!kick <nick> [reason]" from an owner or admin of the room kicks someone
// (the bot must be a moderator there). It pulls its events (long-poll), so it needs no
// public URL. Node 18+ and nothing else: fetch is built in.
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
  if (!res.ok)
    throw Object.assign(new Error(`${method} ${url}: ${res.status} ${text}`), {
      status: res.status,
    });
  return text ? JSON.parse(text) : undefined;
}

// A mention is the nick as a word of its own ("helper: hi", "hi @helper"), in any case.
const escaped = nick.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const mention = new RegExp(`(^|[^\\p{L}\\p{N}_])@?${escaped}($|[^\\p{L}\\p{N}_])`, "iu");

function answerFor(sender, text) {
  const question = text.replace(mention, " ").trim();
  return question ? `${sender}: you said "${question}"` : `${sender}: yes?`;
}

async function say(body) {
  await call("POST", `${roomUrl}/messages`, { body });
}

// "!kick <nick> [reason]": only the room's owners and admins may ask (the room tells the bot
// each occupant's affiliation), and the room itself refuses the kick if the bot may not.
const kickCommand = /^!kick\s+(\S+)(?:\s+(.+))?$/;

async function moderate(sender, text) {
  const [, target, reason] = kickCommand.exec(text.trim()) ?? [];
  if (!target) return false;
  const details = await call("GET", roomUrl);
  const asker = details.occupants.find((o) => o.nick === sender);
  if (asker?.affiliation !== "owner" && asker?.affiliation !== "admin") {
    await say(`${sender}: only the room's owners and admins may ask me to kick`);
    return true;
  }
  const occupant = `${roomUrl}/occupants/${encodeURIComponent(target)}`;
  try {
    await call("PUT", occupant, { role: "none", reason: reason ?? `asked by ${sender}` });
  } catch (err) {
    await say(`${sender}: I could not kick ${target} (HTTP ${err.status ?? "error"})`);
  }
  return true;
}

async function handle(event) {
  lastId = event.id;
  const { stanza } = event;
  const note = stanza.room_event;
  // Only live messages in our room from someone else: not our own echo, not the
  // discussion history a room replays on joining.
  if (note?.type !== "message" || note.room !== room) return;
  if (note.self || note.history || !stanza.body) return;
  try {
    if (await moderate(note.nick, stanza.body)) return;
    if (mention.test(stanza.body)) await say(answerFor(note.nick, stanza.body));
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
