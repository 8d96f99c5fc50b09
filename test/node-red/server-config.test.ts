import * as assert from "node:assert/strict";
import { eventMask, filterList, resolveServer } from "../../src/node-red/server-config";

describe("server settings (pure)", () => {
  it("defaults the port by TLS and names the server by name or host:port", () => {
    assert.equal(resolveServer({ host: "pbx" }, { username: "u" }).options?.port, 5038);
    assert.equal(resolveServer({ host: "pbx", usetls: true }, { username: "u" }).options?.port, 5039);
    assert.equal(resolveServer({ host: "pbx", usetls: true }, { username: "u" }).options?.tls, true);
    assert.equal(resolveServer({ host: "pbx", port: "6000" }, { username: "u" }).label, "pbx:6000");
    assert.equal(resolveServer({ name: "Office", host: "pbx" }, { username: "u" }).label, "Office");
    assert.equal(resolveServer({ host: "" }, { username: "u" }).problem, "asterisk-ami-server.errors.no-host");
    assert.equal(resolveServer({ host: "pbx" }, {}).problem, "asterisk-ami-server.errors.no-username");
    assert.equal(resolveServer({ host: "pbx", port: "99999" }, { username: "u" }).problem, "asterisk-ami-server.errors.bad-port");
  });

  it("turns seconds into milliseconds and keeps reconnect bounds ordered", () => {
    const o = resolveServer({ host: "h", keepalive: "0", actionTimeout: "2.5", reconnectMin: "5", reconnectMax: "2" }, { username: "u", secret: "s" }).options;
    assert.equal(o?.keepaliveInterval, 0);
    assert.equal(o?.actionTimeout, 2500);
    assert.equal(o?.reconnectDelay, 5000);
    assert.equal(o?.reconnectMaxDelay, 5000);
  });

  it("builds event masks and filter lists", () => {
    assert.equal(eventMask("on", ""), "on");
    assert.equal(eventMask("off", "call"), "off");
    assert.equal(eventMask("classes", " Call, agent user ,call"), "call,agent,user");
    assert.equal(eventMask("classes", ""), "off");
    assert.deepEqual(filterList(["Event: Newchannel", " ", "!Channel: Local/"]), ["Event: Newchannel", "!Channel: Local/"]);
  });
});
