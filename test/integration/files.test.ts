import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import xml, { type Element } from "@xmpp/xml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { type EventPoller, eventPoller } from "../helpers/event-poller.js";
import { joinRoom as userJoins } from "../helpers/room-user.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectUser, type XmppUser } from "../helpers/xmpp-user.js";

const PAL = "pal-bot-token-0123456789abc";
const BOT = "pal@rest.localhost";
const OOB = "jabber:x:oob";
const LIMIT = 4 * 1024 * 1024;

let server: XmppServer;
let bridge: TestBridge;
let alice: XmppUser;
let events: EventPoller;
let dir: string;
let configPath: string;

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

function postFile(
  query: string,
  body: NonNullable<RequestInit["body"]>,
  headers: Record<string, string> = {},
  url = bridge.url,
) {
  return fetch(`${url}/v1/bots/pal/files?${query}`, {
    method: "POST",
    body,
    headers: { authorization: `Bearer ${PAL}`, accept: "application/json", ...headers },
    // A stream body needs half duplex in Node's fetch.
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
}

const fileFromBot = (url: string) => (s: Element) =>
  s.name === "message" &&
  (s.attrs.from ?? "").startsWith(BOT.split("@")[0] ?? "") &&
  s.getChild("x", OOB)?.getChildText("url") === url;

async function errorText(res: Response): Promise<string> {
  return ((await res.json()) as { error: { text?: string } }).error.text ?? "";
}

beforeAll(async () => {
  server = await startXmppServer({
    users: [{ username: "alice", password: "alice-pw" }],
    uploadLimit: LIMIT,
  });
  dir = await mkdtemp(join(tmpdir(), "xmpp-rest-files-"));
  configPath = join(dir, "config.json");
  await writeFile(configPath, JSON.stringify({ bots: { pal: { tokens: [PAL] } } }));
  bridge = await startTestBridge(server, { XMPP_REST_IQ_TIMEOUT: "10" }, { configPath });
  alice = await connectUser({ c2sPort: server.c2sPort, username: "alice", password: "alice-pw" });
  events = eventPoller(bridge.url, "pal", PAL);
});

afterAll(async () => {
  await alice?.stop();
  await bridge?.stop();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("files in one request", () => {
  it("uploads a 1 MiB file and sends it as OOB with a URL that downloads the same bytes", async () => {
    const bytes = randomBytes(1024 * 1024);
    const res = await postFile("to=alice@localhost&name=report.bin", bytes, {
      "content-type": "application/octet-stream",
    });
    expect(res.status).toBe(202);
    const sent = (await res.json()) as { id: string; url: string };
    expect(sent.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*report\.bin$/);
    const got = await alice.waitFor(fileFromBot(sent.url));
    expect(got.attrs.id).toBe(sent.id);
    expect(got.getChildText("body")).toBe(sent.url);
    const download = await fetch(sent.url);
    expect(download.status).toBe(200);
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(sha256(bytes));
  });

  it("takes multipart/form-data with a caption, streamed in chunks of unknown length", async () => {
    const bytes = randomBytes(300_000);
    const form = new FormData();
    form.set("caption", "the picture you asked for");
    form.set("file", new Blob([bytes], { type: "image/png" }), "cat.png");
    const res = await postFile("to=alice@localhost", form);
    expect(res.status).toBe(202);
    const sent = (await res.json()) as { url: string };
    expect(sent.url).toMatch(/cat\.png$/);
    await alice.waitFor(fileFromBot(sent.url));
    await alice.waitFor(
      (s) => s.name === "message" && s.getChildText("body") === "the picture you asked for",
    );
    const download = await fetch(sent.url);
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(sha256(bytes));

    // A raw body without a length (chunked) is taken too.
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 1000));
        controller.enqueue(bytes.subarray(1000));
        controller.close();
      },
    });
    const streamed = await postFile("to=alice@localhost&name=cat2.png", chunked, {
      "content-type": "image/png",
    });
    expect(streamed.status).toBe(202);
  });

  it("refuses a file above the service's limit with 413 naming it, before any upload", async () => {
    alice.received.length = 0;
    const res = await postFile("to=alice@localhost&name=big.bin", randomBytes(LIMIT + 1), {
      "content-type": "application/octet-stream",
    });
    expect(res.status).toBe(413);
    expect(await errorText(res)).toContain(String(LIMIT));
    expect(alice.received.filter((s) => s.name === "message")).toHaveLength(0);
  });

  it("names what is missing or wrong: to, name", async () => {
    const noTo = await postFile("name=x.bin", "abc", { "content-type": "text/plain" });
    expect(noTo.status).toBe(422);
    expect(await errorText(noTo)).toMatch(/"to"/);
    const noName = await postFile("to=alice@localhost", "abc", { "content-type": "text/plain" });
    expect(noName.status).toBe(422);
    expect(await errorText(noName)).toMatch(/"name"/);
    const badName = await postFile("to=alice@localhost&name=../etc/passwd", "abc");
    expect(badName.status).toBe(422);
  });

  it("sends a file to a room the bot is in", async () => {
    const room = `files-${Date.now()}@${server.mucDomain}`;
    expect(
      (
        await fetch(`${bridge.url}/v1/bots/pal/rooms/${room}`, {
          method: "PUT",
          body: "{}",
          headers: { authorization: `Bearer ${PAL}`, "content-type": "application/json" },
        })
      ).status,
    ).toBe(200);
    await userJoins(alice, room, "alice");
    const res = await postFile(`to=${room}&name=notes.txt`, "meeting notes", {
      "content-type": "text/plain",
    });
    expect(res.status).toBe(202);
    const { url } = (await res.json()) as { url: string };
    const got = await alice.waitFor(
      (s) => s.attrs.type === "groupchat" && s.getChild("x", OOB)?.getChildText("url") === url,
    );
    expect(got.attrs.from).toBe(`${room}/pal`);
  });

  it("shows a user's attachment in the bot's events", async () => {
    const url = "https://files.example.org/abc/holiday.jpg";
    await alice.send(
      xml(
        "message",
        { to: BOT, type: "chat", id: "att-1" },
        xml("body", {}, url),
        xml("x", { xmlns: OOB }, xml("url", {}, url)),
      ),
    );
    const event = await events.next((e) => e.event?.id === "att-1");
    expect(event.event?.attachments).toEqual([{ url, name: "holiday.jpg" }]);
    const history = (await (
      await fetch(`${bridge.url}/v1/bots/pal/messages?limit=5`, {
        headers: { authorization: `Bearer ${PAL}` },
      })
    ).json()) as { messages: { messageId?: string; attachments?: unknown }[] };
    expect(history.messages.find((m) => m.messageId === "att-1")?.attachments).toEqual([
      { url, name: "holiday.jpg" },
    ]);
  });

  it("answers 501 when the server has no upload service", async () => {
    const elsewhere = await startTestBridge(
      {
        service: server.silentService,
        componentDomain: "silent.localhost",
        componentSecret: server.componentSecret,
      },
      // A service that is there but uploads nothing: the room service.
      { XMPP_REST_UPLOAD_SERVICE: server.mucDomain },
      { configPath },
    );
    try {
      const res = await postFile("to=alice@localhost&name=x.bin", "abc", {}, elsewhere.url);
      expect(res.status).toBe(501);
      expect(await errorText(res)).toMatch(/no file upload service/);
    } finally {
      await elsewhere.stop();
    }
  });
});
