/**
 * The vocabulary of queue tracking (src/ami/queues.ts): the events read, what a queue, a caller, a
 * member and the counters look like, the changes reported, the tracker's options and bounds.
 */

export const QUEUE_EVENTS: readonly string[] = [
  "QueueParams",
  "QueueCallerJoin",
  "QueueCallerLeave",
  "QueueCallerAbandon",
  "QueueMemberAdded",
  "QueueMemberRemoved",
  "QueueMemberPause",
  "QueueMemberStatus",
  "QueueMemberRinginuse",
  "AgentCalled",
  "AgentConnect",
  "AgentComplete",
  "AgentRingNoAnswer",
  "AgentDump",
];

export type MemberState = "available" | "ringing" | "in-call" | "paused" | "unavailable";

export interface QueueCaller {
  uniqueid: string;
  channel: string;
  position: number;
  callerIdNum?: string;
  callerIdName?: string;
  /** ms epoch: joined the queue. */
  since: number;
}

export interface QueueMemberView {
  name: string;
  interface: string;
  stateInterface: string;
  state: MemberState;
  paused: boolean;
  pausedReason?: string;
  membership: string;
  penalty: number;
  callsTaken: number;
  /** ms epoch */
  lastCall?: number;
  /** ms epoch: in this state since. */
  since: number;
}

export interface QueueCounters {
  /** ms epoch: the tracker's start; for today, local midnight (or the tracker's start, when later). */
  since: number;
  offered: number;
  answered: number;
  abandoned: number;
  answeredInServiceLevel: number;
  /** answeredInServiceLevel / (answered + abandoned) * 100, 1 decimal. */
  serviceLevelPct: number | null;
  /** s, answered calls */
  avgWait: number | null;
  avgAbandonWait: number | null;
  /** s, completed calls */
  avgTalk: number | null;
  /** s: the longest wait of a call answered or abandoned. */
  maxWait: number | null;
  /** false when events may have been missed in this period (a session dropped). */
  complete: boolean;
}

export interface QueueView {
  name: string;
  strategy: string;
  /** s: the service level threshold used. */
  serviceLevel: number;
  /** by position */
  callers: QueueCaller[];
  waiting: number;
  /** ms epoch of the oldest caller */
  longestWaitSince: number | null;
  /** by name */
  members: QueueMemberView[];
  loggedIn: number;
  available: number;
  ringing: number;
  inCall: number;
  paused: number;
  unavailable: number;
  today: QueueCounters;
  sinceStart: QueueCounters;
}

export type QueueChangeKind =
  | "caller-joined"
  | "caller-left"
  | "abandoned"
  | "answered"
  | "completed"
  | "ring-no-answer"
  | "member-added"
  | "member-removed"
  | "member-state"
  | "paused"
  | "unpaused"
  | "queue"
  | "queue-removed";

export const QUEUE_CHANGE_KINDS: readonly QueueChangeKind[] = [
  "caller-joined",
  "caller-left",
  "abandoned",
  "answered",
  "completed",
  "ring-no-answer",
  "member-added",
  "member-removed",
  "member-state",
  "paused",
  "unpaused",
  "queue",
  "queue-removed",
];

export interface QueueChange {
  kind: QueueChangeKind;
  queue: string;
  caller?: QueueCaller;
  member?: QueueMemberView;
  /** s: answered/abandoned/caller-left */
  wait?: number;
  /** s: completed */
  talk?: number;
  /** paused reason, completion reason (AgentComplete Reason), caller-left outcome */
  reason?: string;
}

export type QueueBound = "queues" | "members" | "callers";

export interface QueueTrackerOptions {
  now?: () => number;
  /** s, used when a queue's ServiceLevel is 0; default 20. */
  serviceLevel?: number;
  maxQueues?: number;
  /** per queue */
  maxMembers?: number;
  /** in all queues */
  maxCallers?: number;
  /** Called the first time a bound stops a new entry from being tracked (once per bound). */
  onLimit?: (bound: QueueBound, max: number) => void;
}

/** Bounds that fit a Raspberry Pi: far above a call centre's queues, agents and callers. */
export const DEFAULT_MAX_QUEUES = 1000;
export const DEFAULT_MAX_MEMBERS = 1000;
export const DEFAULT_MAX_CALLERS = 10_000;
export const DEFAULT_SERVICE_LEVEL = 20;
