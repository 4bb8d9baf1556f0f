import type pg from "pg";
import type { BotRecord, BotStore, BotWebhook } from "../bots.js";
import { forgetOwner } from "./forget.js";
import { read, readOne } from "./query.js";
import type { PgWriter } from "./writer.js";

interface BotRow {
  name: string;
  token_hashes: string;
  webhook: string | null;
  auto_join_on_invite: boolean;
  created_at: string;
  updated_at: string;
}

const toRecord = (row: BotRow): BotRecord => ({
  name: row.name,
  tokenHashes: JSON.parse(row.token_hashes) as string[],
  webhook: row.webhook === null ? undefined : (JSON.parse(row.webhook) as BotWebhook),
  ...(row.auto_join_on_invite ? { autoJoinOnInvite: true } : {}),
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

/** The doorbell a bot's change rings for the other processes' registries: "<instance> <name>". */
export const BOTS_CHANNEL = "xr_bots";

/** The bot registry's table; a change rings the other processes (their registries follow). */
export function createPgBots(pool: pg.Pool, writer: PgWriter, instance: string): BotStore {
  const ring = (client: pg.ClientBase, name: string) =>
    client.query("SELECT pg_notify($1, $2)", [BOTS_CHANNEL, `${instance} ${name}`]);
  return {
    async listBots() {
      await writer.barrier();
      return (await read<BotRow>(pool, "SELECT * FROM bots ORDER BY name")).map(toRecord);
    },
    async getBot(name) {
      await writer.barrier();
      const row = await readOne<BotRow>(pool, "SELECT * FROM bots WHERE name = $1", [name]);
      return row && toRecord(row);
    },
    putBot: (bot) =>
      writer.transaction(async (client) => {
        await client.query(
          `INSERT INTO bots (name, token_hashes, webhook, auto_join_on_invite, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (name) DO UPDATE SET token_hashes = excluded.token_hashes,
             webhook = excluded.webhook, auto_join_on_invite = excluded.auto_join_on_invite,
             updated_at = excluded.updated_at`,
          [
            bot.name,
            JSON.stringify(bot.tokenHashes),
            bot.webhook ? JSON.stringify(bot.webhook) : null,
            bot.autoJoinOnInvite === true,
            bot.createdAt,
            bot.updatedAt,
          ],
        );
        await ring(client, bot.name);
      }),
    deleteBot: (name, owner) =>
      writer.transaction(async (client) => {
        const existed =
          ((await client.query("DELETE FROM bots WHERE name = $1", [name])).rowCount ?? 0) > 0;
        await forgetOwner(client, owner);
        await ring(client, name);
        return existed;
      }),
  };
}
