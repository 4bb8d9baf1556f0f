/**
 * The young generation (V8's new space) while the bridge boots. Loading and compiling
 * the modules allocates fast, so V8 doubles the new space up to 16 MiB per semi-space
 * during start-up, and an idle bridge then holds those pages for nothing (the space
 * only shrinks under memory pressure). main.ts turns growth off before it loads the rest;
 * once the bridge is up, growth is allowed again so that traffic gets the usual young
 * generation and its throughput.
 *
 * V8 reads this flag each time it considers growing the new space; Node documents
 * changing flags after start as unsupported in general, so a V8 that ignores it only
 * loses the memory saving.
 */
import { setFlagsFromString } from "node:v8";

const DEFAULT_GROWTH_FACTOR = 2;

/** Keeps the new space at its initial size (1 MiB per semi-space) until allowed to grow. */
export function capYoungGeneration(): void {
  setFlagsFromString("--semi-space-growth-factor=1");
}

/** Called once the bridge is started: the new space may grow with the load again. */
export function allowYoungGenerationGrowth(): void {
  setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH_FACTOR}`);
}
