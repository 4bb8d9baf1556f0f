/**
 * An account's history (GET /v1/accounts/{jid}/messages): from its server's archive (XEP-0313
 * on its own JID, XEP-0059 pages) where the server keeps one, newest first, with the
 * archive's ids (the same as the live events' stanza-ids); otherwise from the bridge's store,
 * as a bot's history.
 */
import { serializeStanza } from "../formats/xml.js";
import { badRequest } from "../stanza/errors.js";
import type { HistoryEntry, HistoryStore } from "../store/history.js";
import type { Connection } from "../xmpp/connection.js";
import { queryArchive } from "./archive.js";
import { bareOf } from "./router.js";

export interface AccountHistoryQuery {
  readonly with?: string | undefined;
  readonly before?: string | undefined;
  readonly after?: string | undefined;
  /** RFC 3339 (the archive only). */
  readonly start?: string | undefined;
  readonly end?: string | undefined;
  readonly limit: number;
}

export interface AccountHistoryPage {
  /** Newest first. */
  readonly entries: readonly HistoryEntry[];
  readonly hasOlder: boolean;
  readonly hasNewer: boolean;
  readonly source: "archive" | "store";
}

export async function accountHistory(
  jid: string,
  query: AccountHistoryQuery,
  where: {
    readonly archive: Pick<Connection, "request"> | undefined;
    readonly store: Pick<HistoryStore, "pageHistory">;
    readonly owner: string;
    readonly timeoutMs: number;
  },
): Promise<AccountHistoryPage> {
  if (!where.archive) {
    if (query.start !== undefined || query.end !== undefined) {
      throw badRequest(
        "start and end need the server's archive, which this account's server lacks",
      );
    }
    for (const [name, value] of [
      ["before", query.before],
      ["after", query.after],
    ] as const) {
      if (value !== undefined && !/^\d+$/.test(value)) {
        throw badRequest(`${name} must be a history id (a decimal number); '${value}' is not one`);
      }
    }
    const page = await where.store.pageHistory(where.owner, query);
    return { ...page, source: "store" };
  }
  const forward = query.after !== undefined;
  const page = await queryArchive(
    where.archive,
    jid,
    {
      with: query.with,
      start: query.start,
      end: query.end,
      ...(forward ? { after: query.after } : { before: query.before ?? "" }),
      max: query.limit,
    },
    where.timeoutMs,
  );
  const entries: HistoryEntry[] = [];
  for (const item of page.messages) {
    const body = item.message.getChildText("body");
    if (body === null || body === undefined) continue;
    const from = item.message.attrs.from ?? "";
    const to = item.message.attrs.to ?? "";
    entries.push({
      id: item.id,
      time: item.time,
      direction: bareOf(from) === jid ? "out" : "in",
      from,
      to,
      type: item.message.attrs.type ?? "normal",
      body,
      stanza: serializeStanza(item.message),
    });
  }
  entries.reverse();
  return {
    entries,
    hasOlder: forward ? true : !page.complete,
    hasNewer: forward ? !page.complete : query.before !== undefined,
    source: "archive",
  };
}
