/** XML namespaces the bridge reads or writes, one place for all (spec in each comment). */
export const NS = {
  client: "jabber:client", // RFC 6120 §4.8.3
  component: "jabber:component:accept", // XEP-0114
  streams: "http://etherx.jabber.org/streams", // RFC 6120 §4.8.1
  streamErrors: "urn:ietf:params:xml:ns:xmpp-streams", // RFC 6120 §4.9.3
  stanzas: "urn:ietf:params:xml:ns:xmpp-stanzas", // RFC 6120 §8.3
  receipts: "urn:xmpp:receipts", // XEP-0184
  delay: "urn:xmpp:delay", // XEP-0203
  nick: "http://jabber.org/protocol/nick", // XEP-0172
  rsm: "http://jabber.org/protocol/rsm", // XEP-0059
  jsonMsg: "urn:xmpp:json-msg:0", // XEP-0432
  json: "urn:xmpp:json:0", // XEP-0335
  data: "jabber:x:data", // XEP-0004
  ping: "urn:xmpp:ping", // XEP-0199
  version: "jabber:iq:version", // XEP-0092
  last: "jabber:iq:last", // XEP-0012
  gateway: "jabber:iq:gateway", // XEP-0100
  register: "jabber:iq:register", // XEP-0077
  stats: "http://jabber.org/protocol/stats", // XEP-0039
  forward: "urn:xmpp:forward:0", // XEP-0297
  mam: "urn:xmpp:mam:2", // XEP-0313
  discoInfo: "http://jabber.org/protocol/disco#info", // XEP-0030
  discoItems: "http://jabber.org/protocol/disco#items", // XEP-0030
  commands: "http://jabber.org/protocol/commands", // XEP-0050
  upload: "urn:xmpp:http:upload:0", // XEP-0363
  xhtmlIm: "http://jabber.org/protocol/xhtml-im", // XEP-0071
  xhtml: "http://www.w3.org/1999/xhtml", // XEP-0071
  chatStates: "http://jabber.org/protocol/chatstates", // XEP-0085
  correct: "urn:xmpp:message-correct:0", // XEP-0308
  retract: "urn:xmpp:message-retract:1", // XEP-0424 (0.4)
  retractLegacy: "urn:xmpp:message-retract:0", // XEP-0424 (0.3, inside XEP-0422 apply-to)
  fasten: "urn:xmpp:fasten:0", // XEP-0422 (what XEP-0424 0.3 and XEP-0425 0.2 wrap in)
  moderate: "urn:xmpp:message-moderate:1", // XEP-0425 (0.3)
  moderateLegacy: "urn:xmpp:message-moderate:0", // XEP-0425 (0.2)
  hints: "urn:xmpp:hints", // XEP-0334
  sfs: "urn:xmpp:sfs:0", // XEP-0447
  fileMetadata: "urn:xmpp:file:metadata:0", // XEP-0446
  urlData: "http://jabber.org/protocol/url-data", // XEP-0103
  reactions: "urn:xmpp:reactions:0", // XEP-0444
  reply: "urn:xmpp:reply:0", // XEP-0461
  fallback: "urn:xmpp:fallback:0", // XEP-0428
  attach: "urn:xmpp:message-attaching:1", // XEP-0367
  markers: "urn:xmpp:chat-markers:0", // XEP-0333
  occupantId: "urn:xmpp:occupant-id:0", // XEP-0421
  sid: "urn:xmpp:sid:0", // XEP-0359
  eme: "urn:xmpp:eme:0", // XEP-0380
  conference: "jabber:x:conference", // XEP-0249
  reference: "urn:xmpp:reference:0", // XEP-0372
  xOob: "jabber:x:oob",
  iqOob: "jabber:iq:oob",
  extdisco: "urn:xmpp:extdisco:2",
  caps: "http://jabber.org/protocol/caps", // XEP-0115
  muc: "http://jabber.org/protocol/muc", // XEP-0045
  mucUser: "http://jabber.org/protocol/muc#user", // XEP-0045 §7
  mucOwner: "http://jabber.org/protocol/muc#owner", // XEP-0045 §10
  mucAdmin: "http://jabber.org/protocol/muc#admin", // XEP-0045 §8, §9
  mucRoomConfig: "http://jabber.org/protocol/muc#roomconfig", // XEP-0045 §15.5.3 (FORM_TYPE)
  mucRoomInfo: "http://jabber.org/protocol/muc#roominfo", // XEP-0045 §15.5.4 (FORM_TYPE)
  roomEvent: "urn:xmpp-rest:room-event:0", // the bridge's note on room stanzas (README, "Rooms")
  accountNote: "urn:xmpp-rest:account:0", // the bridge's note on an account's stanzas (README, "Accounts")
  carbons: "urn:xmpp:carbons:2", // XEP-0280
  roster: "jabber:iq:roster", // RFC 6121 §2
  privateStorage: "jabber:iq:private", // XEP-0049
  bookmarks: "urn:xmpp:bookmarks:1", // XEP-0402
  bookmarksLegacy: "storage:bookmarks", // XEP-0048
  pubsub: "http://jabber.org/protocol/pubsub", // XEP-0060
  idle: "urn:xmpp:idle:1", // XEP-0319
  vcardUpdate: "vcard-temp:x:update", // XEP-0153
  blocking: "urn:xmpp:blocking", // XEP-0191
  reporting: "urn:xmpp:reporting:1", // XEP-0377
  properties: "http://www.jivesoftware.com/xmlns/xmpp/properties", // Smack stanza properties
} as const;
