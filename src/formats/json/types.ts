/**
 * The JSON shape of a stanza (mod_rest's mapping, see README.md, "The JSON mapping"). Every field is
 * optional: a stanza only carries the fields whose elements it has.
 */
import type { StanzaErrorType } from "../../stanza/errors.js";
import type { StanzaKind } from "../../stanza/kinds.js";

export type Kind = StanzaKind;

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

export interface JsonError {
  type: StanzaErrorType;
  condition: string;
  text?: string;
  by?: string;
}

/** XEP-0059 result set management. */
export interface JsonRsm {
  after?: string;
  /** An empty string asks for the last page. */
  before?: string;
  count?: number;
  first?: string;
  index?: number;
  last?: string;
  max?: number;
}

export interface JsonFormOption {
  label?: string;
  value: string;
}

export interface JsonFormField {
  var?: string;
  type?: string;
  label?: string;
  desc?: string;
  required?: boolean;
  value?: string | string[];
  options?: JsonFormOption[];
}

/** XEP-0004 data form, complete. */
export interface JsonDataForm {
  type: string;
  title?: string;
  instructions?: string;
  fields?: JsonFormField[];
}

/** XEP-0004 data form as a plain map from field var to value(s). */
export type JsonFormData = Record<string, string | string[]>;

export interface JsonPayload {
  datatype?: string;
  data: JsonValue;
}

export interface JsonThread {
  id: string;
  parent?: string;
}

export interface JsonOob {
  url: string;
  desc?: string;
}

export interface JsonReactions {
  id: string;
  reactions: string[];
}

export interface JsonReply {
  id: string;
  to?: string;
}

export interface JsonStanzaId {
  id: string;
  by: string;
}

export interface JsonInvite {
  jid: string;
  password?: string;
  reason?: string;
  thread?: string;
  continue?: boolean;
}

export interface JsonReference {
  type: string;
  uri: string;
  begin?: number;
  end?: number;
}

export interface JsonForwarded {
  delay?: string;
  message?: JsonStanza;
}

/** A XEP-0313 result carried in a message. */
export interface JsonArchiveResult {
  queryid?: string;
  id: string;
  forward?: JsonForwarded;
}

export interface JsonCaps {
  hash: string;
  node: string;
  ver: string;
  ext?: string;
}

export interface JsonMucHistory {
  maxchars?: number;
  maxstanzas?: number;
  seconds?: number;
  since?: string;
}

export interface JsonMuc {
  password?: string;
  history?: JsonMucHistory;
}

/** The bridge's note about an account's session (README, "Accounts"). */
export interface JsonAccountEvent {
  state: string;
  reason?: string;
}

/** The bridge's note on a stanza from a room (README, "Rooms"). */
export interface JsonRoomEvent {
  type: string;
  room: string;
  nick?: string;
  self?: boolean;
  history?: boolean;
  created?: boolean;
  rejoin?: boolean;
  cause?: string;
  role?: string;
  affiliation?: string;
  jid?: string;
  new_nick?: string;
  actor?: string;
  reason?: string;
  subject?: string;
  from?: string;
  password?: string;
  via?: string;
}

/** A file a message carries (XEP-0066 OOB, XEP-0447 stateless file sharing). */
export interface JsonAttachment {
  url: string;
  name?: string;
  /** Bytes. */
  size?: number;
  mediaType?: string;
}

export const MESSAGE_EVENT_TYPES = [
  "message",
  "edit",
  "delete",
  "reactions",
  "read",
  "typing",
] as const;

/** What a message means, typed (README, "Messages, files and commands"); read-only. */
export interface JsonMessageEvent {
  type: (typeof MESSAGE_EVENT_TYPES)[number];
  /** message: its own id; edit, delete, reactions, read: the id of the message it is about. */
  id?: string;
  from: string;
  body?: string;
  /** The id of the message this one replies to (XEP-0461). */
  replyTo?: string;
  attachments?: JsonAttachment[];
  /** reactions: the sender's whole set now ([] when it took them all back). */
  reactions?: string[];
  /** typing: the XEP-0085 chat state. */
  state?: string;
  /** delete by a moderator (XEP-0425): who, and why. */
  by?: string;
  reason?: string;
}

/** A user's step in one of an owner's XEP-0050 commands; read-only. */
export interface JsonCommandEvent {
  type: "command";
  /** The session the bridge keeps for the user's run of the command: answer it by this id. */
  sessionId: string;
  node: string;
  /** execute (a new run, or the default step), next, prev, complete, cancel. */
  action: string;
  from: string;
  /** The submitted form's values, by field var. */
  values?: JsonFormData;
}

/** What an inbound stanza means, typed: a message's or a command step's. */
export type JsonStanzaEvent = JsonMessageEvent | JsonCommandEvent;

export interface JsonVcardUpdate {
  photo?: string;
}

export interface JsonVersion {
  name?: string;
  version?: string;
  os?: string;
}

export interface JsonIdentity {
  category: string;
  type: string;
  name?: string;
}

export interface JsonDiscoInfo {
  node?: string;
  identities: JsonIdentity[];
  features: string[];
  /** XEP-0128 extended information, keyed by FORM_TYPE. */
  extensions?: Record<string, JsonFormData>;
}

export interface JsonItem {
  jid: string;
  node?: string;
  name?: string;
}

export interface JsonCommandActions {
  execute?: string;
  next?: boolean;
  prev?: boolean;
  complete?: boolean;
}

export interface JsonCommand {
  node?: string;
  action?: string;
  actions?: JsonCommandActions;
  status?: string;
  sessionid?: string;
  note?: { type?: string; text: string };
  form?: JsonDataForm;
  /** Input only: a submitted form as a plain map; it comes back as `form`. */
  data?: JsonFormData;
}

/** A XEP-0313 query. */
export interface JsonArchiveQuery {
  queryid?: string;
  node?: string;
  form?: JsonFormData;
  page?: JsonRsm;
}

/** A XEP-0313 `<fin>`. */
export interface JsonArchiveFin {
  complete?: boolean;
  stable?: boolean;
  page?: JsonRsm;
}

export interface JsonLastActivity {
  seconds?: number;
  status?: string;
}

export interface JsonExtService {
  type: string;
  host: string;
  port?: number;
  transport?: string;
  username?: string;
  password?: string;
  expires?: string;
  restricted?: boolean;
  name?: string;
}

export interface JsonExtDisco {
  type?: string;
  services?: JsonExtService[];
}

export interface JsonGateway {
  desc?: string;
  prompt?: string;
  jid?: string;
}

/** jabber:iq:register children: text, or `true` for an empty element (`registered`, `remove`). */
export type JsonRegister = Record<string, string | true>;

export interface JsonStat {
  name: string;
  unit?: string;
  /** A number when the attribute reads as one, else the text. */
  value?: number | string;
}

/** An empty query: what a request (a get) reads as, in mod_rest's form. */
export type JsonEmpty = Record<string, never>;

export interface JsonUploadRequest {
  filename: string;
  size: number;
  "content-type"?: string;
}

/** A Smack property value; `{type, value}` for a Java type JSON has no value for. */
export type JsonPropertyValue = string | number | boolean | { type: string; value: string };
export type JsonProperties = Record<string, JsonPropertyValue>;

/** A XEP-0191 item, with a XEP-0377 report when blocking for spam or abuse. */
export interface JsonBlockItem {
  jid: string;
  report?: { reason?: string; stanza_ids?: JsonStanzaId[] };
}

export interface JsonUploadHeader {
  name: string;
  value: string;
}

/** mod_rest's shape; on input the URLs may also be strings and `headers` a map beside them. */
export interface JsonUploadSlot {
  get: { url: string };
  put: {
    url: string;
    /** Headers the PUT must carry (Authorization, Cookie, Expires). */
    headers?: JsonUploadHeader[];
  };
}

export interface JsonStanza {
  kind: Kind;
  type?: string;
  to?: string;
  from?: string;
  id?: string;
  lang?: string;

  // any kind
  delay?: string;
  nick?: string;
  rsm?: JsonRsm;
  dataform?: JsonDataForm;
  payload?: JsonPayload;
  /** Smack stanza properties (http://www.jivesoftware.com/xmlns/xmpp/properties). */
  properties?: JsonProperties;
  error?: JsonError;

  // message
  body?: string;
  subject?: string;
  thread?: JsonThread;
  html?: string;
  state?: string;
  oob_url?: string;
  /** jabber:x:oob in a message or presence, jabber:iq:oob (`{}` when empty) in an iq. */
  oob?: JsonOob | JsonEmpty;
  replace?: string;
  reactions?: JsonReactions;
  reply?: JsonReply;
  fallback?: boolean;
  attach_to?: string;
  markable?: boolean;
  displayed?: string;
  occupant_id?: string;
  stanza_ids?: JsonStanzaId[];
  encryption?: string;
  invite?: JsonInvite;
  reference?: JsonReference;
  forwarded?: JsonForwarded;
  /** A MAM result in a message, a MAM query in an iq. */
  archive?: JsonArchiveResult | JsonArchiveQuery;

  // presence
  show?: string;
  status?: string;
  priority?: number;
  caps?: JsonCaps;
  muc?: JsonMuc;
  join?: boolean;
  idle_since?: string;
  vcard_update?: JsonVcardUpdate;
  room_event?: JsonRoomEvent;
  /** An account's carbon (XEP-0280): what its other clients sent or received (README, "Accounts"). */
  carbon?: "sent" | "received";
  /** An account's message recovered from its archive after a gap (README, "Accounts"). */
  catchup?: boolean;
  /** A change of an account's session the bridge tells about (auth-failed after a password change). */
  account_event?: JsonAccountEvent;

  // iq
  ping?: boolean;
  version?: JsonVersion | JsonEmpty;
  disco?: JsonDiscoInfo | string | true;
  items?: JsonItem[] | string | true;
  command?: JsonCommand | string;
  result?: JsonArchiveFin;
  lastactivity?: JsonLastActivity;
  extdisco?: JsonExtDisco;
  gateway?: JsonGateway | JsonEmpty;
  register?: JsonRegister;
  stats?: JsonStat[] | JsonEmpty;
  upload_request?: JsonUploadRequest;
  /** XEP-0191: `[]` (or `true` on input) asks for the list. */
  blocklist?: JsonBlockItem[];
  block?: JsonBlockItem[];
  /** An empty list unblocks everyone. */
  unblock?: JsonBlockItem[];
  upload_slot?: JsonUploadSlot;
}

/** Several stanzas in one document (an archive query's messages and its final iq). */
export interface JsonStanzaList {
  xmpp: JsonStanza[];
}
