import { describe, expect, it } from "vitest";
import {
  jsonToStanza,
  jsonToStanzas,
  stanzasToJson,
  stanzaToJson,
} from "../../../src/formats/json/index.js";
import { parseXmlElement, serializeStanza } from "../../../src/formats/xml.js";
import { canonical, corpus, inputs, xmlInputs } from "../../fixtures/stanzas/index.js";

const parse = (xml: string) => parseXmlElement(xml).root;

describe.each(corpus)("JSON mapping corpus: %s", (_file, cases) => {
  describe.each(cases)("$name", ({ xml, json, dropped }) => {
    it("maps the XML to the expected JSON", () => {
      expect(stanzaToJson(parse(xml))).toEqual(json);
    });

    it("maps the JSON back to the same mapped elements", () => {
      const rebuilt = jsonToStanza(json);
      expect(canonical(rebuilt)).toBe(canonical(parse(xml), dropped));
    });

    it("is stable through JSON -> XML -> JSON, also after serialising", () => {
      const rebuilt = parse(serializeStanza(jsonToStanza(json)));
      expect(stanzaToJson(rebuilt)).toEqual(json);
    });
  });
});

describe.each(inputs)("JSON input form: $name", ({ xml, json }) => {
  it("builds the expected stanza", () => {
    expect(canonical(jsonToStanza(json))).toBe(canonical(parse(xml)));
  });
});

describe.each(xmlInputs)("XML input form: $name", ({ xml, json }) => {
  it("reads as the expected JSON", () => {
    expect(stanzaToJson(parse(xml))).toEqual(json);
  });
});

describe("the corpus", () => {
  const all = corpus.flatMap(([, cases]) => cases);

  it("holds at least 60 stanzas", () => {
    expect(all.length).toBeGreaterThanOrEqual(60);
  });

  // Every field the reference's section 3 lists, read from XML at least once; with the
  // round-trip tests above that covers both directions.
  const fields = [
    ...["kind", "type", "to", "from", "id", "lang"],
    ...["delay", "nick", "rsm", "dataform", "payload", "error"],
    ...["body", "subject", "thread", "html", "state", "oob_url", "oob", "replace", "reactions"],
    ...["reply", "fallback", "attach_to", "markable", "displayed", "occupant_id", "stanza_ids"],
    ...["encryption", "invite", "reference", "forwarded", "archive"],
    ...["show", "status", "priority", "caps", "muc", "join", "idle_since", "vcard_update"],
    ...["ping", "version", "disco", "items", "command", "result", "lastactivity", "extdisco"],
    ...["gateway", "register", "stats", "upload_request", "upload_slot"],
    ...["blocklist", "block", "unblock", "properties"],
  ];
  it.each(fields)("covers %s", (field) => {
    expect(all.some(({ json }) => json[field] !== undefined)).toBe(true);
  });

  it("covers archive both as a MAM query and as a MAM result", () => {
    const kinds = all.filter(({ json }) => json.archive !== undefined).map(({ json }) => json.kind);
    expect(new Set(kinds)).toEqual(new Set(["iq", "message"]));
  });
});

describe("several stanzas", () => {
  const archive = corpus.flatMap(([, cases]) => cases).filter((c) => /^mam /.test(c.name));

  it("wraps them as {xmpp: [...]} and back", () => {
    const elements = archive.map((c) => parse(c.xml));
    const json = stanzasToJson(elements);
    expect(json).toEqual({ xmpp: archive.map((c) => c.json) });
    const back = jsonToStanzas(JSON.parse(JSON.stringify(json)));
    expect(back.map((e) => canonical(e))).toEqual(elements.map((e) => canonical(e)));
  });

  it("takes a single stanza object as a list of one", () => {
    expect(jsonToStanzas({ kind: "message", body: "x" })).toHaveLength(1);
  });

  it("names the position of a bad stanza in the list", () => {
    expect(() => jsonToStanzas({ xmpp: [{ body: "ok" }, { body: 1 }] })).toThrow(
      expect.objectContaining({ status: 422, text: expect.stringMatching(/^xmpp\[1\]\.body/) }),
    );
  });

  it("rejects an xmpp member that is not an array", () => {
    expect(() => jsonToStanzas({ xmpp: "no" })).toThrow(expect.objectContaining({ status: 422 }));
  });
});
