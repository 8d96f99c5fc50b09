/**
 * The default lab's calls as the call-path tests place and read them: a client on the simulated
 * PBX, the core's call and presence trackers on it, Originate as a test places a call, and the
 * wait for its end. Dialplan seconds run at 1/20 (SCALE).
 */
import { Call, CallUpdate } from "../../src/ami/call-types";
import { AmiClient, AmiClientOptions } from "../../src/ami/client";
import { PresenceChange } from "../../src/ami/presence";
import { CallTracking, PresenceTracking, trackCalls, trackPresence } from "../../src/ami/tracking";
import { SimulatedPbx } from "../../simulator";
import { waitFor } from "../helpers/fake-ami";

export const SCALE = 0.05;
export const OUTSIDE = '"Lena Hoffmann" <+4930555123>';

export interface Lab {
  pbx: SimulatedPbx;
  client: AmiClient;
  calls: CallTracking;
  presence: PresenceTracking;
  updates: CallUpdate[];
  changes: PresenceChange[];
}

export function newClient(pbx: SimulatedPbx, extra: Partial<AmiClientOptions> = {}): AmiClient {
  return new AmiClient({
    host: pbx.host, port: pbx.port, username: "admin", secret: "amp111",
    keepaliveInterval: 0, reconnectDelay: 20, reconnectMaxDelay: 50, ...extra,
  });
}

export async function track(client: AmiClient): Promise<Omit<Lab, "pbx" | "client">> {
  const updates: CallUpdate[] = [];
  const changes: PresenceChange[] = [];
  const calls = trackCalls(client, (u) => updates.push(u));
  const presence = trackPresence(client, (c) => changes.push(c));
  client.connect();
  await waitFor(() => client.state === "ready", 3000, "login");
  await calls.seeded();
  await presence.seeded();
  changes.length = 0; // what the seeding reported: the tests look at what happens from here on
  return { calls, presence, updates, changes };
}

/** Originate as a test places a call: the ;1 leg is the caller, Wait(talk) once answered. */
export function place(client: AmiClient, channel: string, opts: { callerId?: string; talk?: number; timeoutMs?: number } = {}): Promise<unknown> {
  return client.send("Originate", {
    Channel: channel, Application: "Wait", Data: String(opts.talk ?? 4), CallerID: opts.callerId ?? OUTSIDE,
    Timeout: String(opts.timeoutMs ?? 30000), Async: "true",
  });
}

export async function ended(lab: Pick<Lab, "updates">, ms = 5000): Promise<Call> {
  await waitFor(() => lab.updates.some((u) => u.step === "ended"), ms, "the call to end");
  return (lab.updates.find((u) => u.step === "ended") as CallUpdate).call;
}
