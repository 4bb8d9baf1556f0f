import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { type Prosody, startProsody } from "../helpers/prosody.js";
import { connectSilentComponent, type SilentComponent } from "../helpers/silent-component.js";

let prosody: Prosody;
let bridge: TestBridge;
let silent: SilentComponent;

beforeAll(async () => {
  prosody = await startProsody();
  bridge = await startTestBridge(prosody);
  silent = await connectSilentComponent(prosody);
});

afterAll(async () => {
  await silent?.stop();
  await bridge?.stop();
  await prosody?.stop();
});

describe("shutdown", () => {
  it("lets an in-flight request finish, refuses new ones, then closes the stream", async () => {
    const inFlight = bridge.post(
      '<iq type="get" to="x@silent.localhost" id="draining"><ping xmlns="urn:xmpp:ping"/></iq>',
      { "prosody-rest-timeout": "0.5", connection: "close" },
    );
    await silent.waitFor((s) => s.attrs.id === "draining");

    const stopped = bridge.stop();
    const late = await bridge
      .post('<message to="x@silent.localhost"/>')
      .then((res) => res.status)
      .catch((err: Error) => err.name);
    // The listener is closed: a new connection is refused outright.
    expect(late).toBe("TypeError");

    expect((await inFlight).status).toBe(504);
    await stopped;
    expect(bridge.bridge.link.state).toBe("stopped");
  });
});
