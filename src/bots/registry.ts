import { ADMIN, type Principal } from "../access/principal.js";
import { generateToken, hashToken, TokenTable } from "../access/tokens.js";
import type { Logger } from "../log.js";
import { botOwner, ownerId } from "../owner.js";
import { notAllowed, unprocessable } from "../stanza/errors.js";
import { type Jid, parseJid } from "../stanza/jid.js";
import type { BotRecord, BotStore, BotWebhook } from "../store/bots.js";
import type { BotSettings } from "./input.js";
import { botName } from "./names.js";

export interface Bot {
  readonly name: string;
  /** `name@domain`. */
  readonly address: string;
  /** Where it was defined: the config file's bots are read-only through the API. */
  readonly source: "config" | "api";
  readonly webhook: BotWebhook | undefined;
  /** Joins the rooms it is invited to (README, "Rooms"). */
  readonly autoJoinOnInvite: boolean;
  readonly tokenCount: number;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface PutResult {
  readonly bot: Bot;
  readonly created: boolean;
  /** The token generated for a new bot that was given none; shown once, never stored. */
  readonly token?: string;
}

export interface BotRegistry {
  /** Reads the store's bots; the config file's win over stored ones with the same name. */
  load(): Promise<void>;
  /**
   * Reads a bot again from the store, after another process changed it (all of them without
   * a name): listeners hear of each bot that changed, as if it was changed here.
   */
  refresh(name?: string): Promise<void>;
  get(name: string): Bot | undefined;
  list(): Bot[];
  /** The bot an inbound stanza's `to` addresses (any resource), if any. */
  forAddress(to: Jid): Bot | undefined;
  put(name: string, settings: BotSettings): Promise<PutResult>;
  delete(name: string): Promise<boolean>;
  authenticate(token: string): Principal | undefined;
  /** Called after a bot is created, changed or deleted (webhook dispatchers follow it). */
  onChange(listener: (name: string) => void): () => void;
}

export interface RegistryOptions {
  readonly domain: string;
  readonly adminTokens: readonly string[];
  /** Bots from the config file, by name as written there. */
  readonly configured: Readonly<Record<string, BotSettings>>;
  readonly store: Pick<BotStore, "listBots" | "getBot" | "putBot" | "deleteBot">;
  readonly log: Logger;
  readonly now?: () => Date;
}

export function createBotRegistry(options: RegistryOptions): BotRegistry {
  const { domain, store, log } = options;
  const now = options.now ?? (() => new Date());
  const records = new Map<string, { record: BotRecord; source: Bot["source"] }>();
  const tokens = new TokenTable<Principal>();
  const listeners = new Set<(name: string) => void>();

  const configured = new Map<string, BotRecord>();
  const startedAt = now().getTime();
  for (const [raw, settings] of Object.entries(options.configured)) {
    const name = botName(raw);
    if (!settings.tokens || settings.tokens.length === 0) {
      throw unprocessable(`bot "${raw}" in the config file needs "tokens"`);
    }
    configured.set(name, {
      name,
      tokenHashes: settings.tokens.map(hashToken),
      webhook: settings.webhook,
      autoJoinOnInvite: settings.autoJoinOnInvite === true,
      createdAt: startedAt,
      updatedAt: startedAt,
    });
  }

  const view = (record: BotRecord, source: Bot["source"]): Bot => ({
    name: record.name,
    address: `${record.name}@${domain}`,
    source,
    webhook: record.webhook,
    autoJoinOnInvite: record.autoJoinOnInvite === true,
    tokenCount: record.tokenHashes.length,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  });

  const rebuildTokens = () => {
    const entries: { hash: string; owner: Principal }[] = options.adminTokens.map((t) => ({
      hash: hashToken(t),
      owner: ADMIN,
    }));
    for (const { record } of records.values()) {
      const owner: Principal = { kind: "bot", name: record.name };
      for (const hash of record.tokenHashes) entries.push({ hash, owner });
    }
    tokens.replace(entries);
  };

  const changed = (name: string) => {
    rebuildTokens();
    for (const listener of [...listeners]) {
      try {
        listener(name);
      } catch (err) {
        log.error("bot change listener failed", { bot: name, err });
      }
    }
  };

  /** A stored bot as the store has it now (undefined: gone); config file bots stay as they are. */
  const follow = (name: string, record: BotRecord | undefined) => {
    if (configured.has(name)) return;
    const existing = records.get(name);
    if (!record) {
      if (!existing) return;
      records.delete(name);
      changed(name);
      return;
    }
    if (existing && sameRecord(existing.record, record)) return;
    records.set(name, { record, source: "api" });
    changed(name);
  };

  const readOnly = (name: string) =>
    notAllowed(`bot "${name}" is defined in the config file; change it there`);

  return {
    async load() {
      records.clear();
      for (const record of await store.listBots()) {
        if (configured.has(record.name)) {
          log.warn("bot in the store shadowed by the config file", { bot: record.name });
          continue;
        }
        records.set(record.name, { record, source: "api" });
      }
      for (const record of configured.values()) {
        records.set(record.name, { record, source: "config" });
      }
      rebuildTokens();
    },
    async refresh(name) {
      if (name !== undefined) return follow(name, await store.getBot(name));
      const stored = new Map((await store.listBots()).map((r) => [r.name, r]));
      const names = new Set([...records.keys(), ...stored.keys()]);
      for (const each of names) follow(each, stored.get(each));
    },
    get(name) {
      const entry = records.get(name);
      return entry && view(entry.record, entry.source);
    },
    list() {
      return [...records.values()]
        .map((e) => view(e.record, e.source))
        .sort((a, b) => a.name.localeCompare(b.name));
    },
    forAddress(to) {
      if (to.domain !== domain || to.local === "") return undefined;
      const entry = records.get(to.local);
      return entry && view(entry.record, entry.source);
    },
    async put(raw, settings) {
      const name = botName(raw);
      const existing = records.get(name);
      if (existing?.source === "config") throw readOnly(name);
      let token: string | undefined;
      let tokenHashes = settings.tokens?.map(hashToken);
      if (tokenHashes === undefined || tokenHashes.length === 0) {
        if (existing && settings.tokens === undefined) {
          tokenHashes = [...existing.record.tokenHashes];
        } else {
          token = generateToken();
          tokenHashes = [hashToken(token)];
        }
      }
      const time = now().getTime();
      const record: BotRecord = {
        name,
        tokenHashes,
        webhook: settings.webhook,
        autoJoinOnInvite: settings.autoJoinOnInvite === true,
        createdAt: existing?.record.createdAt ?? time,
        updatedAt: time,
      };
      await store.putBot(record);
      records.set(name, { record, source: "api" });
      changed(name);
      log.info(existing ? "bot updated" : "bot created", { bot: name });
      return { bot: view(record, "api"), created: !existing, ...(token ? { token } : {}) };
    },
    async delete(raw) {
      const name = botName(raw);
      const existing = records.get(name);
      if (!existing) return false;
      if (existing.source === "config") throw readOnly(name);
      // The bot's stream, history and rooms go with it.
      await store.deleteBot(name, ownerId(botOwner(name)));
      records.delete(name);
      changed(name);
      log.info("bot deleted", { bot: name });
      return true;
    },
    authenticate(token) {
      return tokens.find(token);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The bot an address names, if it is one of ours: used where `from` is checked. */
export function botOfAddress(registry: Pick<BotRegistry, "forAddress">, address: string) {
  // A bot is always name@domain: the component's own address (what most stanzas are sent
  // from) names none, and is not worth a JID parse per stanza.
  if (!address.includes("@")) return undefined;
  const jid = parseJid(address);
  return jid && registry.forAddress(jid);
}

function sameRecord(a: BotRecord, b: BotRecord): boolean {
  return (
    a.updatedAt === b.updatedAt &&
    a.createdAt === b.createdAt &&
    a.tokenHashes.join() === b.tokenHashes.join() &&
    JSON.stringify(a.webhook ?? null) === JSON.stringify(b.webhook ?? null) &&
    (a.autoJoinOnInvite === true) === (b.autoJoinOnInvite === true)
  );
}
