import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge, TOKEN } from "../helpers/bridge.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

/** Debian's chromium (scripts/ensure-deps.sh installs it); playwright never downloads one. */
const CHROMIUM = "/usr/bin/chromium";

let server: XmppServer;
let bridge: TestBridge;
let alice: XmppUser;
let browser: Browser;

beforeAll(async () => {
  server = await startXmppServer({ users: [{ username: "alice", password: "alice-pw" }] });
  bridge = await startTestBridge(server);
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
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
});

afterAll(async () => {
  await browser?.close();
  await alice?.stop();
  await bridge?.stop();
  await server?.stop();
});

describe("GET /docs in a real browser", () => {
  it("renders the operations, sends a message with a token, and talks to no other host", async () => {
    const context = await browser.newContext();
    const requested: string[] = [];
    context.on("request", (request) => requested.push(request.url()));
    const page = await context.newPage();
    try {
      await page.goto(`${bridge.url}/docs`);
      // The operations come from /openapi.json.
      const sendOperation = page.locator(".opblock-post", {
        has: page.locator('.opblock-summary-path[data-path="/rest"]'),
      });
      await sendOperation.waitFor({ timeout: 15_000 });
      for (const path of ["/rest/{kind}/{type}/{to}", "/rest/{query}/{to}", "/health"]) {
        const operation = page.locator(`.opblock-summary-path[data-path="${path}"]`).first();
        expect(await operation.isVisible(), path).toBe(true);
      }

      // Authorize with a token, as a user would.
      // The dialog has a form per scheme (Bearer, and Basic for /v1/me): the Bearer one.
      await page.locator(".auth-wrapper .authorize").click();
      const bearer = page.locator("form", { hasText: "bearer (http, Bearer)" });
      await bearer.locator("input").first().fill(TOKEN);
      await bearer.locator(".modal-btn.authorize").click();
      await page.locator(".auth-btn-wrapper .btn-done").first().click();

      // Try it out: POST /rest with an XML message to alice.
      await sendOperation.locator(".opblock-summary").click();
      await sendOperation.locator(".try-out__btn").click();
      await sendOperation
        .locator("textarea.body-param__text")
        .fill(
          `<message to="${alice.jid}" type="chat" id="from-docs"><body>hello from the docs page</body></message>`,
        );
      await sendOperation.locator(".execute").click();
      const status = sendOperation.locator(".live-responses-table tbody .response-col_status");
      await status.first().waitFor({ timeout: 15_000 });
      expect(await status.first().textContent()).toContain("202");

      const received = await alice.waitFor(
        (s) => s.attrs.id === "from-docs",
        10_000,
        "the message",
      );
      expect(received.getChildText("body")).toBe("hello from the docs page");
    } finally {
      await context.close();
    }

    const origin = new URL(bridge.url).origin;
    expect(requested.length).toBeGreaterThan(3);
    const elsewhere = requested.filter(
      (url) => !url.startsWith("data:") && new URL(url).origin !== origin,
    );
    expect(elsewhere).toEqual([]);
    expect(requested).toContain(`${origin}/openapi.json`);
    expect(requested).toContain(`${origin}/rest`);
  });
});
