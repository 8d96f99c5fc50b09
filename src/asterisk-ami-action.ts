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
    const settings = settingsOf(def);
    const setup = setUpNode(RED, node, def, {
      type: "asterisk-ami-action",
      compile: () => undefined,
      board: (show, translate) => new ActionStatusBoard(show, translate),
      errorOf: (message) => new InputError("no-server", {}, message),
    });
    if (!setup) return;
    const { connection, board, user } = setup;

    node.on("input", async (msg: NodeMessage, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      let action = settings.source === "node" ? settings.action : "";
      let started = false;
      let result: ActionResult;
      try {
        const nodeFields = await fieldValues(RED, node, settings.fields, msg);
        const request = buildRequest({ source: settings.source, nodeAction: settings.action, nodeFields, payload: msg.payload, merge: settings.merge });
        action = request.action;
        board.started();
        started = true;
        result = await connection.send(request.action, request.fields, sendOptions(settings, msg));
      } catch (e) {
        const err = e instanceof InputError ? e.shownBy("asterisk-ami-action", (key, params) => RED._(key, params)) : (e as FailedAction);
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

/** The node's settings, read once when it starts. */
interface Settings {
  action: string;
  source: ActionSource;
  fields: FieldSetting[];
  merge: MergeMode;
  waitForResult: boolean;
  /** The node's timeout, ms (blank: the client's default). */
  timeout?: number;
}

function settingsOf(def: ActionDef): Settings {
  const timeout = Number(def.timeout);
  return {
    action: String(def.action ?? ""),
    source: def.actionSource === "msg" ? "msg" : "node",
    fields: (def.fields ?? []).filter((f) => f && typeof f.name === "string" && f.name.trim().length > 0),
    merge: def.merge === "node" || def.merge === "none" ? def.merge : "msg",
    waitForResult: !!def.waitForResult,
    timeout: String(def.timeout ?? "").trim() !== "" && Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : undefined,
  };
}

/** msg.timeout (ms) when it is a positive number, else the node's. */
function sendOptions(settings: Settings, msg: NodeMessage): SendOptions {
  const options: SendOptions = { waitForResult: settings.waitForResult };
  const perMessage = Number(msg.timeout);
  if (msg.timeout !== undefined && Number.isFinite(perMessage) && perMessage > 0) options.timeout = perMessage;
  else if (settings.timeout !== undefined) options.timeout = settings.timeout;
  return options;
}

/** The node's own fields, each evaluated against the message (msg., flow., env, JSONata...); an undefined value is left out. */
async function fieldValues(RED: NodeAPI, node: Node, fields: FieldSetting[], msg: NodeMessage): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = {};
  for (const f of fields) {
    const value = await evaluate(RED, node, f, msg);
    if (value !== undefined) values[f.name.trim()] = value;
  }
  return values;
}

function evaluate(RED: NodeAPI, node: Node, f: FieldSetting, msg: NodeMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) =>
      reject(new InputError("bad-field", { field: f.name, type: String(f.type), value: String(JSON.stringify(f.value)), reason: String((err as Error)?.message ?? err) }));
    try {
      RED.util.evaluateNodeProperty(f.value, f.type || "str", node, msg, (err, value) => (err ? fail(err) : resolve(value)));
    } catch (err) {
      fail(err);
    }
  });
}
