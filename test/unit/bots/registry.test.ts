import { describe, expect, it } from "vitest";
import { createBotRegistry } from "../../../src/bots/registry.js";
import { silentLogger } from "../../../src/log.js";
import { parseJid } from "../../../src/stanza/jid.js";
import { openStore, type Store } from "../../../src/store/index.js";

const CONFIG_TOKEN = "config-bot-token-0123456789";

async function registry(store?: Store) {
  const r = createBotRegistry({
    domain: "rest.example.org",
    adminTokens: ["admin-token"],
    configured: { Fixed: { tokens: [CONFIG_TOKEN] } },
    store: store ?? (await openStore(":memory:")),
    log: silentLogger,
  });
  await r.load();
  return r;
}

describe("the bot registry", () => {
  it("tells admin and bot tokens apart", async () => {
    const r = await registry();
    expect(r.authenticate("admin-token")).toEqual({ kind: "admin" });
    expect(r.authenticate(CONFIG_TOKEN)).toEqual({ kind: "bot", name: "fixed" });
    expect(r.authenticate("nope")).toBeUndefined();
  });

  it("generates a token for a new bot, keeps tokens on update, and forgets them on delete", async () => {
    const r = await registry();
    const changes: string[] = [];
    r.onChange((name) => changes.push(name));
    const created = await r.put("Helper", {});
    expect(created.created).toBe(true);
    expect(created.bot.name).toBe("helper");
    const token = created.token ?? "";
    expect(r.authenticate(token)).toEqual({ kind: "bot", name: "helper" });

    const updated = await r.put("helper", { webhook: { url: "http://127.0.0.1:1/" } });
    expect(updated.created).toBe(false);
    expect(updated.token).toBeUndefined();
    expect(r.authenticate(token)).toEqual({ kind: "bot", name: "helper" });
    expect(r.get("helper")?.webhook?.url).toBe("http://127.0.0.1:1/");

    await r.put("helper", { tokens: ["replacement-token-0123"] });
    expect(r.authenticate(token)).toBeUndefined();
    expect(r.authenticate("replacement-token-0123")).toEqual({ kind: "bot", name: "helper" });

    expect(await r.delete("helper")).toBe(true);
    expect(r.authenticate("replacement-token-0123")).toBeUndefined();
    expect(await r.delete("helper")).toBe(false);
    expect(changes).toEqual(["helper", "helper", "helper", "helper"]);
  });

  it("keeps bots made at run time in the store, hashed, for the next start", async () => {
    const store = await openStore(":memory:");
    const first = await registry(store);
    const { token } = await first.put("kept", {});
    const [stored] = await store.listBots();
    expect(stored?.tokenHashes).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(token);

    const second = await registry(store);
    expect(second.get("kept")?.source).toBe("api");
    expect(second.authenticate(token ?? "")).toEqual({ kind: "bot", name: "kept" });
  });

  it("routes an address at the domain (any resource) to its bot, and nothing else", async () => {
    const r = await registry();
    const at = (jid: string) =>
      r.forAddress(parseJid(jid) ?? { local: "", domain: "", resource: "" })?.name;
    expect(at("fixed@rest.example.org")).toBe("fixed");
    expect(at("FIXED@rest.example.org/any/where")).toBe("fixed");
    expect(at("rest.example.org")).toBeUndefined();
    expect(at("unknown@rest.example.org")).toBeUndefined();
    expect(at("fixed@elsewhere.org")).toBeUndefined();
  });

  it("refuses to change or delete a bot from the config file (409)", async () => {
    const r = await registry();
    await expect(r.put("fixed", {})).rejects.toMatchObject({ status: 409 });
    await expect(r.delete("fixed")).rejects.toMatchObject({ status: 409 });
  });

  it("follows bots changed through another process: read again from the store, listeners told once", async () => {
    const store = await openStore(":memory:");
    const here = await registry(store);
    // Another process (another registry on the same store) makes, changes and deletes bots.
    const elsewhere = await registry(store);
    const changes: string[] = [];
    here.onChange((name) => changes.push(name));
    const { token } = await elsewhere.put("made-elsewhere", {});
    expect(here.get("made-elsewhere")).toBeUndefined();
    await here.refresh("made-elsewhere");
    expect(here.get("made-elsewhere")?.source).toBe("api");
    expect(here.authenticate(token ?? "")).toEqual({ kind: "bot", name: "made-elsewhere" });
    // Nothing changed: nobody is told.
    await here.refresh("made-elsewhere");
    await elsewhere.put("made-elsewhere", { webhook: { url: "http://127.0.0.1:1/" } });
    await elsewhere.put("other", {});
    await here.refresh();
    expect(here.get("made-elsewhere")?.webhook?.url).toBe("http://127.0.0.1:1/");
    await elsewhere.delete("made-elsewhere");
    await here.refresh("made-elsewhere");
    expect(here.get("made-elsewhere")).toBeUndefined();
    expect(here.authenticate(token ?? "")).toBeUndefined();
    expect(changes).toEqual(["made-elsewhere", "made-elsewhere", "other", "made-elsewhere"]);
    // A config file's bot stays as the file says.
    await here.refresh("fixed");
    expect(here.get("fixed")?.source).toBe("config");
  });
});
