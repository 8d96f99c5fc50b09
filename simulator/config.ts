import { readFileSync } from "node:fs";
import { DEFAULT_DIALPLAN, Dialplan } from "./dialplan";

export interface PbxUser {
  username: string;
  secret: string;
  read: string[];
  write: string[];
  /** manager.conf `eventfilter=` lines (legacy regex, `!` to exclude). */
  eventFilters?: string[];
}

export interface QueueConfig {
  name: string;
  /** `ringall` (default) rings every free member; `rrmemory` one at a time, round robin from the last one rung. */
  strategy?: string;
  /** queues.conf `ringinuse` (default true): false rings only members whose device is free. */
  ringinuse?: boolean;
  /** queues.conf `wrapuptime`, seconds (default 0): a member is not rung this long after a call. */
  wrapupTime?: number;
  /** queues.conf `servicelevel`, seconds (default 0): QueueParams ServiceLevel and ServicelevelPerf. */
  serviceLevel?: number;
  /** Static members as `Interface,Penalty,MemberName` (queues.conf `member=`). */
  members?: Array<{ interface: string; name?: string; penalty?: number; stateInterface?: string }>;
}

/** What a `config` JSON file may hold; every part is optional and replaces the default. */
export interface PbxConfigFile {
  users?: PbxUser[];
  queues?: QueueConfig[];
  dialplan?: Dialplan;
  /** Device states known at start, in the order DeviceStateList reports them. */
  deviceStates?: Record<string, string>;
  globals?: Record<string, string>;
  /** manager.conf `channelvars`: variables shown as ChanVariable in every channel event. */
  channelVars?: string[];
}

/**
 * The capture lab's manager.conf. The `filtered` user's eventfilters are inferred from capture
 * `filtered-user`: it receives Newchannel, Hangup*, HangupHandler* and UserEvent, nothing else.
 */
export const DEFAULT_USERS: PbxUser[] = [
  { username: "admin", secret: "amp111", read: ["all"], write: ["all"] },
  { username: "limited", secret: "limited1", read: ["call"], write: ["call"] },
  {
    username: "filtered",
    secret: "filt1",
    read: ["all"],
    write: ["all"],
    eventFilters: ["Event: Newchannel", "Event: Hangup", "Event: UserEvent"],
  },
];

/** queues.conf of the lab (capture `getconfig`). */
export const DEFAULT_QUEUES: QueueConfig[] = [
  { name: "testq", strategy: "ringall" },
  { name: "supportq", strategy: "ringall", members: [{ interface: "Local/100@test", name: "Agent One", penalty: 0 }] },
];

/**
 * The lab's device-state cache as DeviceStateList listed it (capture `presence`): the queue
 * devices app_queue maintains, including those an earlier QueueAdd/QueueRemove left behind.
 */
export const DEFAULT_DEVICE_STATES: Record<string, string> = {
  "Queue:supportq_pause_Local/100@test": "NOT_INUSE",
  "Queue:supportq_avail": "NOT_INUSE",
  "Queue:testq": "NOT_INUSE",
  "Queue:testq_pause_Local/101@test": "NOT_INUSE",
  "Queue:testq_avail": "INUSE",
};

export interface ResolvedConfig {
  users: PbxUser[];
  queues: QueueConfig[];
  dialplan: Dialplan;
  deviceStates: Record<string, string>;
  globals: Record<string, string>;
  channelVars: string[];
}

export function resolveConfig(users: PbxUser[] | undefined, path: string | undefined): ResolvedConfig {
  const file: PbxConfigFile = path ? (JSON.parse(readFileSync(path, "utf8")) as PbxConfigFile) : {};
  return {
    users: users ?? file.users ?? DEFAULT_USERS,
    queues: file.queues ?? DEFAULT_QUEUES,
    dialplan: file.dialplan ?? DEFAULT_DIALPLAN,
    deviceStates: file.deviceStates ?? DEFAULT_DEVICE_STATES,
    globals: file.globals ?? {},
    channelVars: file.channelVars ?? [],
  };
}
