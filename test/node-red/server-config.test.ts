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

describe("server settings: what a config node's def and credentials become", () => {
  const creds = { username: " admin ", secret: "s3cr3t-Pa55" };

  it("a def with only a host gets the documented defaults", () => {
    assert.deepEqual(resolveServer({ host: " pbx.example " }, creds), {
      label: "pbx.example:5038",
      options: {
        host: "pbx.example",
        port: 5038,
        username: "admin",
        secret: "s3cr3t-Pa55",
        authType: "plain",
        events: "on",
        filters: [],
        keepaliveInterval: 30_000,
        actionTimeout: 10_000,
        reconnectDelay: 1000,
        reconnectMaxDelay: 30_000,
        authRetryDelay: 30_000,
      },
    });
  });

  it("a refused login is retried no faster than the reconnect ceiling", () => {
    assert.equal(resolveServer({ host: "pbx", reconnectMax: "120" }, creds).options?.authRetryDelay, 120_000);
  });

  it("blank or unusable times fall back to the defaults", () => {
    const o = resolveServer({ host: "pbx", keepalive: "-5", actionTimeout: "soon", reconnectMin: " ", reconnectMax: 0 }, creds).options;
    assert.deepEqual([o?.keepaliveInterval, o?.actionTimeout, o?.reconnectDelay, o?.reconnectMaxDelay], [30_000, 10_000, 1000, 30_000]);
  });

  it("TLS: the tls-config node's options when there is one, else the system's trust; a port given wins over 5039", () => {
    const tls = { ca: "-----BEGIN CERTIFICATE-----", rejectUnauthorized: true };
    assert.equal(resolveServer({ host: "pbx", usetls: true }, creds, tls).options?.tls, tls);
    assert.equal(resolveServer({ host: "pbx", usetls: true, port: "6039" }, creds).options?.port, 6039);
    assert.equal(resolveServer({ host: "pbx", usetls: false }, creds, tls).options?.tls, undefined, "TLS options without TLS switched on change nothing");
  });

  it("MD5 login only when asked; anything else is plain", () => {
    assert.equal(resolveServer({ host: "pbx", authType: "md5" }, creds).options?.authType, "md5");
    assert.equal(resolveServer({ host: "pbx", authType: "MD5!" }, creds).options?.authType, "plain");
  });

  it("a port that is not 1..65535 is refused, whatever its form", () => {
    for (const port of ["0", "65536", "50.5", "pbx", -1]) assert.equal(resolveServer({ host: "pbx", port }, creds).problem, "asterisk-ami-server.errors.bad-port", String(port));
    assert.equal(resolveServer({ host: "pbx", port: " 65535 " }, creds).options?.port, 65535);
  });

  it("the secret is in the client's options only: never in the label or a problem", () => {
    const defs = [{ host: "pbx" }, { host: "" }, { host: "pbx", port: "x" }, { name: "Office", host: "pbx" }];
    for (const def of defs) {
      const { label, problem } = resolveServer(def, creds);
      assert.ok(!`${label} ${problem ?? ""}`.includes(creds.secret), JSON.stringify(def));
    }
    assert.equal(resolveServer({ host: "pbx" }, { username: "admin" }).options?.secret, "", "no secret given: an empty one");
  });
});
