// A menu bot: offers a command menu (XEP-0050 ad-hoc commands, what Conversations, Gajim,
// Dino, Monal and Cheogram show under "Commands") through xmpp-rest, asks a question with a
// form, and sends a file. It pulls its events (long-poll), so it needs no public URL. Node 18+
// and nothing else: fetch is built in.
//
//   XMPP_REST_URL=http://127.0.0.1:5281 BOT_NAME=reporter BOT_TOKEN=... \
//     node examples/menu-bot/bot.mjs

const base = (process.env.XMPP_REST_URL ?? "http://127.0.0.1:5281").replace(/\/$/, "");
const name = process.env.BOT_NAME ?? "reporter";
const token = process.env.BOT_TOKEN;
if (!token) {
  console.error("BOT_TOKEN is required (the bot's token)");
  process.exit(2);
}

const auth = { authorization: `Bearer ${token}` };
const bot = `${base}/v1/bots/${encodeURIComponent(name)}`;
const abort = new AbortController();
let stopping = false;
let lastId; // the position to resume from after a dropped poll

async function call(method, path, body, headers = { "content-type": "application/json" }) {
  const res = await fetch(`${bot}${path}`, {
    method,
    headers: { ...auth, accept: "application/json", ...headers },
    body: body === undefined || typeof body === "string" ? body : JSON.stringify(body),
    signal: abort.signal,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

// The menu: what users' clients list for this bot.
const MENU = [
  { node: "report", name: "Send me the report" },
  { node: "about", name: "About this bot" },
];

// A made-up report, in the format the user picked.
function report(format) {
  const rows = [
    ["day", "visitors"],
    ["monday", "120"],
    ["tuesday", "98"],
  ];
  return format === "csv"
    ? { type: "text/csv", text: `${rows.map((r) => r.join(",")).join("\n")}\n` }
    : { type: "text/plain", text: `${rows.map((r) => r.join("\t")).join("\n")}\n` };
}

// One step of a user's run of a command: the first asks, the second acts.
async function command(event) {
  const { sessionId, node, action, values, from } = event;
  if (action === "cancel") return; // the bridge has told the user already
  const answer = (body) => call("POST", `/commands/${encodeURIComponent(sessionId)}`, body);
  if (node === "about") {
    await answer({ status: "completed", note: "I send reports. Try 'Send me the report'." });
    return;
  }
  if (!values?.format) {
    // A list field: clients show it as buttons or a drop-down.
    await answer({
      status: "executing",
      form: {
        title: "Report",
        instructions: "Which format?",
        fields: [
          {
            var: "format",
            type: "list-single",
            label: "Format",
            required: true,
            value: "csv",
            options: [
              { label: "CSV (spreadsheets)", value: "csv" },
              { label: "Plain text", value: "txt" },
            ],
          },
        ],
      },
    });
    return;
  }
  const format = values.format === "txt" ? "txt" : "csv";
  const { type, text } = report(format);
  const user = from.split("/")[0];
  // The file in one request: the bridge uploads it (XEP-0363) and sends it (XEP-0066).
  const sent = await call(
    "POST",
    `/files?to=${encodeURIComponent(user)}&name=report.${format}`,
    text,
    { "content-type": type },
  );
  console.log(`sent ${sent.url} to ${user}`);
  await answer({ status: "completed", note: `Sent report.${format}` });
}

async function poll() {
  const query = new URLSearchParams({ wait: "30" });
  if (lastId !== undefined) query.set("after", lastId);
  const res = await fetch(`${bot}/events?${query}`, { headers: auth, signal: abort.signal });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  for (const event of await res.json()) {
    lastId = event.id;
    if (event.event?.type !== "command") continue;
    await command(event.event).catch((err) => console.error(`command failed: ${err.message}`));
  }
}

async function main() {
  await call("PUT", "/commands", MENU);
  console.log(`offering ${MENU.map((c) => c.node).join(", ")} as ${name}`);
  while (!stopping) {
    try {
      await poll();
    } catch (err) {
      if (stopping) break;
      console.error(`poll failed, retrying in 2 s: ${err.message}`);
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
