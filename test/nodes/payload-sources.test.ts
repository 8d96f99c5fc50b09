import * as assert from "node:assert/strict";
import * as http from "node:http";
import * as path from "node:path";
import { startPbx } from "../../simulator";
import { httpRequest } from "../browser/editor-runtime";
import { ADMIN, Msg, TAB as tab, amiAction, amiIn, amiNodes, collect, helper, server, sink, waitConnected, waitFor } from "./harness";

/**
 * "ami action" fed the way users build flows: msg.payload made by a function node (its objects come
 * from another JavaScript realm, the vm context the function runs in), a change node (JSON and
 * JSONata), a template and a json node, an inject node's JSON, an http in node's JSON body, a link
 * call, a subflow. Each test checks the headers the simulated PBX received, not only the answer.
 * A payload that cannot be an action (JSON text, a Buffer, an array, a Date, a Map, null) goes to
 * Catch with a message that says what arrived and what to do, and nothing is sent.
 */

type Pbx = Awaited<ReturnType<typeof startPbx>>;

/** Node-RED's core nodes, as the runtime that the tests use ships them. */
const CORE = path.join(path.dirname(require.resolve("@node-red/nodes/package.json", { paths: [path.dirname(require.resolve("node-red/package.json"))] })), "core");
const core = (file: string): unknown => require(path.join(CORE, file));
const CORE_NODES = [
  core("common/20-inject.js"),
  core("common/25-catch.js"),
  core("common/60-link.js"),
  core("function/10-function.js"),
  core("function/15-change.js"),
  core("function/80-template.js"),
  core("parsers/70-JSON.js"),
  core("network/21-httpin.js"),
];

/**
 * The test helper gives http in nodes an express app (RED.httpNode) that it never serves; this
 * module keeps hold of it so a test can serve it on a port of its own.
 */
let httpNodeApp: http.RequestListener | undefined;
const exposeHttpNode = (RED: { httpNode: http.RequestListener }): void => {
  httpNodeApp = RED.httpNode;
};

/** Every node a flow here uses: ours and the core ones. */
const NODES = [...amiNodes, ...CORE_NODES, exposeHttpNode];

const at = { z: "t1", x: 0, y: 0 };

function fn(id: string, code: string, wires: string[]): Record<string, unknown> {
  return { id, type: "function", ...at, name: "", func: code, outputs: 1, timeout: 0, noerr: 0, initialize: "", finalize: "", libs: [], wires: [wires] };
}

function injectJson(id: string, json: string, wires: string[]): Record<string, unknown> {
  return { id, type: "inject", ...at, name: "", props: [{ p: "payload" }], repeat: "", crontab: "", once: false, onceDelay: 0.1, topic: "", payload: json, payloadType: "json", wires: [wires] };
}

function change(id: string, to: string, toType: "json" | "jsonata", wires: string[]): Record<string, unknown> {
  return { id, type: "change", ...at, name: "", rules: [{ t: "set", p: "payload", pt: "msg", to, tot: toType }], action: "", property: "", from: "", to: "", reg: false, wires: [wires] };
}

/** Actions of a given name the PBX received (outside login/keepalive), as header objects. */
function received(pbx: Pbx, name: string): Array<Record<string, string | string[]>> {
  return pbx.actions.filter((a) => String(a.action.get("Action")).toLowerCase() === name.toLowerCase()).map((a) => a.action.toObject() as Record<string, string | string[]>);
}

describe("ami action: payloads from any node (function, change, template, inject, http in, link call, subflow)", function () {
  this.timeout(30000);
  let pbx: Pbx;
  let out: Msg[];
  let caught: Msg[];

  /** Loads a flow with the server s1, a Catch for every node (to "caught") and the sink "out". */
  async function load(nodes: Array<Record<string, unknown>>): Promise<void> {
    const flow = [tab, server("s1", pbx.port), ...nodes, { id: "catch", type: "catch", ...at, scope: null, uncaught: false, wires: [["caught"]] }, sink("out"), sink("caught")];
    await helper.load(NODES, flow, { s1: ADMIN });
    out = collect("out");
    caught = collect("caught");
    await waitConnected("s1");
  }

  async function trigger(id: string, msg: Msg = {}, what = "an outcome"): Promise<void> {
    const before = out.length + caught.length;
    helper.getNode(id).receive(msg);
    await waitFor(() => out.length + caught.length > before, what, 15000);
  }

  beforeEach(async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
  });
  afterEach(async () => {
    await helper.unload();
    await pbx.close();
  });

  it("function node: an Originate object literal (numbers, booleans, a Variable object) reaches Asterisk whole", async () => {
    const code = `msg.payload = { Channel: "Local/100@test", Application: "Wait", Data: "1", Async: true, Timeout: 30000, CallerID: "Alice <6001>", Variable: { CRM_ID: 42, NOTE: "vip" } };\nreturn msg;`;
    await load([fn("f", code, ["act"]), amiAction("act", "s1", { action: "Originate" }, ["out"])]);
    await trigger("f", { payload: "" }, "the OriginateResponse");
    assert.deepEqual(caught.map((m) => m.error?.message), []);
    const sent = received(pbx, "Originate");
    assert.equal(sent.length, 1);
    const { ActionID: _id, ...headers } = sent[0];
    assert.deepEqual(headers, { Action: "Originate", Channel: "Local/100@test", Application: "Wait", Data: "1", Async: "true", Timeout: "30000", CallerID: "Alice <6001>", Variable: ["CRM_ID=42", "NOTE=vip"] });
    assert.equal(out[0].payload.Event, "OriginateResponse");
    assert.equal(out[0].payload.Response, "Success");
  });

  it("function node: an array becomes repeated headers, and the node's own fields are merged with the message's", async () => {
    const code = `msg.payload = { Channel: "Local/100@test", Variable: ["A=1", "B=2"] };\nreturn msg;`;
    const fields = [
      { name: "Application", value: "Wait", type: "str" },
      { name: "Data", value: "1", type: "str" },
      { name: "Channel", value: "Local/999@test", type: "str" },
    ];
    await load([fn("f", code, ["act"]), amiAction("act", "s1", { action: "Originate", fields, waitForResult: false }, ["out"])]);
    await trigger("f");
    assert.deepEqual(caught.map((m) => m.error?.message), []);
    const sent = received(pbx, "Originate");
    assert.equal(sent.length, 1);
    assert.equal(sent[0].Channel, "Local/100@test", "the message wins by default");
    assert.equal(sent[0].Application, "Wait");
    assert.deepEqual(sent[0].Variable, ["A=1", "B=2"]);
  });

  it("function node: Setvar and Getvar objects (a number value) round-trip through Asterisk", async () => {
    await load([
      fn("set", `msg.payload = { Variable: "CRM_ID", Value: 4711 };\nreturn msg;`, ["setvar"]),
      amiAction("setvar", "s1", { action: "Setvar" }, ["get"]),
      fn("get", `msg.payload = { Variable: "CRM_ID" };\nreturn msg;`, ["getvar"]),
      amiAction("getvar", "s1", { action: "Getvar" }, ["out"]),
    ]);
    await trigger("set", {}, "Getvar's answer");
    assert.deepEqual(caught.map((m) => m.error?.message), []);
    assert.deepEqual(received(pbx, "Setvar").map((a) => [a.Variable, a.Value]), [["CRM_ID", "4711"]]);
    assert.deepEqual(received(pbx, "Getvar").map((a) => a.Variable), ["CRM_ID"]);
    assert.equal(out[0].payload.Value, "4711");
  });

  it("function node: an Async AGI IVR step ({ Channel, Command } built from the AsyncAGIStart event) runs and its result comes back", async () => {
    const originate = JSON.stringify({ Channel: "Local/200@test", Application: "Wait", Data: "10", Async: "true" });
    await load([
      injectJson("call", originate, ["orig"]),
      amiAction("orig", "s1", { action: "Originate", waitForResult: false }, []),
      amiIn("agi", "s1", { names: ["AsyncAGIStart"] }, ["step"]),
      fn("step", `msg.payload = { Channel: msg.payload.Channel, Command: "ANSWER" };\nreturn msg;`, ["agiAction"]),
      amiAction("agiAction", "s1", { action: "AGI" }, ["out"]),
    ]);
    await trigger("call", {}, "the AGI result");
    assert.deepEqual(caught.map((m) => m.error?.message), []);
    const agi = received(pbx, "AGI");
    assert.equal(agi.length, 1);
    assert.match(String(agi[0].Channel), /^Local\/200@test-/);
    assert.equal(agi[0].Command, "ANSWER");
    assert.equal(out[0].payload.code, 200);
    assert.equal(received(pbx, "Originate")[0].Channel, "Local/200@test", "the inject node's JSON reached Asterisk");
  });

  it("change node: a JSON value and a JSONata object expression", async () => {
    await load([
      change("json", `{"Variable":"FROM_JSON"}`, "json", ["getvar"]),
      change("jsonata", `{"Variable": "FROM_" & $uppercase(topic)}`, "jsonata", ["getvar"]),
      amiAction("getvar", "s1", { action: "Getvar" }, ["out"]),
    ]);
    await trigger("json");
    await trigger("jsonata", { topic: "jsonata" });
    assert.deepEqual(caught.map((m) => m.error?.message), []);
    assert.deepEqual(received(pbx, "Getvar").map((a) => a.Variable), ["FROM_JSON", "FROM_JSONATA"]);
    assert.equal(out.length, 2);
  });

  it("template + json node: JSON text made into an object", async () => {
    const template = { id: "tpl", type: "template", ...at, name: "", field: "payload", fieldType: "msg", format: "json", syntax: "mustache", template: `{"Channel": "Local/{{ext}}@test", "Application": "Wait", "Data": "1"}`, output: "str", wires: [["parse"]] };
    const json = { id: "parse", type: "json", ...at, name: "", property: "payload", action: "", pretty: false, wires: [["act"]] };
    await load([template, json, amiAction("act", "s1", { action: "Originate", waitForResult: false }, ["out"])]);
    await trigger("tpl", { ext: "100" });
    assert.deepEqual(caught.map((m) => m.error?.message), []);
    assert.deepEqual(received(pbx, "Originate").map((a) => [a.Channel, a.Application, a.Data]), [["Local/100@test", "Wait", "1"]]);
  });

  it("template without the json node: the JSON text is refused in Catch with what to do, nothing is sent", async () => {
    const template = { id: "tpl", type: "template", ...at, name: "", field: "payload", fieldType: "msg", format: "json", syntax: "mustache", template: `{"Channel": "Local/100@test"}`, output: "str", wires: [["act"]] };
    await load([template, amiAction("act", "s1", { action: "Originate" }, ["out"])]);
    await trigger("tpl");
    assert.equal(out.length, 0);
    assert.equal(caught.length, 1);
    assert.equal(caught[0].error.code, "ERR_AMI_INVALID_INPUT");
    assert.match(caught[0].error.message, /msg\.payload is a string: .*parse it with a json node first/);
    assert.equal(received(pbx, "Originate").length, 0);
  });

  it("http in: a JSON body posted to the flow becomes the action, the answer goes back to the caller", async () => {
    await load([
      { id: "web", type: "http in", ...at, name: "", url: "/getvar", method: "post", upload: false, swaggerDoc: "", wires: [["getvar"]] },
      amiAction("getvar", "s1", { action: "Getvar" }, ["reply", "out"]),
      { id: "reply", type: "http response", ...at, name: "", statusCode: "", headers: {}, wires: [] },
    ]);
    const web = http.createServer((req, res) => httpNodeApp!(req, res));
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    const res = await httpRequest((web.address() as { port: number }).port, "POST", "/getvar", { Variable: "FROM_HTTP" }).finally(() => web.close());
    assert.deepEqual(caught.map((m) => m.error?.message), []);
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.body).Response, "Success");
    assert.deepEqual(received(pbx, "Getvar").map((a) => a.Variable), ["FROM_HTTP"]);
  });

  it("link call: the action runs in a linked flow built by a function node and the answer returns to the caller", async () => {
    await load([
      { id: "call", type: "link call", ...at, name: "", links: ["lin"], linkType: "static", timeout: "10", wires: [["out"]] },
      { id: "lin", type: "link in", ...at, name: "", links: [], wires: [["f"]] },
      fn("f", `msg.payload = { Variable: "VIA_LINK" };\nreturn msg;`, ["getvar"]),
      amiAction("getvar", "s1", { action: "Getvar" }, ["ret"]),
      { id: "ret", type: "link out", ...at, name: "", mode: "return", links: [], wires: [] },
    ]);
    await trigger("call");
    assert.deepEqual(caught.map((m) => m.error?.message), []);
    assert.deepEqual(received(pbx, "Getvar").map((a) => a.Variable), ["VIA_LINK"]);
    assert.equal(out[0].payload.Variable, "VIA_LINK");
  });

  it("subflow: a function node and an ami action inside a subflow instance", async () => {
    const subflow = {
      id: "sf",
      type: "subflow",
      name: "dial",
      info: "",
      in: [{ x: 0, y: 0, wires: [{ id: "sf-f" }] }],
      out: [{ x: 0, y: 0, wires: [{ id: "sf-act", port: 0 }] }],
    };
    await load([
      subflow,
      { ...fn("sf-f", `msg.payload = { Channel: "Local/" + msg.ext + "@test", Application: "Wait", Data: "1" };\nreturn msg;`, ["sf-act"]), z: "sf" },
      { ...amiAction("sf-act", "s1", { action: "Originate", waitForResult: false }, []), z: "sf" },
      { id: "inst", type: "subflow:sf", ...at, name: "", wires: [["out"]] },
    ]);
    await trigger("inst", { ext: "100" });
    assert.deepEqual(caught.map((m) => m.error?.message), []);
    assert.deepEqual(received(pbx, "Originate").map((a) => a.Channel), ["Local/100@test"]);
    assert.equal(out[0].payload.Response, "Success");
  });

  it("inject's timestamp or an empty payload only triggers a node that has its own fields", async () => {
    await load([amiAction("act", "s1", { action: "Getvar", fields: [{ name: "Variable", value: "FROM_NODE", type: "str" }] }, ["out"])]);
    await trigger("act", { payload: Date.now() });
    await trigger("act", { payload: "" });
    await trigger("act", {});
    assert.deepEqual(caught.map((m) => m.error?.message), []);
    assert.deepEqual(received(pbx, "Getvar").map((a) => a.Variable), ["FROM_NODE", "FROM_NODE", "FROM_NODE"]);
  });

  const refused: Array<[string, string, RegExp]> = [
    ["JSON text", `msg.payload = JSON.stringify({ Channel: "Local/100@test" });`, /msg\.payload is a string: .*parse it with a json node first/],
    ["a Buffer", `msg.payload = Buffer.from('{"Channel":"Local/100@test"}');`, /msg\.payload is a Buffer: .*convert it to a string and parse it with a json node/],
    ["an array", `msg.payload = [{ Channel: "Local/100@test" }, { Channel: "Local/101@test" }];`, /msg\.payload is an array: .*one message per action/],
    ["a Date", `msg.payload = new Date();`, /msg\.payload is a Date: /],
    ["a Map", `msg.payload = new Map([["Channel", "Local/100@test"]]);`, /msg\.payload is a Map: /],
    ["null", `msg.payload = null;`, /msg\.payload is null: /],
  ];
  for (const [what, code, message] of refused) {
    it(`function node: ${what} as msg.payload is refused in Catch with what to do; nothing is sent`, async () => {
      await load([fn("f", `${code}\nreturn msg;`, ["act"]), amiAction("act", "s1", { action: "Originate", fields: [{ name: "Application", value: "Wait", type: "str" }] }, ["out"])]);
      await trigger("f");
      assert.equal(out.length, 0);
      assert.equal(caught.length, 1, "one message in Catch");
      assert.equal(caught[0].error.code, "ERR_AMI_INVALID_INPUT");
      assert.match(caught[0].error.message, message);
      assert.equal(received(pbx, "Originate").length, 0);
    });
  }

  it('merge "ignored": any payload is ignored by design and the node\'s own fields are sent', async () => {
    await load([
      fn("f", `msg.payload = "not an action";\nreturn msg;`, ["act"]),
      amiAction("act", "s1", { action: "Getvar", merge: "none", fields: [{ name: "Variable", value: "ONLY_NODE", type: "str" }] }, ["out"]),
    ]);
    await trigger("f");
    assert.deepEqual(caught.map((m) => m.error?.message), []);
    assert.deepEqual(received(pbx, "Getvar").map((a) => a.Variable), ["ONLY_NODE"]);
  });

  it("action from the message: a function node's { Action, ... } object is taken; a string names what arrived", async () => {
    await load([
      fn("f", `msg.payload = msg.topic === "bad" ? "Getvar" : { Action: "Getvar", Variable: "FROM_FN" };\nreturn msg;`, ["act"]),
      amiAction("act", "s1", { action: "", actionSource: "msg" }, ["out"]),
    ]);
    await trigger("f");
    await trigger("f", { topic: "bad" });
    assert.deepEqual(received(pbx, "Getvar").map((a) => a.Variable), ["FROM_FN"]);
    assert.equal(out.length, 1);
    assert.equal(caught.length, 1);
    assert.match(caught[0].error.message, /msg\.payload is a string/);
  });
});
