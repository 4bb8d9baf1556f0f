import { readFile, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { extname, join, resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { freePort } from "../helpers/ports.js";
import { ACCOUNT_HOST, startXmppServer, type XmppServer } from "../helpers/server.js";

/** Debian's chromium (scripts/ensure-deps.sh installs it); playwright never downloads one. */
const CHROMIUM = "/usr/bin/chromium";
const PAGE_DIR = resolve("examples/web-chat");
/** Where the README shows the web chat: written by this test, for a person to look at. */
const SCREENSHOT = resolve("docs/web-chat.png");
const ALICE = `alice@${ACCOUNT_HOST}`;
const CAROL = `carol@${ACCOUNT_HOST}`;
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
};

let server: XmppServer;
let bridge: TestBridge;
let pages: Server;
let pagesUrl = "";
let browser: Browser;

/** Any static server will do (README): this one serves the folder on loopback. */
async function servePages(port: number): Promise<Server> {
  const http = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const file = join(PAGE_DIR, path === "/" ? "index.html" : path);
    if (!file.startsWith(PAGE_DIR) || !(await stat(file).catch(() => undefined))?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(await readFile(file));
  });
  await new Promise<void>((done) => http.listen(port, "127.0.0.1", done));
  return http;
}

async function logIn(page: Page, jid: string, password: string) {
  await page.goto(`${pagesUrl}/index.html?bridge=${encodeURIComponent(bridge.url)}`);
  await page.fill("#jid", jid);
  await page.fill("#password", password);
  await page.click("#login-form button[type=submit]");
  // Logged in once the page shows who it is (its session open, the token in hand).
  await page.locator("#me-jid", { hasText: jid }).waitFor({ timeout: 20_000 });
}

const bubbles = (page: Page, text: string) =>
  page.locator(".message .bubble", {
    hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`),
  });

async function sendText(page: Page, text: string) {
  await page.fill("#text", text);
  await page.click("#send");
  await bubbles(page, text).waitFor({ timeout: 10_000 });
}

/** What Basic on /v1/me says, from outside the pages. */
async function meAs(jid: string, password: string, path: string) {
  const res = await fetch(`${bridge.url}/v1/me${path}`, {
    headers: { authorization: `Basic ${Buffer.from(`${jid}:${password}`).toString("base64")}` },
  });
  return res.json();
}

beforeAll(async () => {
  server = await startXmppServer({
    accountUsers: [
      { username: "alice", password: "alice-pw" },
      { username: "carol", password: "carol-pw" },
    ],
  });
  const port = await freePort();
  pagesUrl = `http://127.0.0.1:${port}`;
  pages = await servePages(port);
  bridge = await startTestBridge(server, {
    XMPP_REST_ACCOUNT_DOMAINS: `${ACCOUNT_HOST}=127.0.0.1:${server.accounts?.port}`,
    XMPP_REST_ACCOUNT_CA_FILE: server.accounts?.caFile ?? "",
    XMPP_REST_CORS_ORIGINS: pagesUrl,
    XMPP_REST_IQ_TIMEOUT: "5",
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-gpu",
      "--no-first-run",
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((done) => pages?.close(done));
  await bridge?.stop();
  await server?.stop();
});

describe("the web chat in a real browser", () => {
  it("lets two people subscribe, talk both ways and reload without losing or repeating a message", async () => {
    const alice = await (
      await browser.newContext({ viewport: { width: 1100, height: 700 } })
    ).newPage();
    const carol = await (
      await browser.newContext({ viewport: { width: 1100, height: 700 } })
    ).newPage();
    const errors: string[] = [];
    for (const page of [alice, carol]) {
      page.on("pageerror", (err) => errors.push(err.message));
    }
    await logIn(alice, ALICE, "alice-pw");
    await logIn(carol, CAROL, "carol-pw");

    // Carol adds Alice (and asks to see her presence); Alice accepts.
    await carol.fill("#add-jid", ALICE);
    await carol.click("#add-contact");
    await carol.locator(`#contacts li[data-jid="${ALICE}"]`).waitFor({ timeout: 10_000 });
    const request = alice.locator("#request-list li", { hasText: CAROL });
    await request.waitFor({ timeout: 10_000 });
    await request.locator("button.accept").click();
    await request.waitFor({ state: "detached", timeout: 10_000 });
    // Alice asked back on accepting: Carol accepts too, and both see each other.
    const back = carol.locator("#request-list li", { hasText: ALICE });
    await back.locator("button.accept").click();
    await expect
      .poll(
        async () => {
          const contacts = (await meAs(CAROL, "carol-pw", "/contacts")) as {
            jid: string;
            subscription: string;
          }[];
          return contacts.find((c) => c.jid === ALICE)?.subscription;
        },
        { timeout: 10_000 },
      )
      .toBe("both");

    // Alice writes from her contact list; Carol sees it live, unread, and answers.
    await alice.click("#tab-contacts");
    await alice.locator(`#contacts li[data-jid="${CAROL}"]`).click();
    await sendText(alice, "Hi Carol!");
    await carol.click("#tab-chats");
    const unread = carol.locator(`#conversations li[data-jid="${ALICE}"] .badge`);
    await unread.waitFor({ timeout: 10_000 });
    expect(await unread.textContent()).toBe("1");
    await carol.locator(`#conversations li[data-jid="${ALICE}"]`).click();
    await bubbles(carol, "Hi Carol!").waitFor({ timeout: 10_000 });
    // Typing shows on the other side (XEP-0085), until the message comes.
    await carol.fill("#text", "Hello Alice, how are you?");
    await alice.locator("#peer-status", { hasText: "typing…" }).waitFor({ timeout: 10_000 });
    await carol.click("#send");
    await bubbles(alice, "Hello Alice, how are you?").waitFor({ timeout: 10_000 });

    // A message while Alice's page reloads: it arrives once, and nothing shows twice.
    await Promise.all([alice.reload(), sendText(carol, "Sent while you reloaded")]);
    await alice.locator("#me-jid", { hasText: ALICE }).waitFor({ timeout: 10_000 });
    await alice.locator(`#conversations li[data-jid="${CAROL}"]`).click();
    await bubbles(alice, "Sent while you reloaded").waitFor({ timeout: 10_000 });
    await sendText(carol, "And one after");
    await bubbles(alice, "And one after").waitFor({ timeout: 10_000 });
    for (const text of [
      "Hi Carol!",
      "Hello Alice, how are you?",
      "Sent while you reloaded",
      "And one after",
    ]) {
      expect(await bubbles(alice, text).count(), text).toBe(1);
    }
    await sendText(alice, "Fine, thanks! Lunch at noon?");
    await bubbles(carol, "Fine, thanks! Lunch at noon?").waitFor({ timeout: 10_000 });

    await carol.screenshot({ path: SCREENSHOT });
    expect((await stat(SCREENSHOT)).size).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
  }, 120_000);

  it("joins a room and talks in it", async () => {
    const page = await (await browser.newContext()).newPage();
    await logIn(page, ALICE, "alice-pw");
    await page.fill("#add-jid", `web-${Date.now()}@conference.localhost`);
    await page.click("#join-room");
    await page.locator("#text:not([disabled])").waitFor({ timeout: 10_000 });
    await sendText(page, "Hello room");
    // The room's own echo (XEP-0045 §7.4) does not show it twice: once the conversation list
    // has it as the room's last message, the bridge has seen the echo.
    await page
      .locator("#conversations li .who div", { hasText: /^Hello room$/ })
      .waitFor({ timeout: 10_000 });
    const history = await bubbles(page, "Hello room").count();
    expect(history).toBe(1);
  }, 60_000);

  it("is refused by the bridge from an origin it does not list", async () => {
    const res = await fetch(`${bridge.url}/v1/me`, {
      method: "OPTIONS",
      headers: {
        origin: "http://evil.example",
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const allowed = await fetch(`${bridge.url}/v1/me`, {
      method: "OPTIONS",
      headers: { origin: pagesUrl, "access-control-request-method": "GET" },
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe(pagesUrl);
  });
});
