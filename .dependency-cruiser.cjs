/**
 * The layer order of ../shared/DESIGN.md ("Dependencies point one way"), checked by
 * `npm run deps` (part of `npm test`):
 *
 *   wiring (main, cli, bridge)
 *     -> http
 *       -> services: outbound, inbound, bots, accounts, rooms, stream, webhook, cluster,
 *          messages, commands
 *         -> infrastructure: xmpp, store, formats, access
 *           -> stanza, and the plain modules beside it (owner, log, metrics)
 *
 * A module may import its own layer and the layers below it, never one above; the
 * configuration (config.ts, config/) is read by the wiring only, and nothing imports the
 * wiring. No import cycle anywhere in src/.
 */
const services = "(outbound|inbound|bots|accounts|rooms|stream|webhook|cluster|messages|commands)";
const infrastructure = "(xmpp|store|formats|access)";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "An import cycle: the modules cannot be understood (or loaded) one at a time.",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "http-not-to-xmpp",
      severity: "error",
      comment: "HTTP talks to services, never to a socket: no value or type from src/xmpp/.",
      from: { path: "^src/http/" },
      to: { path: "^src/xmpp/" },
    },
    {
      name: "config-only-from-wiring",
      severity: "error",
      comment: "Lower layers declare the settings they read; only the wiring reads config.",
      from: { path: "^src/", pathNot: "^src/(main|cli|bridge|config)\\.ts$|^src/config/" },
      to: { path: "^src/config(\\.ts$|/)" },
    },
    {
      name: "nothing-to-wiring",
      severity: "error",
      comment: "The wiring builds everything; nothing builds the wiring.",
      from: { path: "^src/", pathNot: "^src/(main|cli|bridge)\\.ts$" },
      to: { path: "^src/(main|cli|bridge)\\.ts$" },
    },
    {
      name: "services-not-to-http",
      severity: "error",
      comment: "Services below HTTP hold no HTTP types or routes.",
      from: { path: `^src/${services}/` },
      to: { path: "^src/http/" },
    },
    {
      name: "infrastructure-not-up",
      severity: "error",
      comment: "xmpp, store, formats and access know nothing of the services or HTTP.",
      from: { path: `^src/${infrastructure}/` },
      to: { path: `^src/(http|${services.slice(1, -1)})/` },
    },
    {
      name: "stanza-is-the-bottom",
      severity: "error",
      comment: "stanza/ (JIDs, namespaces, kinds, errors) imports nothing of ours.",
      from: { path: "^src/stanza/" },
      to: { path: "^src/", pathNot: "^src/stanza/" },
    },
    {
      name: "plain-modules-stay-low",
      severity: "error",
      comment: "owner, log and metrics sit beside stanza/: they may use it, nothing above.",
      from: { path: "^src/(owner|log|metrics(-local)?)\\.ts$" },
      to: {
        path: "^src/",
        pathNot: "^src/(stanza/|owner\\.ts$|log\\.ts$|metrics(-local)?\\.ts$)",
      },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    // Type-only imports count: a type from a layer above is still a dependency on it.
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
