/**
 * Checks that an authenticated core message has the shape the core expects before it is handed to
 * ElectionNode.receive. The mac proves who sent it, not that it is well formed: a member running a
 * different version, or a bug, must not be able to crash the core with a missing field.
 */
import type { Message } from "../core/messages.ts";
import type { TimerCommand } from "../../shared/pomodoro.ts";
import { isRecord } from "./envelope.ts";

const PHASES = new Set(["idle", "focus", "short_break", "long_break"]);
const COMMAND_KINDS = new Set(["start", "pause", "resume", "skip", "stop", "set"]);
const SETTING_FIELDS = ["focusMs", "shortBreakMs", "longBreakMs", "longBreakEvery"] as const;

type Fields = Record<string, unknown>;

const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
const isNumberOrNull = (value: unknown) => value === null || isNumber(value);
const isString = (value: unknown): value is string => typeof value === "string";
const isStringOrNull = (value: unknown) => value === null || isString(value);
const isBoolean = (value: unknown): value is boolean => typeof value === "boolean";

function isStateVersion(value: unknown): boolean {
  return isRecord(value) && isNumber(value.term) && isNumber(value.seq);
}

function isStamp(value: unknown): boolean {
  return isRecord(value) && isNumber(value.time) && isString(value.nodeId);
}

function isMember(value: unknown): boolean {
  return isRecord(value) && isString(value.id) && isString(value.address);
}

function isSettings(value: unknown, partial: boolean): boolean {
  if (!isRecord(value)) return false;
  return SETTING_FIELDS.every((field) => (partial && value[field] === undefined) || isNumber(value[field]));
}

export function isTimerCommand(value: unknown): value is TimerCommand {
  if (!isRecord(value) || !isString(value.kind) || !COMMAND_KINDS.has(value.kind)) return false;
  if (value.kind === "set") return isNumber(value.durationMs);
  if (value.kind === "start") return value.settings === undefined || isSettings(value.settings, true);
  return true;
}

function isTimerState(value: unknown): boolean {
  return (
    isRecord(value) &&
    isString(value.phase) &&
    PHASES.has(value.phase) &&
    isNumberOrNull(value.endsAt) &&
    isBoolean(value.paused) &&
    isNumberOrNull(value.remainingMs) &&
    isNumber(value.completedFocusRounds) &&
    isSettings(value.settings, false)
  );
}

function isAppliedCommand(value: unknown): boolean {
  return (
    isRecord(value) && isNumber(value.seq) && isNumber(value.term) && isStamp(value.stamp) && isTimerCommand(value.command) && isString(value.outcome)
  );
}

function isSnapshot(m: Fields): boolean {
  return (
    Array.isArray(m.members) &&
    m.members.every(isMember) &&
    isNumber(m.membersVersion) &&
    isTimerState(m.timer) &&
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
  return isRecord(value) && isAppliedCommand(value.entry) && isString(value.mergedBy) && isNumber(value.term);
}

function isHeartbeatExtras(m: Fields): boolean {
  return (
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

function isEcho(value: unknown): boolean {
  return value === null || (isRecord(value) && isNumber(value.peerSentAt) && isNumber(value.masterReceivedAt));
}

const BODY_CHECKS: Record<Message["type"], (m: Fields) => boolean> = {
  heartbeat: (m) => isNumber(m.sentAt) && isSnapshot(m) && isHeartbeatExtras(m),
  heartbeat_ack: (m) =>
    isNumber(m.sentAt) &&
    isNumber(m.membersVersion) &&
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
  if (!isNumber(value.term) || !isString(value.from) || !isNumber(value.lamport)) return false;
  return BODY_CHECKS[value.type as Message["type"]](value);
}
