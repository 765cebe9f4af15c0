/**
 * Checks that an authenticated core message has the shape the core expects before it is handed to
 * ElectionNode.receive. The mac proves who sent it, not that it is well formed: a member running a
 * different version, or a bug, must not be able to crash the core with a missing field.
 */
import type { Message } from "../core/messages.ts";
import { isGoalId, type TimerCommand } from "../../shared/pomodoro.ts";
import { MAX_AGENT_TERM } from "../../shared/agent-term.ts";
import { isRecord } from "./envelope.ts";

const PHASES = new Set(["idle", "focus", "short_break", "long_break"]);
const COMMAND_KINDS = new Set(["start", "pause", "resume", "skip", "stop", "set"]);
const SETTING_FIELDS = ["focusMs", "shortBreakMs", "longBreakMs", "longBreakEvery"] as const;

type Fields = Record<string, unknown>;

/**
 * Bounds a signed message must keep, so one member with the key cannot stop the session: a term
 * or Lamport time near Number.MAX_SAFE_INTEGER would leave no room to count on (every later
 * message dropped), and a deadline days away would be adopted by all. At one election per 300 ms,
 * MAX_TERM lasts ten thousand years; the worker's hub takes terms up to the same bound.
 */
export const MAX_TERM = MAX_AGENT_TERM;
export const MAX_LAMPORT = 2 ** 50;
/** The longest phase a member may configure (the config file's limit), and what clocks may differ by. */
export const MAX_PHASE_MS = 24 * 3600_000;
export const CLOCK_SKEW_ALLOWANCE_MS = 3600_000;

const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
const isNumberOrNull = (value: unknown) => value === null || isNumber(value);
const isString = (value: unknown): value is string => typeof value === "string";
const isStringOrNull = (value: unknown) => value === null || isString(value);
const isBoolean = (value: unknown): value is boolean => typeof value === "boolean";

const isCount = (value: unknown, max: number): value is number => Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= max;
const isTerm = (value: unknown): value is number => isCount(value, MAX_TERM);
const isDuration = (value: unknown): value is number => isNumber(value) && value > 0 && value <= MAX_PHASE_MS;

function isStateVersion(value: unknown): boolean {
  return isRecord(value) && isTerm(value.term) && isCount(value.seq, Number.MAX_SAFE_INTEGER);
}

function isStamp(value: unknown): boolean {
  return isRecord(value) && isNumber(value.time) && isString(value.nodeId);
}

function isMember(value: unknown): boolean {
  return isRecord(value) && isString(value.id) && isString(value.address);
}

function isSettings(value: unknown, partial: boolean): boolean {
  if (!isRecord(value)) return false;
  return SETTING_FIELDS.every((field) => {
    if (partial && value[field] === undefined) return true;
    return field === "longBreakEvery" ? isCount(value[field], 100) && value[field] >= 1 : isDuration(value[field]);
  });
}

export function isTimerCommand(value: unknown): value is TimerCommand {
  if (!isRecord(value) || !isString(value.kind) || !COMMAND_KINDS.has(value.kind)) return false;
  if (value.kind === "set") return isDuration(value.durationMs);
  if (value.kind === "start") return (value.settings === undefined || isSettings(value.settings, true)) && isGoalOrAbsent(value.goal);
  return true;
}

/** A timer state; with `sentAt` (the sender's clock), its deadline may lie at most one phase ahead of it. */
function isTimerState(value: unknown, sentAt?: number): boolean {
  return (
    isRecord(value) &&
    isString(value.phase) &&
    PHASES.has(value.phase) &&
    isNumberOrNull(value.endsAt) &&
    (value.endsAt === null || sentAt === undefined || (value.endsAt as number) - sentAt <= MAX_PHASE_MS + CLOCK_SKEW_ALLOWANCE_MS) &&
    isBoolean(value.paused) &&
    (value.remainingMs === null || (isNumber(value.remainingMs) && value.remainingMs >= 0 && value.remainingMs <= MAX_PHASE_MS)) &&
    isCount(value.completedFocusRounds, Number.MAX_SAFE_INTEGER) &&
    isSettings(value.settings, false) &&
    isGoalOrAbsent(value.goal)
  );
}

/** A goal id of the form the worker gives (at most 128 characters), or none: anything else would be recorded on every round. */
const isGoalOrAbsent = (value: unknown): boolean => value === undefined || isGoalId(value);

function isAppliedCommand(value: unknown): boolean {
  return (
    isRecord(value) && isNumber(value.seq) && isTerm(value.term) && isStamp(value.stamp) && isTimerCommand(value.command) && isString(value.outcome)
  );
}

/** A heartbeat may leave the member list out (null): the receiver holds it already (`membersDigest`). */
function isSnapshot(m: Fields, membersOptional = false): boolean {
  return (
    ((membersOptional && m.members === null) || (Array.isArray(m.members) && m.members.every(isMember))) &&
    isNumber(m.membersVersion) &&
    isTimerState(m.timer, isNumber(m.sentAt) ? m.sentAt : undefined) &&
    isStateVersion(m.stateVersion) &&
    isStampOrNull(m.stateStamp) &&
    Array.isArray(m.recentCommands) &&
    m.recentCommands.every(isAppliedCommand)
  );
}

function isStampOrNull(value: unknown): boolean {
  return value === null || isStamp(value);
}

function isOverridden(value: unknown): boolean {
  return isRecord(value) && isAppliedCommand(value.entry) && isString(value.mergedBy) && isTerm(value.term);
}

function isHeartbeatExtras(m: Fields): boolean {
  return (
    isDigest(m.membersDigest) &&
    isEcho(m.echo) &&
    Array.isArray(m.live) &&
    m.live.every(isString) &&
    Array.isArray(m.lost) &&
    m.lost.every(isMember) &&
    Array.isArray(m.overridden) &&
    m.overridden.every(isOverridden) &&
    isNumberOrNull(m.mergeAck)
  );
}

/** member-digest.ts writes 16 hex digits; anything short is accepted, since only equality matters. */
const isDigest = (value: unknown): boolean => isString(value) && value.length <= 64;

function isEcho(value: unknown): boolean {
  return value === null || (isRecord(value) && isNumber(value.peerSentAt) && isNumber(value.masterReceivedAt));
}

const BODY_CHECKS: Record<Message["type"], (m: Fields) => boolean> = {
  heartbeat: (m) => isNumber(m.sentAt) && isSnapshot(m, true) && isHeartbeatExtras(m),
  heartbeat_ack: (m) =>
    isNumber(m.sentAt) &&
    isNumber(m.membersVersion) &&
    isDigest(m.membersDigest) &&
    isBoolean(m.accepted) &&
    isBoolean(m.member) &&
    isStringOrNull(m.masterId) &&
    isStringOrNull(m.masterAddress),
  request_vote: (m) => isStateVersion(m.stateVersion) && isStampOrNull(m.stateStamp),
  vote: (m) => isBoolean(m.granted) && isBoolean(m.member),
  handover: (m) => isString(m.successor) && isNumber(m.sentAt) && isSnapshot(m),
  join: (m) => isString(m.address),
  join_redirect: (m) => isStringOrNull(m.masterId) && isStringOrNull(m.masterAddress),
  leave: () => true,
  merge: (m) => isNumber(m.sentAt) && isString(m.address) && isSnapshot(m),
  command: (m) => isStamp(m.stamp) && isTimerCommand(m.command),
};

export function isMessage(value: unknown): value is Message {
  if (!isRecord(value) || !isString(value.type) || !Object.hasOwn(BODY_CHECKS, value.type)) return false;
  if (!isTerm(value.term) || !isString(value.from) || !isCount(value.lamport, MAX_LAMPORT)) return false;
  return BODY_CHECKS[value.type as Message["type"]](value);
}
