import { strict as assert } from "node:assert";
import { inspect } from "node:util";
import { resolveOptions } from "../../src/ami/client-options";
import { AmiError } from "../../src/ami/errors";

/** An AmiClient's options (src/ami/client-options.ts): the defaults, and the options it cannot use refused at once. */
describe("AMI client options", () => {
  const base = { host: "pbx.example", username: "admin", secret: "amp111" };

  it("fills in the documented defaults; the port follows TLS", () => {
    const o = resolveOptions(base);
    assert.equal(o.port, 5038);
    assert.equal(resolveOptions({ ...base, tls: true }).port, 5039);
    assert.equal(resolveOptions({ ...base, tls: true, port: 6000 }).port, 6000);
    assert.deepEqual(
      [o.authType, o.events, o.actionTimeout, o.connectTimeout, o.keepaliveInterval, o.keepaliveTimeout, o.reconnect, o.reconnectDelay, o.reconnectMaxDelay],
      ["plain", "on", 10_000, 10_000, 30_000, 5_000, true, 1_000, 30_000],
    );
    assert.deepEqual(
      [o.authRetryDelay, o.stableSessionMs, o.maxQueue, o.maxFrameBytes, o.maxListItems, o.maxListBytes, o.closeTimeout],
      [30_000, 10_000, 1_000, 1024 * 1024, 100_000, 64 * 1024 * 1024, 2_000],
    );
    assert.equal(resolveOptions({ ...base, keepaliveInterval: 0 }).keepaliveInterval, 0, "0 is a value, not a missing one");
  });

  it("keeps its own copy of the filters and never the secret", () => {
    const filters = ["Event: Newchannel"];
    const o = resolveOptions({ ...base, filters });
    filters.push("Event: Hangup");
    assert.deepEqual(o.filters, ["Event: Newchannel"]);
    assert.ok(!inspect(o).includes("amp111") && !JSON.stringify(o).includes("amp111"));
  });

  it("refuses options it cannot use with ERR_AMI_INVALID_OPTIONS", () => {
    for (const [bad, why] of [
      [{ ...base, host: "" }, /host is required/],
      [{ ...base, username: "" }, /username is required/],
      [{ ...base, port: 0 }, /port must be an integer from 1 to 65535, not 0/],
      [{ ...base, port: 5038.5 }, /not 5038.5/],
    ] as const) {
      assert.throws(
        () => resolveOptions(bad),
        (err: unknown) => err instanceof AmiError && err.code === "ERR_AMI_INVALID_OPTIONS" && why.test(err.message),
      );
    }
  });
});
