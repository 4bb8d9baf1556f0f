/**
 * The names the bridge used for its one connection before there could be several: the
 * component link is a Connection (connection.ts) made by createComponentConnection
 * (component.ts). Kept so that callers read as before.
 */
export {
  type ComponentOptions as LinkOptions,
  componentFromRule,
  createComponentConnection as createLink,
  fromIsOurs,
} from "./component.js";
export { type Connection as Link, linkDownError } from "./connection.js";
export {
  CONNECTION_STATES as LINK_STATES,
  type ConnectionState as LinkState,
} from "./supervisor.js";
