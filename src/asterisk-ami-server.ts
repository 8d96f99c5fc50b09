import type { AmiTlsOptions } from "./ami";
import { loadCatalog } from "./node-red/catalog";
import { AmiConnection, AmiServerNode } from "./node-red/connection";
import type { NodeAPI, NodeDef, TlsConfigNode } from "./node-red/red";
import { ServerCredentials, ServerSettings, resolveServer } from "./node-red/server-config";

/**
 * Config node "asterisk-ami-server": one per PBX. It owns the AmiConnection that every
 * "ami in" and "ami action" node using it shares (see node-red/connection.ts).
 */

type ServerDef = NodeDef & ServerSettings & { tls?: string };

/** Time a close may take before Node-RED is told it is done anyway (its own limit is 15 s). */
const CLOSE_TIMEOUT_MS = 3000;
const IDLE_TIMEOUT_MS = 5000;

export = function (RED: NodeAPI): void {
  function AsteriskAmiServer(this: AmiServerNode & { credentials: ServerCredentials }, def: ServerDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let tls: AmiTlsOptions | undefined;
    if (def.usetls && def.tls) {
      const tlsNode = RED.nodes.getNode(def.tls) as TlsConfigNode | null;
      if (tlsNode && typeof tlsNode.addTLSOptions === "function") tls = tlsNode.addTLSOptions({});
    }
    const resolved = resolveServer(def, node.credentials ?? {}, tls);
    const setting = (name: string, fallback: number): number => {
      const v = Number(RED.settings[name]);
      return Number.isFinite(v) && v >= 0 ? v : fallback;
    };
    node.connection = new AmiConnection({
      label: resolved.label,
      client: resolved.options,
      problem: resolved.problem,
      t: (key, params) => RED._(key, params),
      logger: {
        debug: (m) => node.trace(m),
        info: (m) => node.log(m),
        warn: (m) => node.warn(m),
        error: (m) => node.error(m),
      },
      closeTimeout: Math.min(setting("asteriskAmiServerCloseTimeout", CLOSE_TIMEOUT_MS), 10_000),
      idleTimeout: IDLE_TIMEOUT_MS,
    });
    if (resolved.problem) node.warn(RED._(resolved.problem));
    node.on("close", (_removed: boolean, done: () => void) => {
      node.connection.close().then(done, done);
    });
  }

  RED.nodes.registerType("asterisk-ami-server", AsteriskAmiServer, {
    credentials: {
      username: { type: "text" },
      secret: { type: "password" },
    },
    settings: {
      asteriskAmiServerCloseTimeout: { value: CLOSE_TIMEOUT_MS, exportable: false },
    },
  });

  // The event and action catalog for the editor's autocomplete, for users who may read flows.
  RED.httpAdmin.get("/asterisk-ami/catalog", RED.auth.needsPermission("asterisk-ami-server.read"), (_req, res) => {
    try {
      res.json(loadCatalog());
    } catch (err) {
      res.status(500).json({ error: (err as Error).message });
    }
  });
};
