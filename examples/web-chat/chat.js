// A web chat on nothing but an xmpp-rest bridge (README, "Accounts", "A web chat"): the
// user's own XMPP account through /v1/me (Basic once, then a short-lived token), its contacts,
// conversations, history and rooms over REST, and everything live over Server-Sent Events.
// No build step, no framework. Text from the network only ever goes in through textContent.

const $ = (id) => document.getElementById(id);
const store = window.sessionStorage;
const state = {
  bridge: "",
  jid: "",
  token: "",
  current: undefined, // { with, kind }
  seen: new Set(), // message keys shown in the open conversation
  older: undefined, // the before= of the open conversation's next older page
  loadingOlder: false,
  contacts: [],
  events: undefined,
  refresh: undefined,
  typingSent: 0, // when "composing" last went out
  typingPause: undefined,
};

// --- the bridge's API --------------------------------------------------------------------

async function api(path, init = {}) {
  const headers = { accept: "application/json", ...(init.headers || {}) };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (!headers.authorization) headers.authorization = `Bearer ${state.token}`;
  const res = await fetch(`${state.bridge}${path}`, { ...init, headers });
  if (res.status === 401 && !init.headers?.authorization) {
    logout("Your session ended; log in again.");
    throw new Error("logged out");
  }
  const text = await res.text();
  const body = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new Error(body?.error?.text || `HTTP ${res.status}`);
  return { body, headers: res.headers };
}

const me = (path) => `/v1/me${path}`;
const enc = encodeURIComponent;

// --- logging in and out ------------------------------------------------------------------

async function login(event) {
  event.preventDefault();
  $("login-error").textContent = "";
  state.bridge = $("bridge").value.replace(/\/+$/, "");
  const jid = $("jid").value.trim();
  // RFC 7617: user-pass in UTF-8, then base64.
  const bytes = new TextEncoder().encode(`${jid}:${$("password").value}`);
  const basic = `Basic ${btoa(String.fromCharCode(...bytes))}`;
  try {
    // Basic opens (or reuses) the account's session; the page keeps only a short-lived token.
    const { body } = await api(me("/token"), { method: "POST", headers: { authorization: basic } });
    $("password").value = "";
    start(jid, body.token, body.expiresIn);
  } catch (err) {
    $("login-error").textContent = err.message;
  }
}

function start(jid, token, expiresIn) {
  state.jid = jid;
  state.token = token;
  store.setItem("chat", JSON.stringify({ bridge: state.bridge, jid, token }));
  $("login").hidden = true;
  $("app").hidden = false;
  $("me-jid").textContent = jid;
  // A token lives a few minutes: renew it with itself well before then.
  clearInterval(state.refresh);
  state.refresh = setInterval(renew, Math.max(30, (expiresIn || 600) / 2) * 1000);
  // The stream first, then the lists: whatever happens in between comes as an event.
  openEvents().then(loadAll);
}

async function renew() {
  try {
    const { body } = await api(me("/token"), { method: "POST" });
    state.token = body.token;
    store.setItem(
      "chat",
      JSON.stringify({ bridge: state.bridge, jid: state.jid, token: body.token }),
    );
  } catch {}
}

function logout(message) {
  clearInterval(state.refresh);
  state.events?.close();
  store.removeItem("chat");
  store.removeItem("lastEventId");
  $("app").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
}

// --- contacts, requests, conversations ---------------------------------------------------

function li(parts) {
  const item = document.createElement("li");
  for (const part of parts) item.append(part);
  return item;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function showOf(contact) {
  const best = contact.presence[0];
  return best ? best.show || "available" : "offline";
}

async function loadContacts() {
  const { body } = await api(me("/contacts"));
  state.contacts = body;
  const list = $("contacts");
  list.replaceChildren();
  for (const contact of body) {
    const who = el("div", "who");
    who.append(el("strong", "", contact.name || contact.jid));
    const best = contact.presence[0];
    who.append(el("div", "", best?.status || showOf(contact)));
    const item = li([el("span", `dot ${showOf(contact)}`), who]);
    item.dataset.jid = contact.jid;
    item.addEventListener("click", () => openConversation(contact.jid, "chat"));
    list.append(item);
  }
  updatePeerHeader();
}

async function loadRequests() {
  const { body } = await api(me("/subscription-requests"));
  $("requests").hidden = body.length === 0;
  const list = $("request-list");
  list.replaceChildren();
  for (const request of body) {
    const accept = el("button", "accept", "Accept");
    accept.addEventListener("click", () => answer(request.jid, true));
    const deny = el("button", "deny", "Deny");
    deny.addEventListener("click", () => answer(request.jid, false));
    list.append(li([el("span", "", request.jid), accept, deny]));
  }
}

async function answer(jid, accept) {
  const action = (a) =>
    api(me(`/contacts/${enc(jid)}/subscription`), {
      method: "POST",
      body: JSON.stringify({ action: a }),
    });
  await action(accept ? "approve" : "deny");
  if (accept) {
    // Ask back, so both see each other; already subscribed is fine.
    await action("request").catch(() => {});
  }
  await Promise.all([loadRequests(), loadContacts()]);
}

async function loadConversations() {
  const { body } = await api(me("/conversations?limit=100"));
  const list = $("conversations");
  list.replaceChildren();
  for (const c of body) {
    const who = el("div", "who");
    who.append(el("strong", "", c.with));
    who.append(el("div", "", c.last.body));
    const contact = state.contacts.find((k) => k.jid === c.with);
    const show = c.kind === "groupchat" ? "chat" : contact ? showOf(contact) : "offline";
    const parts = [el("span", `dot ${show}`), who];
    if (c.unread > 0 && state.current?.with !== c.with)
      parts.push(el("span", "badge", String(c.unread)));
    const item = li(parts);
    item.dataset.jid = c.with;
    if (state.current?.with === c.with) item.classList.add("selected");
    item.addEventListener("click", () => openConversation(c.with, c.kind));
    list.append(item);
  }
}

function loadAll() {
  return Promise.all([loadContacts(), loadRequests(), loadConversations()]).catch((err) =>
    console.warn(err),
  );
}

// --- one conversation --------------------------------------------------------------------

function updatePeerHeader() {
  const current = state.current;
  if (!current) return;
  $("peer-name").textContent = current.with;
  const contact = state.contacts.find((c) => c.jid === current.with);
  const show = current.kind === "groupchat" ? "chat" : contact ? showOf(contact) : "offline";
  $("peer-dot").className = `dot ${show}`;
  $("peer-status").textContent =
    current.kind === "groupchat" ? "room" : contact?.presence[0]?.status || show;
}

/** A message bubble; `key` shows each message once (history and live events overlap). */
function addMessage(message, where = "end") {
  if (state.seen.has(message.key)) return;
  state.seen.add(message.key);
  const box = el("div", `message${message.mine ? " mine" : ""}`);
  box.dataset.key = message.key;
  box.append(el("div", "bubble", message.body));
  const time = new Date(message.time).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
  });
  box.append(el("div", "meta", message.who ? `${message.who} · ${time}` : time));
  const pane = $("messages");
  if (where === "start") {
    $("older").after(box);
  } else {
    const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
    pane.append(box);
    if (atBottom || message.mine) pane.scrollTop = pane.scrollHeight;
  }
}

function historyMessage(m, current) {
  if (current.kind === "groupchat") {
    const mine = m.nick === current.nick;
    return { key: m.messageId || m.id, body: m.body, time: m.time, mine, who: m.nick };
  }
  return { key: m.messageId || m.id, body: m.body, time: m.time, mine: m.direction === "out" };
}

async function loadOlder() {
  const current = state.current;
  if (!current || state.loadingOlder || state.older === null) return;
  state.loadingOlder = true;
  $("older").hidden = false;
  try {
    const before = state.older ? `&before=${enc(state.older)}` : "";
    const path =
      current.kind === "groupchat"
        ? me(`/rooms/${enc(current.with)}/messages?limit=30${before}`)
        : me(`/messages?with=${enc(current.with)}&limit=30${before}`);
    const { body } = await api(path);
    if (state.current !== current) return;
    const pane = $("messages");
    const fromBottom = pane.scrollHeight - pane.scrollTop;
    // Newest first in the answer: each older one goes above the others.
    for (const m of body.messages) {
      if (typeof m.body === "string") addMessage(historyMessage(m, current), "start");
    }
    pane.scrollTop = pane.scrollHeight - fromBottom;
    state.older = body.older ? body.older.before : null;
  } finally {
    state.loadingOlder = false;
    $("older").hidden = true;
  }
}

async function openConversation(jid, kind) {
  state.current = { with: jid, kind };
  state.seen = new Set();
  state.older = undefined;
  const pane = $("messages");
  pane.replaceChildren($("older"));
  $("text").disabled = false;
  $("send").disabled = false;
  $("text").focus();
  updatePeerHeader();
  if (kind === "groupchat") {
    const { body } = await api(me("/rooms"));
    state.current.nick = body.rooms.find((r) => r.room === jid)?.nick;
  }
  await loadOlder();
  pane.scrollTop = pane.scrollHeight;
  markRead();
  loadConversations();
}

async function markRead() {
  const current = state.current;
  if (!current) return;
  await api(me(`/conversations/${enc(current.with)}/read`), { method: "POST", body: "{}" }).catch(
    () => {},
  );
}

async function send(event) {
  event.preventDefault();
  const current = state.current;
  const text = $("text").value;
  if (!current || text.trim() === "") return;
  $("text").value = "";
  clearTimeout(state.typingPause);
  state.typingSent = 0;
  const path =
    current.kind === "groupchat" ? me(`/rooms/${enc(current.with)}/messages`) : me("/messages");
  const payload = current.kind === "groupchat" ? { body: text } : { to: current.with, body: text };
  const { body } = await api(path, { method: "POST", body: JSON.stringify(payload) });
  addMessage({ key: body.id, body: text, time: new Date().toISOString(), mine: true });
  loadConversations();
}

// --- live events -------------------------------------------------------------------------

function openEvents() {
  state.events?.close();
  // After a reload, resume after the last event this tab saw: nothing lost, nothing twice.
  const last = store.getItem("lastEventId");
  const after = last ? `&after=${enc(last)}` : "";
  const source = new EventSource(
    `${state.bridge}${me(`/events?access_token=${enc(state.token)}${after}`)}`,
  );
  state.events = source;
  source.onmessage = (message) => {
    store.setItem("lastEventId", message.lastEventId);
    handle(JSON.parse(message.data));
  };
  return new Promise((resolve) => {
    source.onopen = resolve;
    setTimeout(resolve, 5000);
  });
}

function bare(jid) {
  return (jid || "").split("/")[0];
}

/** XEP-0085: the peer's chat state, shown in the header while it is "composing". */
function showTyping(from, state) {
  if (isCurrentPeer(from)) {
    updatePeerHeader();
    if (state === "composing") $("peer-status").textContent = "typing…";
  }
}

function isCurrentPeer(from) {
  return state.current?.kind === "chat" && state.current.with === bare(from);
}

/** Tells the peer the user is typing, at most every few seconds; "paused" after a pause. */
function typing() {
  const current = state.current;
  if (current?.kind !== "chat") return;
  const to = current.with;
  const say = (chatState) =>
    api(me("/typing"), { method: "POST", body: JSON.stringify({ to, state: chatState }) }).catch(
      () => {},
    );
  if (Date.now() - state.typingSent > 3000) {
    state.typingSent = Date.now();
    say("composing");
  }
  clearTimeout(state.typingPause);
  state.typingPause = setTimeout(() => {
    state.typingSent = 0;
    say("paused");
  }, 5000);
}

function handle(event) {
  const stanza = event.stanza;
  const typed = event.event;
  if (typed?.type === "typing") {
    showTyping(typed.from, typed.state);
    return;
  }
  if (stanza.kind === "message" && typeof stanza.body === "string") {
    const room = stanza.room_event;
    const groupchat = stanza.type === "groupchat";
    const mine = stanza.carbon === "sent" || room?.self === true;
    const peer = groupchat ? bare(stanza.from) : mine ? bare(stanza.to) : bare(stanza.from);
    if (!mine && isCurrentPeer(stanza.from)) updatePeerHeader();
    if (state.current?.with === peer && !room?.history) {
      addMessage({
        key: typed?.id || room?.id || stanza.id || event.id,
        body: stanza.body,
        time: event.time,
        mine,
        who: groupchat ? room?.nick : undefined,
      });
      if (!mine && document.visibilityState === "visible") markRead();
    }
    loadConversations();
    return;
  }
  if (typed?.type === "subscription-request") loadRequests();
  if (typed?.type === "presence" || typed?.type === "contact" || typed?.type === "subscription") {
    loadContacts();
  }
}

// --- wiring ------------------------------------------------------------------------------

function switchTab(chats) {
  $("tab-chats").classList.toggle("active", chats);
  $("tab-contacts").classList.toggle("active", !chats);
  $("conversations").hidden = !chats;
  $("contacts").hidden = chats;
}

async function addContact(event) {
  event.preventDefault();
  const jid = $("add-jid").value.trim();
  if (!jid) return;
  await api(me(`/contacts/${enc(jid)}`), { method: "PUT", body: JSON.stringify({}) });
  await api(me(`/contacts/${enc(jid)}/subscription`), {
    method: "POST",
    body: JSON.stringify({ action: "request" }),
  }).catch(() => {});
  $("add-jid").value = "";
  switchTab(false);
  loadContacts();
}

async function joinRoom() {
  const room = $("add-jid").value.trim();
  if (!room) return;
  await api(me(`/rooms/${enc(room)}`), { method: "PUT", body: "{}" });
  $("add-jid").value = "";
  switchTab(true);
  await openConversation(room, "groupchat");
}

async function setPresence() {
  const show = $("presence").value || null;
  await api(me("/presence"), { method: "PUT", body: JSON.stringify({ show }) });
  $("me-dot").className = `dot ${show || "available"}`;
}

$("login-form").addEventListener("submit", login);
$("composer").addEventListener("submit", (e) => send(e).catch((err) => alert(err.message)));
$("add-form").addEventListener("submit", (e) => addContact(e).catch((err) => alert(err.message)));
$("join-room").addEventListener("click", () => joinRoom().catch((err) => alert(err.message)));
$("presence").addEventListener("change", () => setPresence().catch((err) => alert(err.message)));
$("logout").addEventListener("click", () => logout());
$("text").addEventListener("input", typing);
$("tab-chats").addEventListener("click", () => switchTab(true));
$("tab-contacts").addEventListener("click", () => switchTab(false));
$("messages").addEventListener("scroll", () => {
  if ($("messages").scrollTop < 40) loadOlder();
});

// The bridge: ?bridge= in the page's address, else the last one used, else a local one.
const params = new URLSearchParams(location.search);
$("bridge").value = params.get("bridge") || "http://127.0.0.1:5281";
const saved = JSON.parse(store.getItem("chat") || "null");
if (saved) {
  // A reload: the token (never the password) is still in this tab.
  state.bridge = saved.bridge;
  start(saved.jid, saved.token, 600);
}
