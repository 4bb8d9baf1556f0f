import type Database from "better-sqlite3";
import type { BotRecord, BotStore, BotWebhook } from "../bots.js";
import { forgetOwner } from "./forget.js";
import type { Writer } from "./writer.js";

interface BotRow {
  name: string;
  token_hashes: string;
  webhook: string | null;
  auto_join_on_invite: number;
  created_at: number;
  updated_at: number;
}

const toRecord = (row: BotRow): BotRecord => ({
  name: row.name,
  tokenHashes: JSON.parse(row.token_hashes) as string[],
  webhook: row.webhook === null ? undefined : (JSON.parse(row.webhook) as BotWebhook),
  ...(row.auto_join_on_invite ? { autoJoinOnInvite: true } : {}),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** The bot registry's table, and forgetting a deleted bot's owner data with it. */
export function createSqliteBots(db: Database.Database, writer: Writer): BotStore {
  const allBots = db.prepare<[], BotRow>("SELECT * FROM bots ORDER BY name");
  const oneBot = db.prepare<[string], BotRow>("SELECT * FROM bots WHERE name = ?");
  const upsertBot = db.prepare<[string, string, string | null, number, number, number]>(
    `INSERT INTO bots (name, token_hashes, webhook, auto_join_on_invite, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET token_hashes = excluded.token_hashes,
       webhook = excluded.webhook, auto_join_on_invite = excluded.auto_join_on_invite,
       updated_at = excluded.updated_at`,
  );
  const removeBot = db.prepare<[string]>("DELETE FROM bots WHERE name = ?");
  const forget = forgetOwner(db);
  const deleteAll = db.transaction((name: string, owner: string) => {
    const existed = removeBot.run(name).changes > 0;
    forget(owner);
    return existed;
  });

  return {
    listBots: () => writer.read(() => allBots.all().map(toRecord)),
    getBot: (name) =>
      writer.read(() => {
        const row = oneBot.get(name);
        return row && toRecord(row);
      }),
    putBot: (bot) =>
      writer.write(() => {
        upsertBot.run(
          bot.name,
          JSON.stringify(bot.tokenHashes),
          bot.webhook ? JSON.stringify(bot.webhook) : null,
          bot.autoJoinOnInvite ? 1 : 0,
          bot.createdAt,
          bot.updatedAt,
        );
      }),
    deleteBot: (name, owner) => writer.write(() => deleteAll(name, owner)),
  };
}
