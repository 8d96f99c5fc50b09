/**
 * The AMI protocol core: framing, encoding, the connection state machine and its helpers.
 * Nothing here imports Node-RED; it could be published on its own.
 */
export { AmiMessage, HeaderObject } from "./message";
export { AmiFramer, FramerHandlers, FramerOptions, ParseError, peekEventName, DEFAULT_MAX_FRAME_BYTES } from "./framer";
export { EventFrame, LineProbe } from "./event-frame";
export { parseFrame } from "./frame-decoder";
export { encodeAction, toHeaders, encodeHeaders, ActionFields, ActionFieldValue, FieldValue, MAX_HEADERS, MAX_LINE_BYTES } from "./encoder";
export { AmiError, AmiErrorCode, amiError } from "./errors";
export { AgiResult, parseAgiResult, decodeAgiEnv, urlDecode } from "./agi";
export { amiVersionToAsterisk } from "./version";
export {
  AmiClient,
  AmiClientOptions,
  AmiTlsOptions,
  AmiLogger,
  ActionResult,
  ConnectionState,
  StateChange,
  SendOptions,
  EventSelector,
  EventListener,
  ClientStats,
  commandOutput,
} from "./client";
export { CallTracker, CALL_EVENTS } from "./calls";
export { CallTrackerOptions, CallUpdate, Call, CallStep, CallState, Leg, Dial, Party, Transfer, Direction, Disposition } from "./call-types";
export { callDirection, DirectionRules, DEFAULT_INBOUND_CONTEXTS, DEFAULT_EXTERNAL_DIGITS } from "./call-direction";
export { dialledNumber } from "./call-numbers";
export { PresenceTracker, Presence, PresenceChange, ExtensionPresence, DevicePresence, PRESENCE_EVENTS, DEFAULT_MAX_PRESENCE_ENTRIES } from "./presence";
export { PresenceState, extensionState, deviceState, isActive, isPersonDevice } from "./presence-state";
export {
  QueueTracker,
  QueueTrackerOptions,
  QueueView,
  QueueCaller,
  QueueMemberView,
  QueueCounters,
  QueueChange,
  QueueChangeKind,
  QueueBound,
  MemberState,
  QUEUE_EVENTS,
  QUEUE_CHANGE_KINDS,
  DEFAULT_MAX_QUEUES,
  DEFAULT_MAX_MEMBERS,
  DEFAULT_MAX_CALLERS,
  DEFAULT_SERVICE_LEVEL,
} from "./queues";
export { trackCalls, trackPresence, trackQueues, CallTracking, PresenceTracking, QueueTracking, TrackingOptions, DEFAULT_MAX_HELD_EVENTS } from "./tracking";
