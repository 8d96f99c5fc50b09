import type { CallUpdate } from "./ami";
import { CallFilterSpec, compileCallFilter } from "./node-red/call-filter";
import type { Node, NodeAPI, NodeDef } from "./node-red/red";
import { liveCalls } from "./node-red/tracking-feed";
import { serveFeed } from "./node-red/feed-node";
import { setUpNode } from "./node-red/node-setup";
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
    const setup = setUpNode(RED, node, def, { type: "asterisk-ami-calls", compile: () => compileCallFilter(def), board: (show, t) => new CountStatusBoard(show, t, "asterisk-ami-calls.status.live") });
    if (!setup) return;
    const { connection, watch, board } = setup;

    // The live calls this node watches, for its status.
    const feed = connection.feed("calls");
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

    serveFeed(node, feed, setup, () => {
      const calls = liveCalls(feed).filter((c) => watch.watches(c));
      return { payload: calls.map((c) => watch.present(c)), ami: { snapshot: "calls", count: calls.length } };
    });
  }

  RED.nodes.registerType("asterisk-ami-calls", AsteriskAmiCalls);
};
