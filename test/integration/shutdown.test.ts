import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBridge, type TestBridge } from "../helpers/bridge.js";
import { startXmppServer, type XmppServer } from "../helpers/server.js";
import { connectSilentComponent, type SilentComponent } from "../helpers/silent-component.js";

let server: XmppServer;
let bridge: TestBridge;
let silent: SilentComponent;

beforeAll(async () => {
  server = await startXmppServer();
  bridge = await startTestBridge(server);
  silent = await connectSilentComponent(server);
});

afterAll(async () => {
  await silent?.stop();
  await bridge?.stop();
  await server?.stop();
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
