import { strict as assert } from "node:assert";
import * as path from "node:path";
import { inspect } from "node:util";
import { AmiClient, AmiClientOptions, StateChange } from "../../src/ami/client";
import { AmiError } from "../../src/ami/errors";
import { FakeAmi, Fields } from "./fake-ami";

/**
 * What the AmiClient's tests share (test/ami/client, session, in-flight, pending-action,
 * subscriptions): a client with short delays and its logs and states recorded, the fake AMI server
 * it talks to (fake-ami.ts: the texts of the Asterisk 22 captures), and cleanUp for afterEach.
 */

export const SECRET = "amp111";
export const TLS_DIR = path.join(__dirname, "..", "..", "..", "test", "fixtures", "tls");

export interface Harness {
  client: AmiClient;
  logs: string[];
  states: StateChange[];
}

const clients: AmiClient[] = [];
export const servers: Array<{ close(): unknown }> = [];

export function makeClient(port: number, options: Partial<AmiClientOptions> = {}): Harness {
  const logs: string[] = [];
  const states: StateChange[] = [];
  const record = (level: string) => (m: string) => logs.push(`${level}: ${m}`);
  const client = new AmiClient({
    host: "127.0.0.1",
    port,
    username: "admin",
    secret: SECRET,
    keepaliveInterval: 0,
    reconnectDelay: 20,
    reconnectMaxDelay: 200,
    authRetryDelay: 300,
    actionTimeout: 2000,
    logger: { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") },
    ...options,
  });
  client.on("state", (s: StateChange) => states.push(s));
  clients.push(client);
  return { client, logs, states };
}

export async function ready(client: AmiClient): Promise<void> {
  if (client.state === "ready") return;
  client.connect();
  await new Promise<void>((resolve) => client.once("ready", () => resolve()));
}

export async function fake(options: ConstructorParameters<typeof FakeAmi>[0] = {}): Promise<FakeAmi> {
  const f = await FakeAmi.start(options);
  servers.push(f);
  return f;
}

export async function rejection(p: Promise<unknown>): Promise<AmiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof AmiError, `expected AmiError, got ${inspect(err)}`);
    return err;
  }
  return assert.fail("expected a rejection");
}

/** Every event but the FullyBooted that follows a login (its arrival races the test's subscription). */
export const ALL_BUT_BOOT = (name: string) => name !== "FullyBooted";

export function item(actionId: string, event: string, fields: Fields): Fields {
  return [["Event", event], ["ActionID", actionId], ...fields];
}

/** A fake server and a client of it (not connected yet). */
export async function serverAndClient(): Promise<{ srv: FakeAmi; h: Harness }> {
  const srv = await fake();
  return { srv, h: makeClient(srv.port) };
}

/** Closes every client and server a test made (call from afterEach). */
export async function cleanUp(): Promise<void> {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
}

/** A session held by a synchronous Originate, as Asterisk holds it: nothing else is answered until the call is. */
export function blockingPbx(srv: FakeAmi, ringMs: number): { pings: () => number } {
  let heldUntil = 0;
  const waiting: Array<() => void> = [];
  let pings = 0;
  srv.onAction = (action, s) => {
    const name = action.get("Action");
    if (name === "Ping") pings++;
    const answer = (): void =>
      name === "Originate"
        ? s.respond(action, [["Response", "Success"], ["Message", "Originate successfully queued"]])
        : s.respond(action, [["Response", "Success"], ["Ping", "Pong"]]);
    if (name === "Originate") {
      heldUntil = Date.now() + ringMs;
      setTimeout(() => {
        answer();
        for (const w of waiting.splice(0)) w();
      }, ringMs);
    } else if (Date.now() < heldUntil) waiting.push(answer);
    else answer();
  };
  return { pings: () => pings };
}
