import xml, { type Element } from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { createUploader, uploadPlaces } from "../../../src/messages/upload.js";
import type { Owner } from "../../../src/owner.js";
import { NS } from "../../../src/stanza/ns.js";

const BOT: Owner = { kind: "bot", name: "pal" };
const ALICE: Owner = { kind: "account", jid: "alice@example.net" };
const CAROL: Owner = { kind: "account", jid: "carol@example.net" };

/** Disco answers of a few servers, each listing its upload service; records who asked what. */
function servers(services: Record<string, string>) {
  const asked: { owner: Owner; to: string; what: string }[] = [];
  const ask = async (owner: Owner, iq: Element): Promise<Element> => {
    const to = iq.attrs.to ?? "";
    const query = iq.getChild("query");
    asked.push({ owner, to, what: query?.attrs.xmlns ?? "" });
    if (query?.attrs.xmlns === NS.discoItems) {
      const service = services[to];
      return xml(
        "iq",
        { type: "result", from: to },
        xml("query", { xmlns: NS.discoItems }, ...(service ? [xml("item", { jid: service })] : [])),
      );
    }
    const features = Object.values(services).includes(to) ? [NS.upload] : [];
    return xml(
      "iq",
      { type: "result", from: to },
      xml("query", { xmlns: NS.discoInfo }, ...features.map((v) => xml("feature", { var: v }))),
    );
  };
  return { ask, asked };
}

describe("uploadPlaces", () => {
  it("sends a bot to the component's server (or the configured service), an account to its own", () => {
    const placeOf = uploadPlaces("rest.example.org", undefined);
    expect(placeOf(BOT)).toEqual({ server: "example.org", service: undefined });
    expect(placeOf(ALICE)).toEqual({ server: "example.net" });
    const configured = uploadPlaces("rest.example.org", "upload.example.org");
    expect(configured(BOT).service).toBe("upload.example.org");
    // The configured service belongs to the component's server, not to the accounts'.
    expect(configured(ALICE)).toEqual({ server: "example.net" });
  });
});

describe("the uploader's service", () => {
  it("finds each owner's service on its own server, asked as that owner", async () => {
    const { ask, asked } = servers({
      "example.org": "upload.example.org",
      "example.net": "share.example.net",
    });
    const uploader = createUploader({
      ask,
      placeOf: uploadPlaces("rest.example.org", undefined),
      timeoutMs: 1_000,
    });
    try {
      expect((await uploader.service(BOT)).jid).toBe("upload.example.org");
      expect((await uploader.service(ALICE)).jid).toBe("share.example.net");
      expect(asked.filter((a) => a.to === "example.net").map((a) => a.owner)).toEqual([ALICE]);
      expect(asked.filter((a) => a.to === "example.org").map((a) => a.owner)).toEqual([BOT]);
    } finally {
      await uploader.close();
    }
  });

  it("remembers a server's answer for the next owner there, and no more servers than its bound", async () => {
    const { ask, asked } = servers({ "example.net": "share.example.net", "a.test": "up.a.test" });
    const uploader = createUploader({
      ask,
      placeOf: uploadPlaces("rest.example.org", undefined),
      timeoutMs: 1_000,
      cacheSize: 1,
    });
    try {
      await uploader.service(ALICE);
      const before = asked.length;
      await uploader.service(CAROL);
      expect(asked.length).toBe(before);
      // A second server pushes the first out: it is asked again.
      await uploader.service({ kind: "account", jid: "dave@a.test" });
      await uploader.service(ALICE);
      expect(asked.filter((a) => a.to === "example.net")).toHaveLength(2);
    } finally {
      await uploader.close();
    }
  });

  it("answers 501 naming the server when none of its items uploads", async () => {
    const { ask } = servers({});
    const uploader = createUploader({
      ask,
      placeOf: uploadPlaces("rest.example.org", undefined),
      timeoutMs: 1_000,
    });
    try {
      await expect(uploader.service(ALICE)).rejects.toMatchObject({
        status: 501,
        text: expect.stringContaining("no item of example.net has urn:xmpp:http:upload:0"),
      });
    } finally {
      await uploader.close();
    }
  });
});
