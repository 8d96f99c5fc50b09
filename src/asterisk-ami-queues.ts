import type { QueueChange, QueueView } from "./ami";
import { byName } from "./ami/names";
import type { AmiServerNode } from "./node-red/connection";
import { QueueFilterSpec, compileQueueFilter } from "./node-red/queue-filter";
import type { HttpRequest, HttpResponse, Node, NodeAPI, NodeDef } from "./node-red/red";
import { QueueLimitError } from "./node-red/tracking-feed";
import { serveFeed } from "./node-red/feed-node";
import { setUpNode } from "./node-red/node-setup";
import { CountStatusBoard } from "./node-red/tracking-status";

/**
 * "ami queues": a message per change of the queues it watches (msg.topic = the kind, msg.payload
 * = the queue after it); on input, every watched queue. Every node on a server shares one queue
 * tracker (node-red/tracking-feed.ts). Also the editor's list of queue names.
 */

type QueuesDef = NodeDef & QueueFilterSpec & { server?: string };

interface Summary {
  waiting: number;
  available: number;
  loggedIn: number;
}

export = function (RED: NodeAPI): void {
  function AsteriskAmiQueues(this: Node, def: QueuesDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = (key: string, params?: Record<string, unknown>) => RED._(key, params);
    const setup = setUpNode(RED, node, def, { type: "asterisk-ami-queues", compile: () => compileQueueFilter(def), board: (show, t) => new CountStatusBoard(show, t, "asterisk-ami-queues.status.summary") });
    if (!setup) return;
    const { connection, watch, board } = setup;

    const feed = connection.feed("queues");
    const options = { serviceLevel: watch.serviceLevel };
    const watched = (): QueueView[] => (feed.current?.tracker.snapshot(options) ?? []).filter((q) => watch.watches(q.name));
    const counts = new QueueCounts((sum) => board.setCount({ ...sum }));
    const recount = () => counts.reset(watched());
    feed.join({
      id: node.id,
      update: (c: QueueChange) => {
        if (!watch.watches(c.queue)) return;
        const view = feed.current?.tracker.view(c.queue, options);
        counts.set(c.queue, view);
        if (!watch.accepts(c)) return;
        // A removed queue has no state left: payload null, so a flow keeping one entry per queue drops it.
        if (view || c.kind === "queue-removed") node.send({ topic: c.kind, payload: view ?? null, ami: amiOf(connection.label, c) });
      },
      seeded: recount,
      warn: (err) =>
        node.warn(err instanceof QueueLimitError ? t("asterisk-ami-queues.errors.limit", { bound: err.bound, max: err.max }) : t("asterisk-ami-queues.errors.seed-failed", { error: err.message })),
    });
    recount();

    serveFeed(node, feed, setup, () => {
      const queues = watched();
      return { payload: queues, ami: { snapshot: "queues", count: queues.length } };
    });
  }

  RED.nodes.registerType("asterisk-ami-queues", AsteriskAmiQueues);

  // Queue names for the editor's autocomplete, for users who may read flows.
  RED.httpAdmin.get("/asterisk-ami/queues/:id", RED.auth.needsPermission("asterisk-ami-server.read"), (req: HttpRequest, res: HttpResponse) => {
    const id = String((req.params as Record<string, string> | undefined)?.id ?? "");
    queueNames(RED.nodes.getNode(id) as AmiServerNode | null).then(
      (names) => res.json(names),
      () => res.json([]),
    );
  });
};

/** The numbers of the status ("N waiting, A of L available"), summed over the watched queues, kept per queue so a change recounts one queue. */
class QueueCounts {
  private readonly perQueue = new Map<string, Summary>();

  constructor(private readonly show: (sum: Summary) => void) {}

  /** Every watched queue again (after a seeding). */
  reset(queues: QueueView[]): void {
    this.perQueue.clear();
    for (const q of queues) this.perQueue.set(q.name, summaryOf(q));
    this.showSum();
  }

  /** One queue changed (undefined: it is gone). */
  set(name: string, view: QueueView | undefined): void {
    if (view) this.perQueue.set(name, summaryOf(view));
    else this.perQueue.delete(name);
    this.showSum();
  }

  private showSum(): void {
    const sum: Summary = { waiting: 0, available: 0, loggedIn: 0 };
    for (const s of this.perQueue.values()) {
      sum.waiting += s.waiting;
      sum.available += s.available;
      sum.loggedIn += s.loggedIn;
    }
    this.show(sum);
  }
}

function summaryOf(q: QueueView): Summary {
  return { waiting: q.waiting, available: q.available, loggedIn: q.loggedIn };
}

function amiOf(server: string, c: QueueChange): Record<string, unknown> {
  const ami: Record<string, unknown> = { server, queue: c.queue, kind: c.kind };
  // Copies: every node of the server gets the same change, and a flow may change its message.
  if (c.caller) ami.caller = { ...c.caller };
  if (c.member) ami.member = { ...c.member };
  if (c.wait !== undefined) ami.wait = c.wait;
  if (c.talk !== undefined) ami.talk = c.talk;
  if (c.reason !== undefined) ami.reason = c.reason;
  return ami;
}

/**
 * The queues a server knows: its queue tracker's when an "ami queues" node runs, else a
 * QueueSummary while it is connected; none when it is not deployed or not connected.
 */
async function queueNames(server: AmiServerNode | null): Promise<string[]> {
  const connection = server?.connection;
  if (!connection) return [];
  const known = connection.runningFeed("queues")?.current?.tracker.names() ?? [];
  if (known.length > 0) return known;
  if (connection.state !== "ready") return [];
  const summary = await connection.send("QueueSummary", {}, {});
  const names = new Set((summary.events ?? []).map((e) => e.get("Queue") ?? "").filter((n) => n !== ""));
  return [...names].sort(byName);
}
