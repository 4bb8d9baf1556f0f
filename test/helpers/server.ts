import { startEjabberd } from "./ejabberd.js";
import { startProsody } from "./prosody.js";

export type ServerKind = "prosody" | "ejabberd";
export const SERVER_KINDS: readonly ServerKind[] = ["prosody", "ejabberd"];

/** The environment variable that picks the server for test/integration/ (see vitest.config.ts). */
export const SERVER_ENV = "XMPP_REST_TEST_SERVER";

export interface XmppServerOptions {
  /** The bridge's component domain (default rest.localhost). */
  readonly componentDomain?: string;
  readonly componentSecret?: string;
  /** Accounts at `localhost`, registered before the function resolves. */
  readonly users?: readonly { username: string; password: string }[];
  readonly logLevel?: "debug" | "info" | "warn";
  /** The upload service's max-file-size, bytes (default 10 MiB). */
  readonly uploadLimit?: number;
  /**
   * Accounts for the bridge to log in to as a client (issue 21): the host secure.localhost
   * with STARTTLS (a certificate from a CA made for this server), SCRAM, carbons, an archive
   * and stream management. These users are registered there.
   */
  readonly accountUsers?: readonly { username: string; password: string }[];
}

/** The upload service's max-file-size unless a test asks for another. */
export const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;

/** Where the bridge's accounts live (XmppServerOptions.accountUsers). */
export interface AccountHost {
  /** The accounts' domain: secure.localhost. */
  readonly host: string;
  /** The port to connect to for it (STARTTLS). */
  readonly port: number;
  /** The CA that signed the server's certificate (PEM file). */
  readonly caFile: string;
  readonly caPem: string;
}

export const ACCOUNT_HOST = "secure.localhost";

/**
 * A real XMPP server on free loopback ports with its data in a temporary directory: the one
 * shape every integration test uses, whichever server runs underneath. Users live at
 * `host`; the bridge connects to `service` as `componentDomain`; a second component,
 * silent.localhost, may connect to `silentService` with the same secret.
 */
export interface XmppServer {
  readonly kind: ServerKind;
  /** What the server answers to jabber:iq:version (XEP-0092) about itself. */
  readonly software: { readonly name: string; readonly version: RegExp };
  readonly host: string;
  readonly c2sPort: number;
  readonly componentPort: number;
  readonly componentDomain: string;
  readonly componentSecret: string;
  /** XEP-0114 address for the bridge (componentDomain). */
  readonly service: string;
  /** The multi-user chat service (XEP-0045), where anyone may create rooms. */
  readonly mucDomain: string;
  /** The XEP-0363 upload service (listed in the disco#items of `host`), on a loopback HTTP port. */
  readonly uploadDomain: string;
  readonly uploadLimit: number;
  /** XEP-0114 address for silent.localhost (ejabberd needs one listener per component). */
  readonly silentService: string;
  /** Present when the server was started with accountUsers. */
  readonly accounts: AccountHost | undefined;
  /** A temporary directory removed by stop(); tests may put files there. */
  readonly dataDir: string;
  /** Kills the server (SIGKILL): every connection drops at once. */
  kill(): Promise<void>;
  /** Starts it again on the same ports with the same data. */
  restart(): Promise<void>;
  /** Ends every process the server started and removes its files. */
  stop(): Promise<void>;
  /** The server's log so far. */
  log(): Promise<string>;
}

/** The server this test run is for: $XMPP_REST_TEST_SERVER, Prosody when unset. */
export function serverKind(env: NodeJS.ProcessEnv = process.env): ServerKind {
  const value = env[SERVER_ENV] ?? "prosody";
  const kind = SERVER_KINDS.find((k) => k === value);
  if (!kind) throw new Error(`${SERVER_ENV}=${value}: expected one of ${SERVER_KINDS.join(", ")}`);
  return kind;
}

/** Starts the server serverKind() names. */
export function startXmppServer(options: XmppServerOptions = {}): Promise<XmppServer> {
  return serverKind() === "ejabberd" ? startEjabberd(options) : startProsody(options);
}

/**
 * Times the server closed the bridge's component stream, read from its log: the second,
 * independent witness (besides the link's own drop counter) that no stanza cost the stream.
 * Prosody's mod_component logs "Disconnecting component" (info) before every stream error it
 * sends. ejabberd 23.01 logs nothing at info level when it closes a service stream (its
 * "Accepted connection" lines, written asynchronously, include the harness's port probes), so
 * for it there is no such witness: undefined, and the link's counter is the one that counts.
 */
export async function componentDrops(server: XmppServer): Promise<number | undefined> {
  if (server.kind !== "prosody") return undefined;
  return (await server.log()).match(/Disconnecting component/g)?.length ?? 0;
}
