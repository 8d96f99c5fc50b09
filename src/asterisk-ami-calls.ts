import type { CallUpdate } from "./ami";
import { CallFilter, CallFilterSpec, compileCallFilter } from "./node-red/call-filter";
import type { AmiServerNode } from "./node-red/connection";
import { FilterError } from "./node-red/event-filter";
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeStatus } from "./node-red/red";
import { configErrorStatus } from "./node-red/status";
import { callFeedOf, liveCalls } from "./node-red/tracking-feed";
import { CountStatusBoard } from "./node-red/tracking-status";

/**
 * "ami calls": call lifecycle messages (msg.topic = ringing, answered, ended, hold, unhold,
 * transfer; msg.payload = the call) filtered by extension, direction and step; on input, the live
 * calls it watches. Every node on a server shares one call tracker (node-red/tracking-feed.ts).
 */

type CallsDef = NodeDef & CallFilterSpec & { server?: string };

export = function (RED: NodeAPI): void {
  function AsteriskAmiCalls(this: Node, def: CallsDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = (key: string, params?: Record<string, unknown>) => RED._(key, params);
    const server = def.server ? (RED.nodes.getNode(def.server) as AmiServerNode | null) : null;
    // A node that cannot run says why, and ends every message with that error (Catch sees it).
    const fail = (key: string, detail?: string): void => {
      node.status(configErrorStatus(key, t));
      node.error(detail ?? t(key));
      node.on("input", (_msg: NodeMessage, _send: unknown, done: (err?: Error) => void) => done(new Error(t(key))));
    };
    if (!server?.connection) return fail("asterisk-ami-calls.errors.no-server");
    let watch: CallFilter;
    try {
      watch = compileCallFilter(def);
    } catch (err) {
      if (!(err instanceof FilterError)) throw err;
      return fail("asterisk-ami-calls.errors.bad-filter", err.message);
    }
    const connection = server.connection;
    const board = new CountStatusBoard((s) => node.status(s), t, "asterisk-ami-calls.status.live");
    const user = {
      id: node.id,
      status: (s: NodeStatus) => node.status(s),
      connectionStatus: (s: NodeStatus) => board.setConnection(s, connection.state === "ready"),
    };
    connection.register(user);

    // The live calls this node watches, for its status.
    const feed = callFeedOf(connection);
    const live = new Set<string>();
    const recount = () => {
      live.clear();
      for (const call of liveCalls(feed)) if (watch.watches(call)) live.add(call.id);
      board.setCount({ count: live.size });
    };
    feed.join({
      id: node.id,
      update: (u: CallUpdate) => {
        if (u.step === "ended" || !watch.watches(u.call)) live.delete(u.call.id);
        else live.add(u.call.id);
        board.setCount({ count: live.size });
        if (!watch.accepts(u)) return;
        const ami: Record<string, unknown> = { server: connection.label, step: u.step, callId: u.call.id };
        if (u.dial) ami.dial = JSON.parse(JSON.stringify(u.dial));
        if (u.transfer) ami.transfer = { ...u.transfer };
        node.send({ topic: u.step, payload: watch.present(u.call), ami });
      },
      seeded: recount,
      warn: (err) => node.warn(t("asterisk-ami-calls.errors.seed-failed", { error: err.message })),
    });
    recount();

    node.on("input", async (msg: NodeMessage, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      await feed.settled();
      const calls = liveCalls(feed).filter((c) => watch.watches(c));
      msg.payload = calls.map((c) => watch.present(c));
      msg.ami = { server: connection.label, snapshot: "calls", count: calls.length, connected: feed.connected };
      send(msg);
      done();
    });

    node.on("close", (removed: boolean, done: () => void) => {
      board.stop();
      feed.leave(node.id, removed);
      connection.deregister(user, removed).then(done, done);
    });
  }

  RED.nodes.registerType("asterisk-ami-calls", AsteriskAmiCalls);
};
