import type Database from "better-sqlite3";
import type { CommandRecord, CommandStore } from "../commands.js";
import type { Writer } from "./writer.js";

interface CommandRow {
  owner: string;
  node: string;
  name: string;
}

/** The owners' commands in the SQLite store (table of migration 6). */
export function createSqliteCommands(db: Database.Database, writer: Writer): CommandStore {
  const all = db.prepare<[], CommandRow>(
    "SELECT owner, node, name FROM commands ORDER BY owner, position",
  );
  const ofOwner = db.prepare<[string], CommandRow>(
    "SELECT owner, node, name FROM commands WHERE owner = ? ORDER BY position",
  );
  const clear = db.prepare<[string]>("DELETE FROM commands WHERE owner = ?");
  const insert = db.prepare<[string, number, string, string]>(
    "INSERT INTO commands (owner, position, node, name) VALUES (?, ?, ?, ?)",
  );
  const replace = db.transaction((owner: string, commands: readonly CommandRecord[]) => {
    clear.run(owner);
    commands.forEach((c, i) => {
      insert.run(owner, i, c.node, c.name);
    });
  });
  return {
    listCommands: (owner) =>
      writer.read(() => {
        const grouped = new Map<string, CommandRecord[]>();
        for (const row of owner === undefined ? all.all() : ofOwner.all(owner)) {
          const list = grouped.get(row.owner) ?? [];
          list.push({ node: row.node, name: row.name });
          grouped.set(row.owner, list);
        }
        return [...grouped].map(([key, commands]) => ({ owner: key, commands }));
      }),
    putCommands: (owner, commands) => writer.write(() => replace(owner, commands)),
  };
}
