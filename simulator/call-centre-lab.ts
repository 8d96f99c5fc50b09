/**
 * The call centre's part of the lab (option `callCentre`): queues.conf, agents and extensions.conf.
 *
 *   queues.conf  [sales]   strategy=rrmemory,    ringinuse=no, wrapuptime=5, servicelevel=20
 *                [support] strategy=ringall,     ringinuse=no, wrapuptime=5, servicelevel=30
 *   agents       dynamic members (QueueAdd at start), Local/20xx@agents; 2003 and 2004 take both queues
 *   [callcentre] <queue> => Queue(<queue>,,,,<max wait>), Hangup     (one extension per queue)
 *   [agents]     _X.     => Ringing, Wait(3600)                      (an agent's phone rings until
 *                                                                     someone answers it: calls.answer)
 */
import { Party } from "./channel";
import { QueueConfig } from "./config";
import { Dialplan, Extension } from "./dialplan";

export interface Agent {
  iface: string;
  name: string;
  queues: string[];
}

export const CALL_CENTRE_QUEUES: QueueConfig[] = [
  { name: "sales", strategy: "rrmemory", ringinuse: false, wrapupTime: 5, serviceLevel: 20 },
  { name: "support", strategy: "ringall", ringinuse: false, wrapupTime: 5, serviceLevel: 30 },
];

/** The longest a caller waits in each queue before Queue() gives up (QUEUESTATUS TIMEOUT). */
export const MAX_WAIT_S: Record<string, number> = { sales: 120, support: 90 };
/** Queue() timeout of the lab's other queues when a caller is placed there through the call centre. */
const OTHER_MAX_WAIT_S = 60;

export const AGENTS: readonly Agent[] = [
  { iface: "Local/2001@agents", name: "Lisa Bauer", queues: ["sales"] },
  { iface: "Local/2002@agents", name: "Tom Meyer", queues: ["sales"] },
  { iface: "Local/2003@agents", name: "Julia Roth", queues: ["sales", "support"] },
  { iface: "Local/2004@agents", name: "Max Vogel", queues: ["sales", "support"] },
  { iface: "Local/2101@agents", name: "Nina Hahn", queues: ["support"] },
  { iface: "Local/2102@agents", name: "Omar Aziz", queues: ["support"] },
  { iface: "Local/2103@agents", name: "Eva Lang", queues: ["support"] },
  { iface: "Local/2104@agents", name: "Kai Busch", queues: ["support"] },
];

export const PAUSE_REASONS = ["lunch", "break", "training"] as const;

export const CALLER_NAMES = [
  "Lena Hoffmann", "Jonas Wagner", "Marie Becker", "Paul Schulz", "Sophie Koch", "Felix Richter", "Emma Klein",
  "Lukas Wolf", "Mia Neumann", "Noah Braun", "Hannah Zimmermann", "Elias Krüger", "Laura Frank", "Ben Albrecht",
];

export const CALLER_CONTEXT = "callcentre";
export const AGENT_CONTEXT = "agents";

/** The contexts the call centre adds: one extension per queue (named after it), and the agents' phones. */
export function callCentreDialplan(queues: Iterable<string>): Dialplan {
  let line = 200;
  const ext = (exten: string, ...steps: Array<[string, string?]>): Extension => ({
    exten,
    steps: steps.map(([app, data]) => ({ app, data, line: line++ })),
  });
  return {
    [CALLER_CONTEXT]: [...queues].map((q) => ext(q, ["Queue", `${q},,,,${MAX_WAIT_S[q] ?? OTHER_MAX_WAIT_S}`], ["Hangup"])),
    [AGENT_CONTEXT]: [ext("_X.", ["Ringing"], ["Wait", "3600"])],
  };
}

/** An outside caller: a German name and a +4930 number, from the given random source. */
export function outsideCaller(random: () => number): Party {
  const name = CALLER_NAMES[Math.floor(random() * CALLER_NAMES.length)];
  return { num: `+4930${1000000 + Math.floor(random() * 9000000)}`, name };
}
