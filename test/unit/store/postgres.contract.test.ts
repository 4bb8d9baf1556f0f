import { afterAll, beforeAll } from "vitest";
import { openStore } from "../../../src/store/index.js";
import { type Postgres, postgresAvailable, startPostgres } from "../../helpers/postgres.js";
import { storeContract } from "./contract.js";

// The same suite as SQLite's, on a real PostgreSQL the harness starts (Debian's package).
let server: Postgres | undefined;
let uri = "";

beforeAll(async () => {
  if (postgresAvailable) server = await startPostgres();
});

afterAll(async () => {
  await server?.stop();
});

if (!postgresAvailable) throw new Error("PostgreSQL is not installed (apt-get install postgresql)");

storeContract("PostgreSQL", {
  async open(options) {
    if (!server) throw new Error("no PostgreSQL");
    uri = await server.createDatabase();
    return openStore(uri, options);
  },
  reopen: (options) => openStore(uri, options),
});
