import { StanzaError } from "../../src/stanza/errors.js";

/**
 * The StanzaError `run` throws. Throws itself when `run` returns (`what` says what was
 * expected, computed only then) or throws anything else, so a test cannot pass on the wrong error.
 */
export function refusal(run: () => unknown, what: () => string = () => "a refusal"): StanzaError {
  try {
    run();
  } catch (err) {
    if (err instanceof StanzaError) return err;
    throw err;
  }
  throw new Error(`expected ${what()}`);
}
