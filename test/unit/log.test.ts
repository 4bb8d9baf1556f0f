import { describe, expect, it } from "vitest";
import { createLogger, prettyLine } from "../../src/log.js";
import { StanzaError } from "../../src/stanza/errors.js";

function capture(level: "debug" | "info", format: "json" | "pretty" | "auto", isTty = false) {
  const lines: string[] = [];
  const log = createLogger(level, { format, isTty, write: (line) => lines.push(line) });
  return { log, lines, text: () => lines.join("") };
}

interface SerializedErr {
  name: string;
  message: string;
  stack: string;
  type?: string;
  condition?: string;
  cause: SerializedErr;
}
type LogRecord = { time: string; err: SerializedErr } & Record<string, unknown>;

const records = (lines: string[]) => lines.map((line) => JSON.parse(line) as LogRecord);

describe("the logger", () => {
  it("writes one JSON object per line with time, level, message and fields", () => {
    const { log, lines } = capture("info", "json");
    log.info("xmpp link online", { domain: "rest.example.org", attempt: 2 });
    log.debug("not at info");
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith("\n")).toBe(true);
    const [record] = records(lines);
    expect(record).toMatchObject({
      level: "info",
      msg: "xmpp link online",
      domain: "rest.example.org",
      attempt: 2,
    });
    expect(Number.isNaN(Date.parse(record?.time ?? ""))).toBe(false);
  });

  it("keeps an error's stack, fields and cause chain", () => {
    const { log, lines } = capture("info", "json");
    const root = new Error("socket hang up");
    log.error("request failed", {
      err: new StanzaError("wait", "internal-server-error", { text: "boom", cause: root }),
    });
    const err = records(lines)[0]?.err as SerializedErr;
    expect(err.name).toBe("StanzaError");
    expect(err.condition).toBe("internal-server-error");
    expect(err.type).toBe("wait");
    expect(err.stack).toContain("StanzaError: internal-server-error: boom");
    expect(err.cause.message).toBe("socket hang up");
    expect(err.cause.stack).toContain("log.test.ts");
  });

  it("never writes tokens or secrets, at any level", () => {
    const { log, text } = capture("debug", "json");
    log.debug("request", {
      token: "tok-1",
      headers: { Authorization: "Bearer tok-2" },
      callbackSecret: "whsec_x",
      metrics_token: "tok-3",
    });
    log.child({ secret: "component-secret" }).info("child");
    for (const secret of ["tok-1", "tok-2", "whsec_x", "tok-3", "component-secret"]) {
      expect(text()).not.toContain(secret);
    }
    expect(text()).toContain("[redacted]");
  });

  it("writes message content only at debug", () => {
    const info = capture("info", "json");
    info.log.warn("webhook answer not used", { body: "hello alice", stanza: "<message/>" });
    expect(info.text()).not.toContain("hello alice");
    expect(info.text()).not.toContain("<message/>");
    const debug = capture("debug", "json");
    debug.log.debug("inbound", { body: "hello alice" });
    expect(debug.text()).toContain("hello alice");
  });

  it("prints readable lines with the stacks on a terminal, JSON elsewhere", () => {
    const tty = capture("info", "auto", true);
    tty.log.error("request failed", {
      requestId: "a1-1",
      err: new Error("outer", { cause: new Error("inner") }),
    });
    expect(tty.text()).toMatch(/^\S+ ERROR request failed requestId=a1-1 err=outer\n/);
    expect(tty.text()).toContain("Error: outer");
    expect(tty.text()).toContain("caused by: Error: inner");
    const pipe = capture("info", "auto", false);
    pipe.log.info("x");
    expect(() => JSON.parse(pipe.lines[0] ?? "")).not.toThrow();
  });

  it("puts a child's fields on every line", () => {
    const { log, lines } = capture("info", "json");
    log.child({ requestId: "r-9" }).warn("slow", { ms: 1200 });
    expect(records(lines)[0]).toMatchObject({ requestId: "r-9", ms: 1200, msg: "slow" });
  });

  it("leaves a line it cannot parse as it is in the pretty format", () => {
    expect(prettyLine("not json\n")).toBe("not json\n");
  });
});
