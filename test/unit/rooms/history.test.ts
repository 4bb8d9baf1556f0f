import { describe, expect, it } from "vitest";
import type { RoomArchive } from "../../../src/rooms/archive.js";
import {
  archiveBefore,
  archiveCursorBefore,
  archiveHistoryPage,
} from "../../../src/rooms/history.js";
import { StanzaError } from "../../../src/stanza/errors.js";

const ROOM = "lobby@conference.localhost";

describe("room history cursors", () => {
  it("tells archive cursors from store ids", () => {
    expect(archiveBefore("42")).toBeUndefined();
    expect(archiveBefore(undefined)).toBeUndefined();
    expect(archiveBefore("archive:")).toBe("");
    expect(archiveBefore("archive:1700000000000123")).toBe("1700000000000123");
  });

  it("leads from a stored message into the archive by the room's own stanza-id", () => {
    const stanza = `<message xmlns="jabber:client" from="${ROOM}/alice" type="groupchat"><body>hi</body><stanza-id xmlns="urn:xmpp:sid:0" by="alice@localhost" id="forged"/><stanza-id xmlns="urn:xmpp:sid:0" by="${ROOM}" id="abc-1"/></message>`;
    expect(archiveCursorBefore(stanza, ROOM)).toBe("archive:abc-1");
  });

  it("asks for the archive's newest page when there is no stamp or no stored message", () => {
    const unstamped = `<message xmlns="jabber:client" from="${ROOM}/alice" type="groupchat"><body>hi</body></message>`;
    expect(archiveCursorBefore(unstamped, ROOM)).toBe("archive:");
    expect(archiveCursorBefore(undefined, ROOM)).toBe("archive:");
    expect(archiveCursorBefore("<not xml", ROOM)).toBe("archive:");
  });
});

describe("archive history pages", () => {
  const failing = (err: StanzaError): Pick<RoomArchive, "read"> => ({
    read: () => Promise.reject(err),
  });
  const query = { from: "bot@rest.localhost/rooms", room: ROOM, before: "", limit: 10 };

  it("is an empty last page for a room without an archive", async () => {
    const err = new StanzaError("cancel", "feature-not-implemented", { by: ROOM });
    expect(await archiveHistoryPage(failing(err), query)).toEqual({
      source: "archive",
      messages: [],
      older: null,
      newer: null,
    });
  });

  it("keeps the bridge's own 503 and the room's other refusals as errors", async () => {
    const down = new StanzaError("wait", "service-unavailable", { status: 503 });
    await expect(archiveHistoryPage(failing(down), query)).rejects.toBe(down);
    const closed = new StanzaError("auth", "forbidden", { by: ROOM });
    await expect(archiveHistoryPage(failing(closed), query)).rejects.toBe(closed);
  });

  it("prefixes ids and the older cursor so they page on in the archive", async () => {
    const archive: Pick<RoomArchive, "read"> = {
      read: async (q) => {
        expect(q.before).toBe("x9");
        return {
          messages: [
            {
              id: "x8",
              time: "2026-11-24T12:00:00Z",
              from: `${ROOM}/alice`,
              nick: "alice",
              type: "groupchat",
              body: "hi",
              stanza: { kind: "message", body: "hi" },
            },
          ],
          before: "x8",
        };
      },
    };
    const page = await archiveHistoryPage(archive, { ...query, before: "x9" });
    expect(page.messages.map((m) => m.id)).toEqual(["archive:x8"]);
    expect(page.older).toEqual({ before: "archive:x8" });
  });
});
