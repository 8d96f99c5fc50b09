import { AmiConnection } from "../../src/node-red/connection";
import type { DoneFunction, Node, NodeMessage, NodeStatus, SendFunction } from "../../src/node-red/red";
import type { Translate } from "../../src/node-red/status";

/**
 * A Node-RED node as the glue's unit tests need it (test/node-red/node-setup and feed-node): what
 * it was shown (status, error) and its input and close handlers, run as the runtime runs them. Only
 * what those modules call is real; the rest of Node's methods record nothing. And the server's
 * connection such a node is set up with, when nothing may go on the network.
 */

type InputHandler = (msg: NodeMessage, send: SendFunction, done: DoneFunction) => void | Promise<void>;
type CloseHandler = (removed: boolean, done: () => void) => void;

/** What one input ended with: the messages sent and the error given to done (undefined when none). */
export interface InputOutcome {
  sent: unknown[];
  err: Error | undefined;
}

export interface FakeNode extends Node {
  readonly statuses: Array<NodeStatus | string>;
  readonly errors: unknown[];
  /** Hands msg to the input handler; resolves when it calls done. */
  input(msg: NodeMessage): Promise<InputOutcome>;
  /** Runs the close handler; resolves when it calls done. */
  close(removed: boolean): Promise<void>;
}

export function fakeNode(id = "n1", type = "test-node"): FakeNode {
  const inputs: InputHandler[] = [];
  const closes: CloseHandler[] = [];
  const statuses: Array<NodeStatus | string> = [];
  const errors: unknown[] = [];
  const ignore = (): void => undefined;
  const node: FakeNode = {
    id,
    type,
    credentials: {},
    statuses,
    errors,
    on(event: "input" | "close", handler: InputHandler | CloseHandler): void {
      if (event === "input") inputs.push(handler as InputHandler);
      else closes.push(handler as CloseHandler);
    },
    status: (s: NodeStatus | string) => statuses.push(s),
    error: (m: unknown) => errors.push(m),
    send: ignore,
    log: ignore,
    warn: ignore,
    debug: ignore,
    trace: ignore,
    input(msg: NodeMessage): Promise<InputOutcome> {
      if (inputs.length !== 1) throw new Error(`the node has ${inputs.length} input handlers`);
      const sent: unknown[] = [];
      return new Promise<InputOutcome>((resolve) => {
        void inputs[0](msg, (m) => sent.push(m), (err) => resolve({ sent, err }));
      });
    },
    close(removed: boolean): Promise<void> {
      if (closes.length !== 1) throw new Error(`the node has ${closes.length} close handlers`);
      return new Promise<void>((resolve) => closes[0](removed, resolve));
    },
  };
  return node;
}

/** What a node did with its connection: the ids it registered and deregistered (with `removed`), in order. */
export interface RecordedConnection extends AmiConnection {
  readonly registered: string[];
  readonly deregistered: Array<[string, boolean]>;
}

/**
 * A connection labelled "pbx" that cannot connect (no host configured, so it never opens a client),
 * recording each register and deregister before doing it.
 */
export function idleConnection(t: Translate): RecordedConnection {
  const connection = new AmiConnection({ label: "pbx", problem: "asterisk-ami-server.errors.no-host", t, logger: {}, closeTimeout: 1000, idleTimeout: 1000 });
  const registered: string[] = [];
  const deregistered: Array<[string, boolean]> = [];
  const register = connection.register.bind(connection);
  const deregister = connection.deregister.bind(connection);
  connection.register = (user) => {
    registered.push(user.id);
    register(user);
  };
  connection.deregister = (user, removed) => {
    deregistered.push([user.id, removed]);
    return deregister(user, removed);
  };
  return Object.assign(connection, { registered, deregistered });
}
