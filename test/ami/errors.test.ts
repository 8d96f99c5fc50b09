import { strict as assert } from "node:assert";
import * as net from "node:net";
import { AmiClient } from "../../src/ami/client";
import { AmiError } from "../../src/ami/errors";
import { EventFrame } from "../../src/ami/event-frame";
import { AmiFramer, ParseError } from "../../src/ami/framer";
import type { StateChange } from "../../src/ami/session";

/** The first state change with an error, from a client that connects to port (reconnect on, no keepalive). */
async function firstFailure(port: number, extra: { connectTimeout?: number } = {}): Promise<StateChange & { error: AmiError }> {
  const client = new AmiClient({ host: "127.0.0.1", port, username: "u", secret: "s", keepaliveInterval: 0, reconnectDelay: 60_000, ...extra });
  try {
    return await new Promise((resolve) => {
      client.on("state", (c: StateChange) => {
        if (c.error) resolve(c as StateChange & { error: AmiError });
      });
      client.connect();
    });
  } finally {
    await client.close();
  }
}

/** A TCP server on a free port: silent (accepts, never speaks), or closed again at once (nothing listens). */
async function server(silent: boolean): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => sockets.add(s));
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => srv.close(r));
  };
  if (!silent) await close();
  return { port, close };
}

/** Every failure the core reports is an AmiError with a code from the list, so a Catch node can branch on it. */
describe("one error vocabulary", () => {
  const codeOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof AmiError, `an AmiError, not ${(err as Error)?.constructor?.name}`);
      return err.code;
    }
    return assert.fail("no error");
  };

  it("options an AmiClient cannot use", () => {
    assert.equal(codeOf(() => new AmiClient({ host: "", port: 5038, username: "u", secret: "s" })), "ERR_AMI_INVALID_OPTIONS");
    assert.equal(codeOf(() => new AmiClient({ host: "pbx", port: 70000, username: "u", secret: "s" })), "ERR_AMI_INVALID_OPTIONS");
    assert.equal(codeOf(() => new AmiClient({ host: "pbx", port: 5038, username: "", secret: "s" })), "ERR_AMI_INVALID_OPTIONS");
  });

  it("a frame over the limit (ParseError is an AmiError, ERR_AMI_PROTOCOL)", () => {
    const errors: ParseError[] = [];
    const framer = new AmiFramer({ onFrame: () => undefined, onError: (e) => errors.push(e) }, { maxFrameBytes: 64, banner: false });
    framer.push(Buffer.from(`Event: X\r\nLong: ${"x".repeat(100)}\r\n`));
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof AmiError);
    assert.equal(errors[0].code, "ERR_AMI_PROTOCOL");
  });

  it("an EventFrame read after its listener returned", () => {
    const bytes = Buffer.from("Event: Hangup\r\nCause: 16\r\n");
    const frame = new EventFrame("Hangup", bytes, 0, bytes.length);
    frame.release();
    assert.equal(codeOf(() => frame.message), "ERR_AMI_FRAME_RELEASED");
  });

  it("a connection refused: the state change says ERR_AMI_CONNECT, with the system error as its cause", async () => {
    const nobody = await server(false);
    const change = await firstFailure(nobody.port);
    assert.equal(change.state, "reconnecting");
    assert.ok(change.error instanceof AmiError, `an AmiError, not ${change.error?.constructor?.name}`);
    assert.equal(change.error.code, "ERR_AMI_CONNECT");
    assert.match(change.error.message, /ECONNREFUSED/);
    assert.equal((change.error.cause as NodeJS.ErrnoException).code, "ECONNREFUSED");
  });

  it("a peer that never sends the banner: ERR_AMI_TIMEOUT after connectTimeout", async () => {
    const silent = await server(true);
    try {
      const change = await firstFailure(silent.port, { connectTimeout: 100 });
      assert.ok(change.error instanceof AmiError);
      assert.equal(change.error.code, "ERR_AMI_TIMEOUT");
      assert.match(change.error.message, /no AMI login within 100 ms/);
    } finally {
      await silent.close();
    }
  });

  it("a field whose value cannot be read is refused as an invalid action, not with the getter's own error", async () => {
    const client = new AmiClient({ host: "127.0.0.1", port: 1, username: "u", secret: "s" });
    const fields = Object.defineProperty({}, "Channel", {
      enumerable: true,
      get() {
        throw new TypeError("no channel here");
      },
    });
    await assert.rejects(client.send("Hangup", fields), (err: unknown) => {
      assert.ok(err instanceof AmiError, `an AmiError, not ${(err as Error)?.constructor?.name}`);
      assert.equal(err.code, "ERR_AMI_INVALID_ACTION");
      assert.match(err.message, /invalid Hangup action: no channel here/);
      return true;
    });
    await client.close();
  });
});
