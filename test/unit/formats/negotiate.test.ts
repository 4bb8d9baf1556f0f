import { describe, expect, it } from "vitest";
import {
  acceptedTypes,
  FORM,
  JSON_TYPE,
  mediaTypeOf,
  negotiate,
  TEXT,
  XMPP_XML,
} from "../../../src/formats/negotiate.js";

const ALL = [XMPP_XML, JSON_TYPE, FORM] as const;

describe("mediaTypeOf", () => {
  it("ignores parameters and case", () => {
    expect(mediaTypeOf("Application/JSON; charset=utf-8")).toBe(JSON_TYPE);
    expect(mediaTypeOf("text/plain;charset=utf-8")).toBe(TEXT);
    expect(mediaTypeOf("application/xml")).toBe(XMPP_XML);
    expect(mediaTypeOf("image/png")).toBeUndefined();
    expect(mediaTypeOf(undefined)).toBeUndefined();
  });
});

describe("negotiate", () => {
  it("follows Accept first", () => {
    expect(negotiate("application/json", "application/xmpp+xml", ALL)).toBe(JSON_TYPE);
  });
  it("honours q-values", () => {
    expect(negotiate("application/json;q=0.5, application/xmpp+xml", undefined, ALL)).toBe(
      XMPP_XML,
    );
  });
  it("skips types it cannot produce", () => {
    expect(negotiate("text/html, application/json;q=0.1", undefined, ALL)).toBe(JSON_TYPE);
  });
  it("falls back to the request's content type, then to XML", () => {
    expect(negotiate("*/*", "application/x-www-form-urlencoded", ALL)).toBe(FORM);
    expect(negotiate(undefined, undefined, ALL)).toBe(XMPP_XML);
    expect(negotiate("text/html", undefined, ALL)).toBe(XMPP_XML);
  });
  it("ignores ranges with q=0", () => {
    expect(negotiate("application/json;q=0", "application/xmpp+xml", ALL)).toBe(XMPP_XML);
  });
});

describe("acceptedTypes", () => {
  it("lists known types by q-value, then order, and drops wildcards, unknowns and q=0", () => {
    expect(
      acceptedTypes(
        "text/html, application/json;q=0.5, application/xmpp+xml, */*, application/x-www-form-urlencoded;q=0",
      ),
    ).toEqual([XMPP_XML, JSON_TYPE]);
    expect(acceptedTypes("")).toEqual([]);
  });
});
