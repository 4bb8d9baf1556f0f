// Prints the README's configuration table from the one list of options in src/config.ts.
import { OPTIONS } from "../src/config.js";

const rows = OPTIONS.map((o) => {
  const dflt = o.required ? "**required**" : o.default === undefined ? "off" : `\`${o.default}\``;
  return `| \`${o.env}\` | \`${o.key}\` | ${dflt} | ${o.description} | ${o.modRest ? `\`${o.modRest}\`` : ""} |`;
});
process.stdout.write(
  [
    "| environment variable | config file key | default | meaning | mod_rest option |",
    "|---|---|---|---|---|",
    ...rows,
    "",
  ].join("\n"),
);
