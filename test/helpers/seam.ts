import type * as net from "node:net";
import type { AmiClient } from "../../src/ami";
import type { AmiFramer } from "../../src/ami/framer";
import type { BacklogStats } from "../../src/node-red/event-backlog";

/**
 * The test seam: how tests and benches look inside the running objects without the shipped code
 * offering a hook for it. Everything here reads private fields by name, so a rename in the source
 * breaks it loudly (each accessor throws when the field is not where it expects), never silently.
 * Read only: nothing here changes what it looks at.
 *
 * - a config node's connection (src/node-red/connection.ts): its client, its event routes, its
 *   users and the status they show; a shared feed's users (src/node-red/tracking-feed.ts);
 * - an "ami in" node's backlog: the EventIntake its route delivers to (src/node-red/event-intake.ts);
 * - an AmiClient's session (src/ami/session.ts): the socket and the framer.
 */

interface ConnectionInside {
  client?: AmiClient;
  router: { routes: Array<{ owner: string; sink: unknown }> };
}

function inside<T>(object: unknown, field: string, what: string): T {
  if (object === null || typeof object !== "object" || !(field in object)) throw new Error(`test seam: ${what} has no field "${field}" any more`);
  return (object as Record<string, T>)[field];
}

/** The connection's current AmiClient, if it has one. */
export function clientOf(connection: unknown): AmiClient | undefined {
  inside(connection, "router", "the connection");
  return (connection as ConnectionInside).client;
}

/** The connection's current AmiClient; throws when it has none. */
export function liveClientOf(connection: unknown): AmiClient {
  const client = clientOf(connection);
  if (!client) throw new Error("test seam: the connection has no client");
  return client;
}

/** How many users a connection or a shared feed has now (nodes registered, or joined). */
export function userCountOf(connectionOrFeed: unknown): number {
  return inside<Map<string, unknown>>(connectionOrFeed, "users", "the connection or feed").size;
}

/** The status a connection's users show now (a copy). */
export function statusOf(connection: unknown): Record<string, unknown> {
  return { ...inside<Record<string, unknown>>(connection, "lastStatus", "the connection") };
}

/** How many event routes the connection has (one per "ami in" node). */
export function routeCountOf(connection: unknown): number {
  return inside<ConnectionInside["router"]>(connection, "router", "the connection").routes.length;
}

/** The backlog counters of the "ami in" node `nodeId` on this connection. */
export function backlogOf(connection: unknown, nodeId: string): BacklogStats {
  const routes = inside<ConnectionInside["router"]>(connection, "router", "the connection").routes;
  const route = routes.find((r) => r.owner === nodeId);
  if (!route) throw new Error(`test seam: no event route of node ${nodeId}`);
  return inside<{ stats: BacklogStats }>(route.sink, "backlog", "the route's sink").stats;
}

function sessionOf(client: AmiClient): object {
  return inside<object>(client, "session", "the AmiClient");
}

/** The client's current socket, if connected. */
export function socketOf(client: AmiClient): net.Socket | undefined {
  return inside<net.Socket | undefined>(sessionOf(client), "socket", "the session");
}

/** The client's socket; throws when it is not connected. */
export function liveSocketOf(client: AmiClient): net.Socket {
  const sock = socketOf(client);
  if (!sock) throw new Error("test seam: the client has no socket");
  return sock;
}

/** The framer that cuts the client's socket bytes into frames. */
export function framerOf(client: AmiClient): AmiFramer {
  return inside<AmiFramer>(sessionOf(client), "framer", "the session");
}
