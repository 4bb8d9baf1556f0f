import { describe, expect, it } from "vitest";
import { parseTimeoutHeader } from "../../../src/http/timeout-header.js";
import { refusal } from "../../helpers/refusal.js";

describe("Prosody-Rest-Timeout", () => {
  it.each([
    ["10", 10_000],
    ["2.5", 2_500],
    [" 1 ", 1_000],
    ["0.001", 1],
    ["999999", 300_000],
  ])("reads %j as %d ms", (header, ms) => {
    expect(parseTimeoutHeader(header, 120_000, 300_000)).toBe(ms);
  });

  it("uses the default without a header", () => {
    expect(parseTimeoutHeader(undefined, 120_000, 300_000)).toBe(120_000);
  });

  it.each(["1e-9", "0x10", "0", "0.0001", "-1", "", "abc", "Infinity", "1,5", "+3", ".5"])(
    "refuses %j with 400",
    (header) => {
      expect(refusal(() => parseTimeoutHeader(header, 120_000, 300_000)).status).toBe(400);
    },
  );
});
