/**
 * The one way out (DESIGN, "One log, many connections, three ways out"): every stanza a caller
 * hands the bridge, from `POST /rest` in every form, `/v1/bots/{name}/messages` or a room post,
 * is checked and sent here: the from rule of the principal's connection, the principal's scope
 * (an owner sends only as itself), iq answers claimed against the iq the owner received, the
 * connection's state, the wait for an iq's reply, and the owner's outgoing history.
 */
import type { Element } from "@xmpp/xml";
import type { Principal } from "../access/principal.js";
import type { Owner } from "../owner.js";
import { StanzaError, unprocessable } from "../stanza/errors.js";
import { createJidParser } from "../stanza/jid.js";
import { type ReplyTarget, reply } from "../stanza/message-actions.js";
import { ensureMessageId, senderIdOf } from "../stanza/message-ids.js";
import { NS } from "../stanza/ns.js";
import { type OutgoingRules, prepareOutgoing } from "../stanza/outgoing.js";
import { linkDownError } from "../xmpp/connection.js";
import type { OutboundConnection } from "./connection.js";
import { checkScope, type OwnerDirectory } from "./scope.js";

export type { OutboundConnection } from "./connection.js";
export type { OwnerDirectory } from "./scope.js";

export interface OutboundOptions {
  /** The connection a principal's stanzas leave on (the component link for admins and bots). */
  readonly connectionFor: (principal: Principal) => OutboundConnection;
  readonly owners: OwnerDirectory;
  /**
   * An iq result or error an owner sends must answer an iq it received (RFC 6120 §8.2.3):
   * returns the answer addressed from where that iq went, or throws a 422.
   */
  readonly claimAnswer: (answer: Element, owner: Owner) => Element;
  /** Keeps a message an owner sent in its history; never throws. */
  readonly recordOutgoing: (owner: Owner, stanza: Element) => void;
  /**
   * The message an owner's `replyTo` names, as XEP-0461 wants it referenced (the owner's
   * history and rooms know it); throws a StanzaError (404 for an id it never saw).
   */
  readonly replyTarget?: (owner: Owner, id: string, stanza: Element) => Promise<ReplyTarget>;
}

export interface PrepareOptions {
  /** The namespace the stanza was written in ("" or jabber:client). */
  readonly namespace?: string;
  /** Let an iq of type result or error through: an owner answering an iq it received. */
  readonly iqAnswers?: boolean;
}

export interface SendOptions {
  /** How long an iq waits for its reply. */
  readonly timeoutMs: number;
  /** Keep a message with a body in the sender's history (default true; rooms keep their own). */
  readonly history?: boolean;
  /** An owner's message replies to its message with this API id (XEP-0461, with a fallback quote). */
  readonly replyTo?: string | undefined;
}

/** What a sent stanza got: 202 (message, presence, iq answer) or an iq's reply with its status. */
export interface Sent {
  readonly status: number;
  /** The iq's reply, after the archive results that belong to it (XEP-0313); empty for 202. */
  readonly stanzas: readonly Element[];
  /**
   * A message's API id (stanza/message-ids.ts): what later edits, reactions and replies name
   * it by. An owner's message gets an origin-id (XEP-0359) when it has none.
   */
  readonly id?: string;
}

export interface Outbound {
  /**
   * Checks and completes a stanza a principal wants to send, in place: addressing, namespace,
   * iq shape, a `from` the connection may use (the owner's address when none is given).
   * Throws a StanzaError (403, 422); sends nothing.
   */
  prepare(principal: Principal, stanza: Element, options?: PrepareOptions): Element;
  /** Throws 403 unless the stanza is from the principal's own address (an admin: any). */
  checkScope(principal: Principal, stanza: Element): void;
  /** Throws 503 (with when to retry) unless the principal's connection is online. */
  requireOnline(principal: Principal): void;
  /**
   * Sends a prepared stanza as the principal: 403 for a `from` outside its scope, 503 while its
   * connection is down, 422 for an iq answer that answers nothing; an iq waits for its reply.
   */
  send(principal: Principal, stanza: Element, options: SendOptions): Promise<Sent>;
}

const ACCEPTED: Sent = Object.freeze({ status: 202, stanzas: [] });

export function createOutbound(options: OutboundOptions): Outbound {
  const { connectionFor, owners, claimAnswer, recordOutgoing, replyTarget } = options;
  const parseJid = createJidParser();

  const requireOnline = (connection: OutboundConnection) => {
    if (connection.state !== "online") throw linkDownError(connection.retryAfterSeconds());
  };

  /** An iq result or error is an owner answering an iq it received, nothing else. */
  const claim = (stanza: Element): Element => {
    const owner = owners.ownerOf(stanza.attrs.from ?? "");
    if (!owner) {
      throw unprocessable(
        "an iq must have type 'get' or 'set', unless a bot answers an iq it received",
        "invalid-xml",
      );
    }
    return claimAnswer(stanza, owner);
  };

  const request = async (connection: OutboundConnection, iq: Element, timeoutMs: number) => {
    const mamQueryId = iq.getChild("query", NS.mam)?.attrs.queryid;
    const answer = await connection.request(iq, timeoutMs, mamQueryId ? { mamQueryId } : {});
    const status =
      answer.reply.attrs.type === "error"
        ? (StanzaError.fromElement(answer.reply)?.status ?? 500)
        : 200;
    return { status, stanzas: [...answer.results, answer.reply] };
  };

  return {
    prepare(principal, stanza, { namespace = "", iqAnswers = false } = {}) {
      const connection = connectionFor(principal);
      const rules: OutgoingRules = {
        fromRule: connection.from,
        parseJid,
        iqAnswers,
        ...(principal.kind === "admin" ? {} : { defaultFrom: owners.addressOf(principal) }),
      };
      return prepareOutgoing(stanza, namespace, rules);
    },
    checkScope(principal, stanza) {
      checkScope(principal, stanza, owners, parseJid);
    },
    requireOnline(principal) {
      requireOnline(connectionFor(principal));
    },
    async send(principal, stanza, { timeoutMs, history = true, replyTo }) {
      checkScope(principal, stanza, owners, parseJid);
      const connection = connectionFor(principal);
      requireOnline(connection);
      const { type } = stanza.attrs;
      if (stanza.name === "iq") {
        if (type !== "result" && type !== "error") return request(connection, stanza, timeoutMs);
        await connection.send(claim(stanza));
        return ACCEPTED;
      }
      const owner = owners.ownerOf(stanza.attrs.from ?? "");
      if (replyTo !== undefined) {
        if (!owner || !replyTarget) throw unprocessable("replyTo: only an owner's message replies");
        reply(stanza, await replyTarget(owner, replyTo, stanza));
      }
      // mod_rest's /rest keeps an admin's stanza as written; an owner's message gets its API id.
      const isMessage = stanza.name === "message" && type !== "error";
      const id = !isMessage ? undefined : owner ? ensureMessageId(stanza) : senderIdOf(stanza);
      await connection.send(stanza);
      if (history && owner) recordOutgoing(owner, stanza);
      return id === undefined ? ACCEPTED : { ...ACCEPTED, id };
    },
  };
}
