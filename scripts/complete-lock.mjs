#!/usr/bin/env node
// Run after `npm install` changes package-lock.json (`node scripts/complete-lock.mjs`).
//
// The registry this project is built against serves only the current platform's
// builds of packages such as @biomejs/cli-* and @rollup/rollup-*, so npm leaves the
// other platforms' optional packages out of the lock file, and `npm ci` then
// refuses the lock as out of sync. This adds an entry for each missing optional
// package, marked with the platform its name names, so npm ci knows it and skips it.
import { readFileSync, writeFileSync } from "node:fs";

const OSES = [
  "android",
  "darwin",
  "freebsd",
  "linux",
  "netbsd",
  "openbsd",
  "openharmony",
  "sunos",
  "win32",
  "aix",
];
const CPUS = ["arm64", "x64", "ia32", "arm", "riscv64", "ppc64", "s390x", "loong64", "mips64el"];

function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const os = OSES.find((o) => parts.includes(o));
  const cpu = CPUS.find((c) => parts.includes(c));
  const libc = parts.includes("musl") || parts.includes("musleabihf") ? "musl" : undefined;
  return { os, cpu, libc };
}

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const packages = lock.packages;
const added = [];

for (const [where, meta] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = `${where}/node_modules/${name}`.replace(/^\//, "");
    if (packages[`node_modules/${name}`] || packages[nested]) continue;
    const { os, cpu, libc } = platformOf(name);
    if (!os) {
      console.warn(
        `left alone: ${name} (optional dependency of ${where || "the project"}) names no platform`,
      );
      continue;
    }
    packages[`node_modules/${name}`] = {
      version: spec,
      ...(meta.dev ? { dev: true } : {}),
      optional: true,
      os: [os],
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(libc ? { libc: [libc] } : {}),
    };
    added.push(name);
  }
}

const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) =>
    a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0,
  ),
);
lock.packages = sorted;
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(
  added.length ? `added ${added.length} platform stubs: ${added.join(", ")}` : "lock file complete",
);
