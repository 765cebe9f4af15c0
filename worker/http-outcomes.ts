import { CommonErrorCodes } from "../shared/errors.ts";
import type { AddMemberOutcome, CreateTeamOutcome, ReissueTokenOutcome, RevokeMemberOutcome } from "./auth/team-store.ts";
import { ApiError } from "./http-errors.ts";
import { keyReused } from "./idempotency/idempotency.ts";
import type { Verdict } from "./limits/rate-limiter.ts";
import type { CreateOutcome, DeleteOutcome, QuotaExceeded, StoredRecord, UpdateOutcome } from "./records/outcomes.ts";
import { TxAborted, TxAlreadyCommitted, TxNotFound, TxNotOpen, TxQuotaExceeded, type TxRecord } from "./tx/coordinator.ts";
import { InvalidOp } from "./tx/op-input.ts";
import { invalid } from "./request.ts";
import { unreachable } from "./unreachable.ts";

/**
 * The one place where outcomes become HTTP answers: the refusals of plain writes, and the ends of
 * transactions. Stores, participants and the coordinator answer outcomes and errors of their own.
 */

/** How a resource's records are named in answers. */
export interface RecordNames {
  /** "event", "goal": in codes (event_exists) and messages. */
  noun: string;
  /** "an event", "a goal". */
  article: string;
  /** The booked slot of a record, for a conflict's message (resources with slots only). */
  slot?: (record: never) => string;
}

type Refused = Extract<CreateOutcome | UpdateOutcome | DeleteOutcome, { kind: "exists" | "missing" | "locked" | "conflict" | "quota_exceeded" | "beyond_horizon" }>;

export function notFound(names: RecordNames, id: string): ApiError {
  return new ApiError(404, CommonErrorCodes.notFound, `no ${names.noun} with id ${id}`);
}

/** The answer to a plain write its store refused (after any transaction in the way was cleared). */
export function writeRefusal<R extends StoredRecord>(outcome: Refused, names: RecordNames, record: R): ApiError {
  switch (outcome.kind) {
    case "exists":
      return new ApiError(409, `${names.noun}_exists`, `${names.article} with id ${record.id} already exists`, { details: { id: record.id } });
    case "missing":
      return notFound(names, record.id);
    case "locked":
      return lockConflict(`${names.noun} ${record.id}`);
    case "conflict": {
      // Holds belong to other members' transactions: say the slot is held, not by which transaction.
      const conflicts = outcome.conflicts.map(({ tx, ...rest }) => (tx === undefined ? rest : { ...rest, id: "(held by a transaction in progress)" }));
      const slot = names.slot === undefined ? `${names.noun} ${record.id}` : (names.slot as (record: R) => string)(record);
      return new ApiError(409, "time_slot_taken", `${slot} overlaps ${conflicts.map((c) => c.id).join(", ")}`, { details: { conflicts } });
    }
    case "quota_exceeded":
      return quotaExceeded(outcome);
    case "beyond_horizon":
      return beyondHorizon(outcome.horizon, names.slot === undefined ? `${names.noun} ${record.id}` : (names.slot as (record: R) => string)(record));
    default:
      return unreachable(outcome, "write refusal");
  }
}

/** A booking past the horizon of its calendar's series without an end (README: series without an end). */
export function beyondHorizon(horizon: number, what: string): ApiError {
  const at = new Date(horizon).toISOString();
  return new ApiError(409, "beyond_series_horizon", `${what}: ends_at is after ${at}, as far as the calendar's series without an end are materialised (about two years ahead, moved on daily by the sweep); book it later, or on another calendar`, {
    details: { horizon: at },
  });
}

type AdminOutcome = CreateTeamOutcome | AddMemberOutcome | ReissueTokenOutcome | RevokeMemberOutcome;

/** The answer to an admin write its store refused. */
export function adminRefusal(outcome: Extract<AdminOutcome, { kind: "key_reused" | "team_exists" | "no_team" | "member_exists" | "no_member" }>, team: string, member?: string): ApiError {
  switch (outcome.kind) {
    case "key_reused":
      return keyReused();
    case "team_exists":
      return new ApiError(409, "team_exists", `team ${team} already exists`);
    case "no_team":
      return new ApiError(404, CommonErrorCodes.notFound, `team ${team} does not exist`);
    case "member_exists":
      return new ApiError(409, "member_exists", `${member} is already a member of ${team}; to give them a new token, POST /admin/teams/${team}/members/${member}/token`);
    case "no_member":
      return new ApiError(404, CommonErrorCodes.notFound, `${member} is not a member of ${team}`);
    default:
      return unreachable(outcome, "admin refusal");
  }
}

const QUOTA_NOUNS: Record<QuotaExceeded["quota"], string> = { events: "events", goals: "goals", open_transactions: "open transactions" };
const QUOTA_REMEDIES: Record<QuotaExceeded["quota"], string> = {
  events: "delete events the team no longer needs",
  goals: "delete goals the team no longer needs",
  open_transactions: "commit or abort open transactions (an idle one ends by itself after TX_IDLE_TIMEOUT)",
};

/** 409: the team holds as many as its quota allows; the message says how to make room. */
export function quotaExceeded(outcome: QuotaExceeded): ApiError {
  return new ApiError(409, "quota_exceeded", `the team has reached its quota of ${outcome.limit} ${QUOTA_NOUNS[outcome.quota]}; ${QUOTA_REMEDIES[outcome.quota]}, then retry`, {
    details: { quota: outcome.quota, limit: outcome.limit },
  });
}

/** A plain write refused because `resource` is part of a live transaction. */
export function lockConflict(resource: string): ApiError {
  return new ApiError(409, "lock_conflict", `${resource} is part of a transaction in progress; retry when it is committed or aborted`, {
    details: { resource },
    headers: { "Retry-After": "1" },
  });
}

/** The coordinator's errors as the API's error shape (the abort reason is the code); anything else as it is. */
export function txAnswer(error: unknown, record?: TxRecord): unknown {
  if (error instanceof InvalidOp) return invalid(error.problems);
  if (error instanceof TxNotFound) return new ApiError(404, CommonErrorCodes.notFound, error.message);
  if (error instanceof TxQuotaExceeded) return quotaExceeded({ kind: "quota_exceeded", quota: "open_transactions", limit: error.limit });
  if (error instanceof TxAlreadyCommitted) return new ApiError(409, "tx_committed", error.message);
  if (error instanceof TxNotOpen) {
    return new ApiError(409, "tx_not_open", error.message, { details: { tx_id: record?.id, state: error.state, ...(error.reason === undefined ? {} : { reason: error.reason }) } });
  }
  if (error instanceof TxAborted) {
    const status = error.reason === "participant_unavailable" ? 503 : 409;
    const detail = typeof error.detail === "object" && error.detail !== null ? error.detail : {};
    return new ApiError(status, error.reason, error.message, {
      details: { ...detail, tx_id: record?.id, state: "aborted", reason: error.reason },
      ...(status === 503 ? { headers: { "Retry-After": "1" } } : {}),
    });
  }
  return error;
}

/** One sentence per limit: who may do how much, and when they may go on. */
const RATE_LIMITED_SENTENCE: Record<Verdict["name"], (max: number, per: string, retryAfter: number) => string> = {
  admin_failures: (max, per, wait) => `this address may send ${max} wrong admin secrets per ${per} and has sent them all; retry after ${wait} s`,
  token_failures: (max, per, wait) => `this address may send ${max} unknown tokens per ${per} and has sent them all; retry after ${wait} s`,
  writes: (max, per, wait) => `this member may make ${max} writes per ${per} and has made them all; reads still work, and writes again after ${wait} s`,
};

/** 429: a caller over one of the rate limits (worker/limits/request-limits.ts), told when to come back. */
export function rateLimited(verdict: Verdict, headers: Record<string, string>): ApiError {
  const retryAfter = Number(headers["Retry-After"] ?? 1);
  return new ApiError(429, "rate_limited", RATE_LIMITED_SENTENCE[verdict.name](verdict.limit, `${verdict.windowMs / 1000} s`, retryAfter), {
    details: { limit: verdict.name, max: verdict.limit, window_seconds: verdict.windowMs / 1000, retry_after_seconds: retryAfter },
    headers,
  });
}
