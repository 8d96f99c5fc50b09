import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { inspect } from "node:util";
import { ALL_BUT_BOOT, Harness, cleanUp, fake, makeClient, ready, serverAndClient } from "../helpers/client-harness";
import { FakeAmi, waitFor } from "../helpers/fake-ami";

/**
 * The AmiClient as a whole (src/ami/client.ts): the parts wired together. Each part's own rules are
 * tested beside it: session.test.ts, in-flight.test.ts, pending-action.test.ts, action-plan.test.ts,
 * subscriptions.test.ts.
 */
describe("AMI client", () => {
  afterEach(cleanUp);

  describe("actions and events on one session", () => {
    let srv: FakeAmi;
    let h: Harness;
    beforeEach(async () => ({ srv, h } = await serverAndClient()));

    it("correlates responses by ActionID while events interleave", async () => {
      srv.onAction = (action, s) => {
        s.send([["Event", "Newchannel"], ["Channel", "PJSIP/1-1"]]);
        s.respond(action, [["Response", "Success"], ["Ping", "Pong"]]);
      };
      await ready(h.client);
      const seen: string[] = [];
      h.client.subscribe(ALL_BUT_BOOT, (e) => seen.push(e.event ?? ""));
      const [a, b] = await Promise.all([h.client.send("Ping"), h.client.send("Ping")]);
      assert.notEqual(a.actionId, b.actionId);
      assert.equal(a.response.get("ActionID"), a.actionId);
      assert.equal(b.response.get("ActionID"), b.actionId);
      assert.deepEqual(seen, ["Newchannel", "Newchannel"]);
    });
  });

  it("never puts the secret in any log line or error, whatever happens", async () => {
    const secret = "S3cr3t-Value-Never-Printed";
    const srv = await fake({ secret });
    const h1 = makeClient(srv.port, { secret, authType: "md5", keepaliveInterval: 50, keepaliveTimeout: 50 });
    const h2 = makeClient(srv.port, { secret: secret + "x" });
    const errors: unknown[] = [];
    await ready(h1.client);
    h2.client.connect();
    errors.push(await h1.client.send("FooBar").catch((e) => e));
    errors.push(await h1.client.send("Hangup", { Channel: "a\r\nb" }).catch((e) => e));
    srv.silent = true;
    await waitFor(() => h1.states.some((s) => s.state === "reconnecting"), 2000);
    srv.silent = false;
    await waitFor(() => h2.states.some((s) => s.state === "auth-failed"), 2000);
    await h1.client.close();
    await h2.client.close();
    const text = [
      ...h1.logs,
      ...h2.logs,
      ...[...h1.states, ...h2.states].map((s) => inspect(s, { depth: 5 })),
      ...errors.map((e) => inspect(e, { depth: 5 })),
      inspect(h1.client, { depth: 3 }),
      inspect(h1.client.options, { depth: 5 }),
      JSON.stringify(h1.client.options),
    ].join("\n");
    assert.ok(h1.logs.length > 0 && h2.logs.length > 0);
    assert.ok(!text.includes(secret), "the secret leaked");
    assert.ok(!text.includes(createHash("md5").update("163447182" + secret).digest("hex")), "the MD5 key leaked");
  });
});
