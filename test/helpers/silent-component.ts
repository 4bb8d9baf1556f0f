import { Component } from "@xmpp/component-core";
import type { Element } from "@xmpp/xml";
import type { Prosody } from "./prosody.js";

export interface SilentComponent {
  /** Everything the server routed to silent.localhost. */
  readonly seen: Element[];
  stop(): Promise<void>;
}

/**
 * A bare XEP-0114 peer for silent.localhost that never answers anything
 * (xmpp.js's component() would answer unknown iqs itself).
 */
export async function connectSilentComponent(prosody: Prosody): Promise<SilentComponent> {
  const entity = new Component({ service: prosody.service, domain: "silent.localhost" });
  const seen: Element[] = [];
  entity.on("stanza", (s: Element) => seen.push(s));
  entity.on("error", () => {});
  const online = new Promise<void>((resolve, reject) => {
    entity.once("online", () => resolve());
    entity.once("disconnect", () => reject(new Error("silent component was refused")));
  });
  entity.on("open", (el: Element) => {
    entity.authenticate(el.attrs.id ?? "", prosody.componentSecret).catch(() => {});
  });
  await entity.connect(prosody.service);
  await entity.open({ domain: "silent.localhost" });
  await online;
  return {
    seen,
    async stop() {
      await entity.stop().catch(() => {});
    },
  };
}
