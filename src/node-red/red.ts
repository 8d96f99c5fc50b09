/**
 * The slice of Node-RED's runtime API these nodes use, typed for strict TypeScript. Kept here
 * rather than taken from @types/node-red so the package has no type dependency on a particular
 * Node-RED release; the shapes follow Node-RED 3.1 / 4.x (`RED.nodes.createNode`, `node.status`,
 * the `input` handler with `send`/`done`, `close` with `removed`/`done`).
 */

export interface NodeStatus {
  fill?: "red" | "green" | "yellow" | "blue" | "grey";
  shape?: "ring" | "dot";
  text?: string;
}

/** A Node-RED message: any properties; `_msgid` is set by the runtime. */
export type NodeMessage = Record<string, unknown> & { _msgid?: string; payload?: unknown; topic?: string };

export type SendFunction = (msg: NodeMessage | null | Array<NodeMessage | null>) => void;
export type DoneFunction = (err?: Error) => void;

export interface NodeDef {
  id: string;
  type: string;
  name?: string;
  z?: string;
  [key: string]: unknown;
}

export interface Node<Creds = Record<string, string>> {
  id: string;
  type: string;
  name?: string;
  z?: string;
  credentials: Creds;
  on(event: "input", handler: (msg: NodeMessage, send: SendFunction, done: DoneFunction) => void | Promise<void>): void;
  on(event: "close", handler: (removed: boolean, done: () => void) => void): void;
  send(msg: NodeMessage | null | Array<NodeMessage | null>): void;
  status(status: NodeStatus | string): void;
  log(msg: unknown): void;
  warn(msg: unknown): void;
  error(msg: unknown, sourceMsg?: NodeMessage): void;
  debug(msg: unknown): void;
  trace(msg: unknown): void;
}

export interface TlsConfigNode extends Node {
  valid?: boolean;
  addTLSOptions(opts: Record<string, unknown>): Record<string, unknown>;
}

/** The parts of Express's request/response the admin endpoint uses. */
export type HttpRequest = Record<string, unknown>;
export interface HttpResponse {
  json(body: unknown): void;
  status(code: number): HttpResponse;
}

export interface NodeAPI {
  nodes: {
    createNode(node: object, def: NodeDef): void;
    getNode(id: string): Node | null;
    /** Node-RED calls `ctor` with the new node as `this` and the node's settings from the flow as `def`. */
    registerType<N extends Node, D extends NodeDef>(type: string, ctor: (this: N, def: D) => void, opts?: { credentials?: Record<string, { type: "text" | "password" }>; settings?: Record<string, { value: unknown; exportable?: boolean }> }): void;
  };
  util: {
    evaluateNodeProperty(value: unknown, type: string, node: Node, msg: NodeMessage, callback: (err: Error | null, result: unknown) => void): void;
    cloneMessage<T>(msg: T): T;
  };
  settings: Record<string, unknown>;
  httpAdmin: {
    get(path: string, ...handlers: Array<(req: HttpRequest, res: HttpResponse, next: () => void) => void>): void;
  };
  auth: {
    needsPermission(permission: string): (req: HttpRequest, res: HttpResponse, next: () => void) => void;
  };
  log: { info(msg: unknown): void; warn(msg: unknown): void; error(msg: unknown): void; debug(msg: unknown): void };
  _(key: string, params?: Record<string, unknown>): string;
}
