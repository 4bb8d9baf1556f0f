import { describe, expect, it } from "vitest";
import { presenceStanza, secretsAfterLogin } from "../../../src/accounts/session.js";
import { deriveScramKeys } from "../../../src/xmpp/client/index.js";

const keys = (salt: string) => deriveScramKeys("SHA-1", "pw", salt, 4096);

describe("what the bridge keeps after a login", () => {
  it("keeps the password with the first SCRAM keys: one login cannot tell whether the salt is stable", () => {
    expect(
      secretsAfterLogin({ password: "pw" }, { mechanism: "SCRAM-SHA-1", scram: keys("c2FsdDE=") }),
    ).toEqual({
      password: "pw",
      scram: keys("c2FsdDE="),
    });
  });

  it("drops the password once the server shows the same salt again (it stores hashed passwords)", () => {
    expect(
      secretsAfterLogin(
        { password: "pw", scram: keys("c2FsdDE=") },
        { mechanism: "SCRAM-SHA-1", scram: keys("c2FsdDE=") },
      ),
    ).toEqual({ scram: keys("c2FsdDE=") });
  });

  it("keeps the password where the server draws a new salt each time (it stores plain passwords)", () => {
    expect(
      secretsAfterLogin(
        { password: "pw", scram: keys("c2FsdDE=") },
        { mechanism: "SCRAM-SHA-1", scram: keys("c2FsdDI=") },
      ),
    ).toEqual({ password: "pw", scram: keys("c2FsdDI=") });
  });

  it("changes nothing after PLAIN, or a login with the keys alone", () => {
    expect(secretsAfterLogin({ password: "pw" }, { mechanism: "PLAIN" })).toBeUndefined();
    expect(
      secretsAfterLogin(
        { scram: keys("c2FsdDE=") },
        { mechanism: "SCRAM-SHA-1", scram: keys("c2FsdDE=") },
      ),
    ).toBeUndefined();
  });
});

describe("the presence an account shows", () => {
  it("writes show, status and priority (RFC 6121 §4.7)", () => {
    const stanza = presenceStanza({ show: "away", status: "out", priority: 5 });
    expect(stanza.toString()).toBe(
      "<presence><show>away</show><status>out</status><priority>5</priority></presence>",
    );
  });

  it("writes unavailable presence with its status for available: false (RFC 6121 §4.5)", () => {
    expect(presenceStanza({ available: false, status: "gone" }).toString()).toBe(
      '<presence type="unavailable"><status>gone</status></presence>',
    );
  });
});
