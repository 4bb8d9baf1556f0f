/**
 * Entry point. The young generation is capped before anything else loads, and the
 * rest of the program is imported only then: a static import would be parsed and
 * compiled (most of start-up's allocation) before this module's first line ran.
 */
import { capYoungGeneration } from "./young-generation.js";

capYoungGeneration();
await import("./cli.js");
