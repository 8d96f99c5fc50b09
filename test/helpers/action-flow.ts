import { startPbx } from "../../simulator";
import { ADMIN, Msg, TAB as tab, amiAction, amiNodes, catchFor, helper, node, server, sink, waitFor } from "../nodes/harness";

/**
 * What the ami action node's tests (test/nodes/ami-action*.test.ts) share: a flow with one action
 * node "act" on server "s1", its output to the sink "out" and a Catch to the sink "caught"; the
 * actions the PBX received; a lab PBX per test.
 */

export type Pbx = Awaited<ReturnType<typeof startPbx>>;

/** The action node "act" on server "s1", wired to "out". */
export function action(extra: Record<string, unknown>): Record<string, unknown> {
  return amiAction("act", "s1", extra, ["out"]);
}

/** A flow with one action node, its output, and a Catch node for it. */
export function flowWith(pbx: Pbx, act: Record<string, unknown>, serverExtra: Record<string, unknown> = {}): Array<Record<string, unknown>> {
  return [
    tab,
    server("s1", pbx.port, serverExtra),
    act,
    catchFor("catch", [act.id as string], "caught"),
    sink("out"),
    sink("caught"),
  ];
}

/** Actions of a given name the PBX received (outside login/keepalive). */
export function received(pbx: Pbx, name: string): Array<Record<string, string | string[]>> {
  return pbx.actions.filter((a: any) => String(a.action.get("Action")).toLowerCase() === name.toLowerCase()).map((a: any) => a.action.toObject());
}

/** An ami action suite's PBX and flow: load, run, and what reached "out" and "caught". */
export interface ActionFlow {
  /** What reached "out" since the last load (the same array all along). */
  out: Msg[];
  /** What reached "caught" since the last load. */
  caught: Msg[];
  /** Collects "out" and "caught" of the flow just loaded, afresh. */
  collectOutputs: () => void;
  /** Loads flowWith(act) with these credentials for s1, and collects its outputs. */
  load: (act: Record<string, unknown>, serverExtra?: Record<string, unknown>, creds?: { username: string; secret: string }) => Promise<void>;
  /** Sends msg to "act" and waits until something more reached "out" or "caught". */
  run: (msg: Msg, what?: string) => Promise<void>;
}

/**
 * The hooks of an ami action suite: a lab PBX (time at 1/20) for each test, handed to `use`; after
 * it, the flow unloaded and the PBX closed. Returns the flow's load, run and outputs.
 */
export function useActionFlow(use: (pbx: Pbx) => void): ActionFlow {
  let pbx: Pbx | undefined;
  const out: Msg[] = [];
  const caught: Msg[] = [];
  beforeEach(async () => {
    pbx = await startPbx({ port: 0, timeScale: 0.05 });
    use(pbx);
  });
  afterEach(async () => {
    await helper.unload();
    await pbx?.close();
  });
  const collectOutputs = (): void => {
    for (const [id, got] of [["out", out], ["caught", caught]] as const) {
      got.length = 0;
      node(id).on("input", (msg: Msg) => got.push(msg));
    }
  };
  return {
    out,
    caught,
    collectOutputs,
    load: async (act, serverExtra = {}, creds = ADMIN) => {
      await helper.load(amiNodes, flowWith(pbx!, act, serverExtra), { s1: creds });
      collectOutputs();
    },
    run: async (msg, what = "an outcome") => {
      const before = out.length + caught.length;
      helper.getNode("act").receive(msg);
      await waitFor(() => out.length + caught.length > before, what, 15000);
    },
  };
}
