import { describe, expect, it } from "vitest";
import { httpStatusForCondition, stanzaErrorForHttpStatus } from "../../../src/stanza/errors.js";

describe("HTTP status to stanza error (mod_rest's table)", () => {
  it.each([
    [400, "modify", "bad-request"],
    [411, "modify", "bad-request"],
    [416, "modify", "bad-request"],
    [422, "modify", "bad-request"],
    [401, "auth", "not-authorized"],
    [402, "auth", "payment-required"],
    [403, "auth", "forbidden"],
    [451, "auth", "forbidden"],
    [404, "cancel", "item-not-found"],
    [405, "cancel", "not-allowed"],
    [406, "modify", "not-acceptable"],
    [407, "auth", "registration-required"],
    [408, "wait", "remote-server-timeout"],
    [502, "wait", "remote-server-timeout"],
    [504, "wait", "remote-server-timeout"],
    [409, "cancel", "conflict"],
    [412, "cancel", "conflict"],
    [410, "cancel", "gone"],
    [413, "modify", "resource-constraint"],
    [414, "modify", "resource-constraint"],
    [431, "modify", "resource-constraint"],
    [415, "cancel", "feature-not-implemented"],
    [501, "cancel", "feature-not-implemented"],
    [423, "wait", "resource-constraint"],
    [429, "wait", "resource-constraint"],
    [500, "wait", "internal-server-error"],
    [503, "cancel", "service-unavailable"],
    [418, "modify", "bad-request"],
    [599, "cancel", "internal-server-error"],
    [302, "cancel", "undefined-condition"],
  ])("maps %i to %s/%s", (status, type, condition) => {
    const err = stanzaErrorForHttpStatus(status, "body text");
    expect(err.type).toBe(type);
    expect(err.condition).toBe(condition);
    expect(err.text).toBe("body text");
  });
});

describe("stanza error condition to HTTP status", () => {
  it.each([
    ["item-not-found", 404],
    ["service-unavailable", 503],
    ["remote-server-timeout", 504],
    ["feature-not-implemented", 501],
    ["forbidden", 403],
    // 403, not mod_rest's 407: fetch() fails a 407 as a proxy's without reading the body.
    ["subscription-required", 403],
    ["registration-required", 403],
    ["something-new", 500],
  ])("maps %s to %i", (condition, status) => {
    expect(httpStatusForCondition(condition)).toBe(status);
  });
});
