import type { ActionResult, SendOptions } from "./ami";
import { ActionSource, FailedAction, InputError, MergeMode, buildRequest, detailOf, errorDetail, outcomeWord, payloadOf } from "./node-red/action-request";
import { setUpNode } from "./node-red/node-setup";
import type { Node, NodeAPI, NodeDef, NodeMessage } from "./node-red/red";
import { ActionStatusBoard } from "./node-red/status";

/**
 * "ami action": sends one AMI action per message and passes the message on with the answer in
 * msg.payload (shaped by kind) and the full detail in msg.ami. Failures end with done(err), so
 * Catch nodes see them; an action is never sent twice.
 */

interface FieldSetting {
  name: string;
  value: string;
  type: string;
}

type ActionDef = NodeDef & {
  server?: string;
  action?: string;
  actionSource?: ActionSource;
  fields?: FieldSetting[];
  merge?: MergeMode;
  waitForResult?: boolean;
  timeout?: string | number;
};

export = function (RED: NodeAPI): void {
  function AsteriskAmiAction(this: Node, def: ActionDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const settings = (def.fields ?? []).filter((f) => f && typeof f.name === "string" && f.name.trim().length > 0);
    const source: ActionSource = def.actionSource === "msg" ? "msg" : "node";
    const merge: MergeMode = def.merge === "node" || def.merge === "none" ? def.merge : "msg";
    const nodeTimeout = Number(def.timeout);
    const defaultTimeout = String(def.timeout ?? "").trim() !== "" && Number.isFinite(nodeTimeout) && nodeTimeout > 0 ? nodeTimeout * 1000 : undefined;

    const setup = setUpNode(RED, node, def, {
      type: "asterisk-ami-action",
      compile: () => undefined,
      board: (show, translate) => new ActionStatusBoard(show, translate),
      errorOf: (message) => new InputError(message),
    });
    if (!setup) return;
    const { connection, board, user } = setup;

    const evaluate = (f: FieldSetting, msg: NodeMessage): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const fail = (err: unknown) =>
          reject(new InputError(`field ${f.name}: cannot evaluate ${f.type} ${JSON.stringify(f.value)}: ${(err as Error)?.message ?? err}`));
        try {
          RED.util.evaluateNodeProperty(f.value, f.type || "str", node, msg, (err, value) => (err ? fail(err) : resolve(value)));
        } catch (err) {
          fail(err);
        }
      });

    node.on("input", async (msg: NodeMessage, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      let action = source === "node" ? String(def.action ?? "") : "";
      let started = false;
      let result: ActionResult;
      try {
        const nodeFields: Record<string, unknown> = {};
        for (const f of settings) {
          const value = await evaluate(f, msg);
          if (value !== undefined) nodeFields[f.name.trim()] = value;
        }
        const request = buildRequest({ source, nodeAction: String(def.action ?? ""), nodeFields, payload: msg.payload, merge });
        action = request.action;
        const options: SendOptions = { waitForResult: !!def.waitForResult };
        const perMessage = Number(msg.timeout);
        if (msg.timeout !== undefined && Number.isFinite(perMessage) && perMessage > 0) options.timeout = perMessage;
        else if (defaultTimeout !== undefined) options.timeout = defaultTimeout;
        board.started();
        started = true;
        result = await connection.send(request.action, request.fields, options);
      } catch (e) {
        const err = e as FailedAction;
        // The message reaching a Catch node carries what is known (msg.ami.response when Asterisk answered).
        msg.ami = errorDetail(connection.label, action, err);
        board.finished(false, err.code ?? "error", started);
        done(err);
        return;
      }
      msg.payload = payloadOf(result);
      msg.ami = detailOf(connection.label, result);
      board.finished(true, outcomeWord(result));
      send(msg);
      done();
    });

    node.on("close", (removed: boolean, done: () => void) => {
      board.stop();
      connection.deregister(user, removed).then(done, done);
    });
  }

  RED.nodes.registerType("asterisk-ami-action", AsteriskAmiAction);
};
