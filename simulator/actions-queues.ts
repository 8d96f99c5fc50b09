/**
 * Queue actions: QueueStatus, QueueSummary, QueueAdd, QueueRemove, QueuePause.
 */
import { Pairs } from "./channel";
import { error, Handler, isTrue, sendList, success } from "./action-replies";

export const QUEUE_ACTIONS: Record<string, Handler> = {
  queuestatus(pbx, s, a) {
    const only = a.get("Queue");
    const items: Pairs[] = [];
    for (const q of pbx.queues.byName.values()) {
      if (only && q.name !== only) continue;
      items.push(pbx.queues.paramsItem(q));
      for (const m of q.members) items.push(pbx.queues.memberItem(q, m));
      q.callers.forEach((c, i) => items.push(pbx.queues.entryItem(q, c, i + 1)));
    }
    sendList(s, a, "Queue status will follow", "QueueStatusComplete", items, { idFirst: false });
  },

  queuesummary(pbx, s, a) {
    const only = a.get("Queue");
    const items = [...pbx.queues.byName.values()].filter((q) => !only || q.name === only).map((q) => pbx.queues.summaryItem(q));
    sendList(s, a, "Queue summary will follow", "QueueSummaryComplete", items, { idFirst: false });
  },

  queueadd(pbx, s, a) {
    const queue = a.get("Queue");
    const iface = a.get("Interface");
    if (!queue || !iface) return error(s, a, "'Queue' and 'Interface' not specified.");
    const penalty = parseInt(a.get("Penalty") ?? "0", 10) || 0;
    const err = pbx.queues.add(queue, iface, a.get("MemberName"), penalty, isTrue(a.get("Paused")), a.get("Reason") ?? "", a.get("StateInterface"));
    if (err) return error(s, a, err);
    success(s, a, "Added interface to queue");
  },

  queueremove(pbx, s, a) {
    const queue = a.get("Queue");
    const iface = a.get("Interface");
    if (!queue || !iface) return error(s, a, "Need 'Queue' and 'Interface' parameters.");
    const err = pbx.queues.remove(queue, iface);
    if (err) return error(s, a, err);
    success(s, a, "Removed interface from queue");
  },

  queuepause(pbx, s, a) {
    const iface = a.get("Interface");
    const paused = a.get("Paused");
    if (!iface || paused === undefined) return error(s, a, "Need 'Interface' and 'Paused' parameters.");
    const on = isTrue(paused);
    if (!pbx.queues.pause(a.get("Queue"), iface, on, a.get("Reason") ?? "")) return error(s, a, "Interface not found");
    success(s, a, on ? "Interface paused successfully" : "Interface unpaused successfully");
  },
};
