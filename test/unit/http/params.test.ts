import { describe, expect, it } from "vitest";
import {
  eventFormat,
  historyLimit,
  parseAfter,
  parsePollParams,
} from "../../../src/http/params.js";

describe("query parameters", () => {
  it("refuses ids that are not whole numbers", () => {
    expect(parseAfter("42", "after")).toBe("42");
    expect(parseAfter(undefined, "after")).toBeUndefined();
    for (const bad of ["", "-1", "1.5", "abc", "01", "1e3"]) {
      expect(() => parseAfter(bad, "after"), bad).toThrow(/after must be an event id/);
    }
  });

  it("clamps wait and limit above their maximum and refuses nonsense", () => {
    expect(parsePollParams({})).toEqual({ waitMs: 0, limit: 100 });
    expect(parsePollParams({ wait: "2.5", limit: "10" })).toEqual({ waitMs: 2500, limit: 10 });
    expect(parsePollParams({ wait: "3600", limit: "5000" })).toEqual({
      waitMs: 50_000,
      limit: 100,
    });
    for (const bad of [
      { wait: "-1" },
      { wait: "x" },
      { wait: "" },
      { limit: "0" },
      { limit: "1.5" },
    ]) {
      expect(() => parsePollParams(bad), JSON.stringify(bad)).toThrow();
    }
  });
});

describe("history limit and event format", () => {
  it("takes the default limit when absent, clamps above the maximum, refuses nonsense", () => {
    expect(historyLimit(undefined)).toBe(50);
    expect(historyLimit("7")).toBe(7);
    expect(historyLimit("500")).toBe(100);
    for (const bad of ["0", "-1", "x", "1.5", ""]) {
      expect(() => historyLimit(bad), bad).toThrow(/limit must be a whole number/);
    }
  });

  it("reads json (the default) and xml, nothing else", () => {
    expect(eventFormat(undefined)).toEqual({ xml: false });
    expect(eventFormat("json")).toEqual({ xml: false });
    expect(eventFormat("xml")).toEqual({ xml: true });
    expect(() => eventFormat("yaml")).toThrow(/format must be json/);
  });
});
