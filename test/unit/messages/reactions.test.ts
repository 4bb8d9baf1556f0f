import { describe, expect, it } from "vitest";
import { checkReactions, MAX_REACTIONS } from "../../../src/messages/reactions.js";

describe("reactions", () => {
  it("takes single emoji sequences: modifiers, ZWJ sequences, flags, keycaps; drops repeats", () => {
    expect(checkReactions(["👍", "👍🏽", "❤️", "👨‍👩‍👧", "🇫🇷", "1️⃣", "👍"])).toEqual([
      "👍",
      "👍🏽",
      "❤️",
      "👨‍👩‍👧",
      "🇫🇷",
      "1️⃣",
    ]);
    expect(checkReactions([])).toEqual([]);
  });

  it.each([["a"], ["👍👍"], [":)"], [""], [" 👍"], [42]])(
    "refuses %j with a 422 naming the item",
    (bad) => {
      expect(() => checkReactions(["👍", bad])).toThrow(/reactions\[1\]: expected a single emoji/);
    },
  );

  it("refuses more than it will send at once", () => {
    const many = Array.from({ length: MAX_REACTIONS + 1 }, () => "👍");
    expect(() => checkReactions(many)).toThrow(/at most/);
  });
});
