/**
 * SASL for the client stream (RFC 6120 §6): the strongest mechanism both sides have, SCRAM-SHA-256
 * (RFC 7677), then SCRAM-SHA-1 (RFC 5802), then PLAIN (RFC 4616) only inside TLS or to a loopback
 * server, where nobody can read it on the way. A mechanism whose keys the bridge kept (and
 * no password) comes first, so an account without a stored password logs in again.
 */
import xml, { type Element } from "@xmpp/xml";
import { type ScramHash, type ScramKeys, scramExchange } from "./scram.js";
import { StreamFailure, type XmlStream } from "./stream.js";

const NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl";

export interface SaslCredentials {
  /** The localpart, prepared (RFC 4013). */
  readonly username: string;
  readonly password?: string | undefined;
  readonly scram?: ScramKeys | undefined;
}

export interface SaslOutcome {
  readonly mechanism: string;
  /** The keys the SCRAM login used (with the server's salt): kept to log in again. */
  readonly scram?: ScramKeys | undefined;
}

/** The server refused the credentials (RFC 6120 §6.5.10 not-authorized, or §6.5 others). */
export class AuthFailure extends Error {
  override readonly name = "AuthFailure";
  constructor(
    readonly condition: string,
    message: string,
  ) {
    super(message);
  }
}

const SCRAM: readonly (readonly [string, ScramHash])[] = [
  ["SCRAM-SHA-256", "SHA-256"],
  ["SCRAM-SHA-1", "SHA-1"],
];

/** The mechanism to use: null when nothing offered may be used here. */
export function chooseMechanism(
  offered: readonly string[],
  credentials: SaslCredentials,
  plainAllowed: boolean,
): string | null {
  const kept = credentials.scram;
  if (credentials.password === undefined) {
    if (!kept) return null;
    const name = SCRAM.find(([, hash]) => hash === kept.hash)?.[0];
    return name && offered.includes(name) ? name : null;
  }
  for (const [name] of SCRAM) if (offered.includes(name)) return name;
  if (plainAllowed && offered.includes("PLAIN")) return "PLAIN";
  return null;
}

export function offeredMechanisms(features: Element): string[] {
  return (
    features
      .getChild("mechanisms", NS_SASL)
      ?.getChildren("mechanism")
      .map((m) => m.text().trim()) ?? []
  );
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const unb64 = (el: Element) => Buffer.from(el.text().trim(), "base64").toString("utf8");

function failureOf(el: Element): AuthFailure {
  const condition =
    el.children.find((c): c is Element => typeof c !== "string" && c.name !== "text")?.name ??
    "not-authorized";
  const text = el.getChildText("text");
  return new AuthFailure(
    condition,
    `the server refused the login (${condition}${text ? `: ${text}` : ""})`,
  );
}

/** Runs the exchange on the stream; resolves on <success/>, rejects with AuthFailure on <failure/>. */
export async function authenticate(
  stream: XmlStream,
  features: Element,
  credentials: SaslCredentials,
  plainAllowed: boolean,
  timeoutMs: number,
): Promise<SaslOutcome> {
  const offered = offeredMechanisms(features);
  const mechanism = chooseMechanism(offered, credentials, plainAllowed);
  if (!mechanism) {
    throw new AuthFailure(
      "invalid-mechanism",
      `no usable SASL mechanism (the server offers ${offered.join(", ") || "none"}${plainAllowed ? "" : "; PLAIN needs TLS"})`,
    );
  }
  const answer = async () => {
    const el = await stream.next(timeoutMs);
    if (el.attrs.xmlns !== NS_SASL) {
      throw new StreamFailure("protocol", `unexpected <${el.name}/> during SASL`);
    }
    if (el.name === "failure") throw failureOf(el);
    return el;
  };

  if (mechanism === "PLAIN") {
    // RFC 4616 §2: authzid (empty), authcid, password, NUL-separated.
    const message = `\u0000${credentials.username}\u0000${credentials.password ?? ""}`;
    stream.send(xml("auth", { xmlns: NS_SASL, mechanism }, b64(message)));
    const el = await answer();
    if (el.name !== "success") throw new StreamFailure("protocol", `unexpected <${el.name}/>`);
    return { mechanism };
  }

  const hash = SCRAM.find(([name]) => name === mechanism)?.[1] ?? "SHA-1";
  const scram = scramExchange({
    hash,
    username: credentials.username,
    password: credentials.password,
    kept: credentials.scram,
  });
  stream.send(xml("auth", { xmlns: NS_SASL, mechanism }, b64(scram.first())));
  const challenge = await answer();
  if (challenge.name !== "challenge") {
    throw new StreamFailure("protocol", `expected a SCRAM challenge, got <${challenge.name}/>`);
  }
  let final: string;
  try {
    final = scram.final(unb64(challenge));
  } catch (err) {
    stream.send(xml("abort", { xmlns: NS_SASL }));
    throw new AuthFailure("aborted", err instanceof Error ? err.message : String(err));
  }
  stream.send(xml("response", { xmlns: NS_SASL }, b64(final)));
  let outcome = await answer();
  // RFC 6120 §6.4.6: the server's final message may come as a last challenge.
  if (outcome.name === "challenge") {
    scram.verify(unb64(outcome));
    stream.send(xml("response", { xmlns: NS_SASL }));
    outcome = await answer();
    if (outcome.name !== "success") throw new StreamFailure("protocol", "expected <success/>");
  } else if (outcome.name === "success") {
    try {
      scram.verify(unb64(outcome));
    } catch (err) {
      // The server could not prove it knows the keys: it is not the server we think it is.
      throw new AuthFailure(
        "server-not-verified",
        err instanceof Error ? err.message : String(err),
      );
    }
  } else throw new StreamFailure("protocol", `unexpected <${outcome.name}/>`);
  return { mechanism, scram: scram.keys };
}
