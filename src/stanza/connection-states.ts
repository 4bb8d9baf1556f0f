/**
 * The states of a connection to the XMPP server (the component link, an account's session):
 * one list, the types and the API's enums derive from it. It sits with the protocol's other
 * vocabulary so that every layer (the HTTP API's /health too) names the same states.
 */
export const CONNECTION_STATES = ["offline", "connecting", "online", "stopped"] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];
