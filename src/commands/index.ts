/**
 * Command menus (README, "Messages, files and commands"): XEP-0050 ad-hoc commands, the XMPP
 * form of Telegram's command menus and inline keyboards. An owner declares its commands; the
 * bridge answers the command list (XEP-0030 disco#items on the commands node, §2.2) and each
 * command's disco#info, gives every run a session (§3.3), hands the user's steps to the
 * owner as events, sends the owner's answer (a note, a form for the next step, §3.4), and
 * answers the user itself when the owner does not in time (`wait`/`remote-server-timeout`),
 * when the user cancels (§4.3), and for sessions it never gave or that are over (§4.6).
 */
import xml, { type Element } from "@xmpp/xml";
import type { Logger } from "../log.js";
import { type Owner, ownerId } from "../owner.js";
import { conflict, notFound, StanzaError, timedOut, unprocessable } from "../stanza/errors.js";
import { NS } from "../stanza/ns.js";
import type { CommandRecord, CommandStore } from "../store/commands.js";
import type { Outcome } from "../webhook/reply.js";
import { commandForm } from "./form.js";
import { type Session, Sessions } from "./sessions.js";

export type { CommandRecord } from "../store/commands.js";

/** What the bridge did with an inbound stanza (see Commands.take). */
export type Take = "answered" | "deliver" | "other";

export interface Commands {
  /** Reads every owner's commands from the store (again: the menus become the store's). */
  load(): Promise<void>;
  /** Replaces the owner's commands (422 naming what is wrong). */
  declare(owner: Owner, commands: unknown): Promise<CommandRecord[]>;
  list(owner: Owner): readonly CommandRecord[];
  /**
   * An inbound stanza to the owner: "answered" (the command list, a command's disco#info, a
   * cancel, an error: the bridge answered it), "deliver" (a step of a run, its session id set
   * on `<command>`: the owner's to answer, not an iq to track) or "other".
   */
  take(owner: Owner, stanza: Element): Take;
  /** The owner's answer to the step waiting in a session: 404 unknown, 409 over or answered, 422 bad. */
  answer(owner: Owner, sessionId: string, answer: unknown): Promise<void>;
  /** A webhook's answer to a step (the reply rules' turn when false). */
  webhookAnswer(owner: Owner, stanza: Element, outcome: Outcome): boolean;
  stop(): void;
}

export interface CommandsOptions {
  readonly store: CommandStore;
  /** Sends the bridge's answers to users. */
  readonly send: (stanza: Element) => Promise<void>;
  /** How long a user's step waits for the owner's answer (the iq timeout), ms. */
  readonly answerMs: number;
  /** How long a session waits for the user's next step, ms. */
  readonly idleMs?: number;
  readonly log: Pick<Logger, "warn">;
}

const ACTIONS = ["execute", "next", "prev", "complete", "cancel"] as const;
const STEP_ACTIONS = ["next", "prev", "complete"] as const;
const NOTE_TYPES = ["info", "warn", "error"] as const;
/** Most commands one owner offers: a menu, not a catalogue. */
export const MAX_COMMANDS = 100;
const IDLE_MS = 10 * 60_000;

const reply = (iq: Element, ...children: Element[]) =>
  xml("iq", { type: "result", from: iq.attrs.to, to: iq.attrs.from, id: iq.attrs.id }, ...children);

/** §4.6: an error with the commands namespace's own condition beside the general one. */
function commandError(iq: Element, error: StanzaError, specific?: string): Element {
  const element = error.toElement();
  if (specific) element.append(xml(specific, { xmlns: NS.commands }));
  const { from, to, id } = iq.attrs;
  return xml("iq", { type: "error", from: to, to: from, id }, element);
}

function parseCommands(value: unknown): CommandRecord[] {
  if (!Array.isArray(value)) throw unprocessable(`the body must be an array of {node, name}`);
  if (value.length > MAX_COMMANDS) throw unprocessable(`at most ${MAX_COMMANDS} commands`);
  const nodes = new Set<string>();
  return value.map((raw, i) => {
    const item = raw as Record<string, unknown> | null;
    const node = item?.node;
    const name = item?.name;
    if (typeof node !== "string" || node === "" || node.length > 200 || /[\p{Cc}]/u.test(node)) {
      throw unprocessable(`[${i}].node: a non-empty string (at most 200 characters)`);
    }
    if (node === NS.commands) throw unprocessable(`[${i}].node: '${node}' is the list's own node`);
    if (typeof name !== "string" || name.trim() === "" || /[\p{Cc}]/u.test(name)) {
      throw unprocessable(`[${i}].name: a non-empty string, what clients show`);
    }
    if (nodes.has(node)) throw unprocessable(`[${i}].node: '${node}' is declared twice`);
    nodes.add(node);
    return { node, name };
  });
}

/** The owner's answer as the `<command>` of the result (§3.4); 422 naming what is wrong. */
function answerElement(session: Session, value: unknown): { element: Element; done: boolean } {
  const answer = (value ?? {}) as Record<string, unknown>;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw unprocessable(`the answer must be an object {status, note, form}`);
  }
  const status = answer.status;
  if (status !== "completed" && status !== "executing") {
    throw unprocessable(`status: "completed" (the run is over) or "executing" (a form follows)`);
  }
  const command = xml("command", {
    xmlns: NS.commands,
    node: session.node,
    sessionid: session.id,
    status,
  });
  if (status === "executing") {
    if (answer.form === undefined)
      throw unprocessable(`form: an executing answer needs the next step's form`);
    const actions = answer.actions ?? ["complete"];
    if (
      !Array.isArray(actions) ||
      actions.length === 0 ||
      actions.some((a) => !STEP_ACTIONS.includes(a as (typeof STEP_ACTIONS)[number]))
    ) {
      throw unprocessable(
        `actions: a list of ${STEP_ACTIONS.join(", ")} (the first is the default)`,
      );
    }
    command.append(
      xml(
        "actions",
        { execute: actions[0] as string },
        ...[...new Set(actions as string[])].map((a) => xml(a)),
      ),
    );
  }
  if (answer.note !== undefined) {
    const note =
      typeof answer.note === "string"
        ? { text: answer.note }
        : (answer.note as Record<string, unknown>);
    const type = note?.type ?? "info";
    if (
      typeof note?.text !== "string" ||
      !NOTE_TYPES.includes(type as (typeof NOTE_TYPES)[number])
    ) {
      throw unprocessable(`note: a string, or {type: info|warn|error, text}`);
    }
    command.append(xml("note", { type: type as string }, note.text));
  }
  if (answer.form !== undefined) command.append(commandForm(answer.form));
  return { element: command, done: status === "completed" };
}

export function createCommands(options: CommandsOptions): Commands {
  const { store, send, log } = options;
  const menus = new Map<string, readonly CommandRecord[]>();
  const deliver = (stanza: Element) => {
    send(stanza).catch((err: unknown) => log.warn("command answer not sent", { err }));
  };
  const sessions = new Sessions({
    answerMs: options.answerMs,
    idleMs: options.idleMs ?? IDLE_MS,
    timedOut(_session, iq) {
      const error = timedOut(`the bot did not answer within ${options.answerMs / 1000}s`);
      deliver(commandError(iq, error));
    },
  });

  /** XEP-0030 on the commands node and on each command's node (§2.2, §2.3). */
  const discovery = (owner: string, iq: Element): Element | undefined => {
    const [query, ...rest] = iq.getChildElements();
    if (!query || rest.length > 0 || iq.attrs.type !== "get") return undefined;
    const node = query.attrs.node;
    const commands = menus.get(owner) ?? [];
    if (query.name === "query" && query.attrs.xmlns === NS.discoItems && node === NS.commands) {
      const jid = iq.attrs.to ?? "";
      const items = commands.map((c) => xml("item", { jid, node: c.node, name: c.name }));
      return reply(iq, xml("query", { xmlns: NS.discoItems, node }, ...items));
    }
    if (query.name !== "query" || query.attrs.xmlns !== NS.discoInfo || node === undefined) {
      return undefined;
    }
    if (node === NS.commands) {
      const identity = xml("identity", { category: "automation", type: "command-list" });
      return reply(iq, xml("query", { xmlns: NS.discoInfo, node }, identity));
    }
    const command = commands.find((c) => c.node === node);
    if (!command) return undefined;
    return reply(
      iq,
      xml(
        "query",
        { xmlns: NS.discoInfo, node },
        xml("identity", { category: "automation", type: "command-node", name: command.name }),
        xml("feature", { var: NS.commands }),
        xml("feature", { var: NS.data }),
      ),
    );
  };

  const refuse = (iq: Element, error: StanzaError, specific?: string): Take => {
    deliver(commandError(iq, error, specific));
    return "answered";
  };
  const badRequest = (text: string) => new StanzaError("modify", "bad-request", { text });

  /** A user's iq in a run: a new session, the next step of one, or a cancel. */
  const step = (owner: string, iq: Element, command: Element): Take => {
    const node = command.attrs.node ?? "";
    const action = command.attrs.action ?? "execute";
    if (!ACTIONS.includes(action as (typeof ACTIONS)[number])) {
      return refuse(iq, badRequest(`unknown action '${action}'`), "malformed-action");
    }
    const id = command.attrs.sessionid;
    if (id === undefined) {
      if (!(menus.get(owner) ?? []).some((c) => c.node === node)) {
        return refuse(
          iq,
          new StanzaError("cancel", "item-not-found", { text: `no command '${node}'` }),
        );
      }
      if (action !== "execute")
        return refuse(iq, badRequest("a run starts with execute"), "bad-action");
      command.attrs.sessionid = sessions.start(owner, node, iq).id;
      return "deliver";
    }
    const found = sessions.find(owner, id);
    if (found.kind === "expired") {
      return refuse(
        iq,
        new StanzaError("cancel", "not-allowed", { text: "the session is over" }),
        "session-expired",
      );
    }
    const { session } = found.kind === "found" ? found : { session: undefined };
    if (!session || session.requester !== iq.attrs.from || session.node !== node) {
      return refuse(iq, badRequest(`no session '${id}' of yours`), "bad-sessionid");
    }
    if (action === "cancel") {
      // §4.3: the user may cancel at any point; the owner hears of it too.
      sessions.end(session);
      deliver(
        reply(iq, xml("command", { xmlns: NS.commands, node, sessionid: id, status: "canceled" })),
      );
      return "deliver";
    }
    if (session.waiting) {
      return refuse(
        iq,
        new StanzaError("wait", "unexpected-request", {
          text: "the last step still waits for the bot",
        }),
      );
    }
    sessions.wait(session, iq);
    return "deliver";
  };

  /** Sends the answer to the waiting step; false when nothing waits (the caller says why). */
  const answerSession = (session: Session, value: unknown): boolean => {
    const { element, done } = answerElement(session, value);
    const iq = sessions.take(session);
    if (!iq) return false;
    if (done) sessions.end(session);
    deliver(reply(iq, element));
    return true;
  };

  return {
    async load() {
      // Again later too (another process held the link meanwhile): the store's menus only.
      const stored = await store.listCommands();
      menus.clear();
      for (const { owner, commands } of stored) menus.set(owner, commands);
    },
    async declare(owner, value) {
      const commands = parseCommands(value);
      await store.putCommands(ownerId(owner), commands);
      menus.set(ownerId(owner), commands);
      return commands;
    },
    list: (owner) => menus.get(ownerId(owner)) ?? [],
    take(owner, stanza) {
      if (stanza.name !== "iq") return "other";
      const key = ownerId(owner);
      const answer = discovery(key, stanza);
      if (answer) {
        deliver(answer);
        return "answered";
      }
      const command = stanza.getChild("command", NS.commands);
      if (stanza.attrs.type !== "set" || !command) return "other";
      return step(key, stanza, command);
    },
    async answer(owner, sessionId, value) {
      const found = sessions.find(ownerId(owner), sessionId);
      if (found.kind === "unknown") throw notFound(`no command session '${sessionId}'`);
      if (found.kind === "expired") {
        throw conflict(`command session '${sessionId}' is over (completed, canceled or expired)`);
      }
      if (!found.session.waiting) {
        throw conflict(`command session '${sessionId}': no step of the user waits for an answer`);
      }
      answerSession(found.session, value);
    },
    webhookAnswer(owner, stanza, outcome) {
      const command = stanza.getChild("command", NS.commands);
      const id = command?.attrs.sessionid;
      if (stanza.attrs.type !== "set" || id === undefined) return false;
      const found = sessions.find(ownerId(owner), id);
      const session = found.kind === "found" ? found.session : undefined;
      // Answered already (a cancel, a timeout, the bot's POST): nothing more to send.
      if (!session || session.waiting?.iq.attrs.id !== stanza.attrs.id) return true;
      if (outcome.kind !== "answered" || outcome.status < 200 || outcome.status > 299) {
        sessions.end(session);
        return false;
      }
      const body = outcome.body.trim();
      if (body === "") return true; // The bot answers by POST .../commands/{sessionId}.
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
      const isAnswer = typeof parsed === "object" && parsed !== null && "status" in parsed;
      if (!isAnswer || (parsed as { kind?: unknown }).kind !== undefined) {
        sessions.take(session);
        return false;
      }
      try {
        answerSession(session, parsed);
      } catch (err) {
        log.warn("webhook's command answer not used", { err });
        sessions.end(session);
        deliver(
          commandError(
            stanza,
            new StanzaError("wait", "internal-server-error", {
              text: "the bot's answer was not usable",
            }),
          ),
        );
      }
      return true;
    },
    stop: () => sessions.clear(),
  };
}
