import { Component } from "@xmpp/component-core";
import type { Element } from "@xmpp/xml";
import type { XmppServer } from "./server.js";

export interface SilentComponent {
  /** Everything the server routed to silent.localhost. */
  readonly seen: Element[];
  /** Resolves once `count` stanzas matching `match` have arrived. */
  waitFor(match: (stanza: Element) => boolean, count?: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A bare XEP-0114 peer for silent.localhost that never answers anything
 * (xmpp.js's component() would answer unknown iqs itself).
 */
export async function connectSilentComponent(
  server: Pick<XmppServer, "silentService" | "componentSecret">,
): Promise<SilentComponent> {
  const entity = new Component({ service: server.silentService, domain: "silent.localhost" });
  const seen: Element[] = [];
  const listeners = new Set<() => void>();
  entity.on("stanza", (s: Element) => {
    seen.push(s);
    for (const listener of [...listeners]) listener();
  });
  entity.on("error", () => {});
  const online = new Promise<void>((resolve, reject) => {
    entity.once("online", () => resolve());
    entity.once("disconnect", () => reject(new Error("silent component was refused")));
  });
  entity.on("open", (el: Element) => {
    entity.authenticate(el.attrs.id ?? "", server.componentSecret).catch(() => {});
  });
  await entity.connect(server.silentService);
  await entity.open({ domain: "silent.localhost" });
  await online;
  return {
    seen,
    waitFor(match, count = 1, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (seen.filter(match).length < count) return false;
          clearTimeout(timer);
          listeners.delete(onStanza);
          resolve();
          return true;
        };
        const onStanza = () => {
          check();
        };
        const timer = setTimeout(() => {
          listeners.delete(onStanza);
          reject(new Error(`silent.localhost saw fewer than ${count} matching stanzas`));
        }, timeoutMs);
        if (!check()) listeners.add(onStanza);
      });
    },
    async stop() {
      await entity.stop().catch(() => {});
    },
  };
}
