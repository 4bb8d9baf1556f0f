import xml, { type Element } from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { createGatedConnection } from "../../../src/cluster/gated-connection.js";
import type { Role } from "../../../src/cluster/holder.js";
import { silentLogger } from "../../../src/log.js";
import type { ConnectionState } from "../../../src/stanza/connection-states.js";
import { fakeLink } from "../../helpers/fake-link.js";

/** The raw link (online, recording what it writes) and a role the test moves by hand. */
function parts() {
  const written: Element[] = [];
  const raw = fakeLink("rest.example.org", (stanza) => written.push(stanza));
  const inbound = new Set<(stanza: Element) => void>();
  const rawStates = new Set<(state: ConnectionState) => void>();
  raw.onStanza = (handler) => {
    inbound.add(handler);
    return () => inbound.delete(handler);
  };
  raw.onStateChange = (handler) => {
    rawStates.add(handler);
    return () => rawStates.delete(handler);
  };
  const roles = new Set<(role: Role) => void>();
  const holder = {
    role: "standby" as Role,
    writable: true,
    mayWrite: () => holder.role === "holder" && holder.writable,
    onChange(listener: (role: Role) => void) {
      roles.add(listener);
      return () => roles.delete(listener);
    },
    become(role: Role) {
      holder.role = role;
      for (const listener of [...roles]) listener(role);
    },
  };
  const receive = (stanza: Element) => {
    for (const handler of [...inbound]) handler(stanza);
  };
  return { raw, holder, written, receive };
}

describe("the link as a process on a shared database sees it", () => {
  it("is offline for a standby whatever the raw link does, and writes nothing", async () => {
    const { raw, holder, written } = parts();
    const link = createGatedConnection(raw, holder, silentLogger);
    expect(raw.state).toBe("online");
    expect(link.state).toBe("offline");
    await expect(link.send(xml("message", { to: "a@x" }))).rejects.toMatchObject({ status: 503 });
    await expect(link.barrier(1_000)).rejects.toMatchObject({ status: 503 });
    expect(written).toEqual([]);
  });

  it("follows the raw link for the holder, and says when that changes", async () => {
    const { raw, holder, written } = parts();
    const link = createGatedConnection(raw, holder, silentLogger);
    const states: string[] = [];
    link.onStateChange((state) => states.push(state));
    holder.become("holder");
    expect(link.state).toBe("online");
    await link.send(xml("message", { to: "a@x" }));
    expect(written).toHaveLength(1);
    // The lease may have lapsed: nothing more is written, though the role has not moved yet.
    holder.writable = false;
    await expect(link.send(xml("message", { to: "a@x" }))).rejects.toMatchObject({ status: 503 });
    holder.become("standby");
    expect(states).toEqual(["online", "offline"]);
  });

  it("keeps what arrives before the lease is this process's, and hands it on in order once it is", () => {
    const { raw, holder, receive } = parts();
    const link = createGatedConnection(raw, holder, silentLogger);
    const got: string[] = [];
    link.onStanza((stanza) => got.push(stanza.attrs.id ?? ""));
    receive(xml("message", { id: "1" }));
    receive(xml("message", { id: "2" }));
    expect(got).toEqual([]);
    holder.become("holder");
    expect(got).toEqual(["1", "2"]);
    receive(xml("message", { id: "3" }));
    expect(got).toEqual(["1", "2", "3"]);
  });
});
