import type pg from "pg";
import type { CommandRecord, CommandStore } from "../commands.js";
import { read } from "./query.js";
import type { PgWriter } from "./writer.js";

interface CommandRow {
  owner: string;
  node: string;
  name: string;
}

/** The owners' commands in the PostgreSQL store (table of migration 3). */
export function createPgCommands(pool: pg.Pool, writer: PgWriter): CommandStore {
  return {
    async listCommands(owner) {
      await writer.barrier();
      const rows =
        owner === undefined
          ? await read<CommandRow>(
              pool,
              "SELECT owner, node, name FROM commands ORDER BY owner, position",
            )
          : await read<CommandRow>(
              pool,
              "SELECT owner, node, name FROM commands WHERE owner = $1 ORDER BY position",
              [owner],
            );
      const grouped = new Map<string, CommandRecord[]>();
      for (const row of rows) {
        const list = grouped.get(row.owner) ?? [];
        list.push({ node: row.node, name: row.name });
        grouped.set(row.owner, list);
      }
      return [...grouped].map(([key, commands]) => ({ owner: key, commands }));
    },
    putCommands: (owner, commands) =>
      writer.transaction(async (client) => {
        await client.query("DELETE FROM commands WHERE owner = $1", [owner]);
        if (commands.length === 0) return;
        await client.query(
          `INSERT INTO commands (owner, position, node, name)
           SELECT $1, position - 1, node, name
           FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS c(node, name, position)`,
          [owner, commands.map((c) => c.node), commands.map((c) => c.name)],
        );
      }),
  };
}
