import { isActive } from "./ami";
import type { PresenceChange } from "./ami";
import { PresenceFilterSpec, byId, compilePresenceFilter } from "./node-red/presence-filter";
import type { Node, NodeAPI, NodeDef } from "./node-red/red";
import { presenceEntries } from "./node-red/tracking-feed";
import { serveFeed } from "./node-red/feed-node";
import { setUpNode } from "./node-red/node-setup";
import { CountStatusBoard } from "./node-red/tracking-status";

/**
 * "ami presence": a message per presence change of the extensions (hints) or devices it watches
 * (msg.topic = the id, msg.payload = the entry plus `previous`); on input, every watched entry.
 * Every node on a server shares one presence tracker (node-red/tracking-feed.ts).
 */

type PresenceDef = NodeDef & PresenceFilterSpec & { server?: string };

export = function (RED: NodeAPI): void {
  function AsteriskAmiPresence(this: Node, def: PresenceDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = (key: string, params?: Record<string, unknown>) => RED._(key, params);
    const setup = setUpNode(RED, node, def, { type: "asterisk-ami-presence", compile: () => compilePresenceFilter(def), board: (show, t) => new CountStatusBoard(show, t, "asterisk-ami-presence.status.summary") });
    if (!setup) return;
    const { connection, watch, board } = setup;

    const feed = connection.feed("presence");
    const watched = () => presenceEntries(feed).filter((p) => watch.watches(p));
    const recount = () => {
      const all = watched();
      board.setCount({ count: all.length, active: all.filter(isActive).length });
    };
    feed.join({
      id: node.id,
      update: (c: PresenceChange) => {
        if (!watch.watches(c.presence)) return;
        recount();
        if (!watch.accepts(c)) return;
        const p = c.presence;
        node.send({ topic: p.id, payload: { ...p, previous: c.previous }, ami: { server: connection.label, kind: p.kind, id: p.id } });
      },
      seeded: recount,
      warn: (err) => node.warn(t("asterisk-ami-presence.errors.seed-failed", { error: err.message })),
    });
    recount();

    serveFeed(node, feed, setup, () => {
      const entries = watched().sort(byId);
      return { payload: entries, ami: { snapshot: "presence", count: entries.length } };
    });
  }

  RED.nodes.registerType("asterisk-ami-presence", AsteriskAmiPresence);
};
