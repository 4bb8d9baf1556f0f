import { type Postgres, startPostgres } from "../../test/helpers/postgres.js";
import type { Cleanup } from "./procs.js";

/**
 * A throwaway PostgreSQL for the scenarios that share a store between processes (the tests'
 * harness: Debian's server binaries, a temp dir, a free loopback port). fsync on, as a real
 * deployment runs it, so PostgreSQL and SQLite (synchronous=FULL) pay for the same durability.
 */
export async function startBenchPostgres(cleanup: Cleanup): Promise<Postgres> {
  const server = await startPostgres({ fsync: true });
  cleanup.add("postgresql", () => server.stop());
  return server;
}

export interface Health {
  readonly xmpp?: string;
  readonly role?: "holder" | "standby";
}

/** One process's /health, or undefined while it does not answer. */
export async function healthOf(url: string): Promise<Health | undefined> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
    return (await res.json()) as Health;
  } catch {
    return undefined;
  }
}

/** Whether the process holds the link and has it online. */
export const holdsLink = (health: Health | undefined) =>
  health?.role === "holder" && health.xmpp === "online";
