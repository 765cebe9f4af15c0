import type { QuotaName } from "../env.ts";
import type { Idempotency } from "../idempotency/idempotency.ts";

/** What a booking collides with: an event, or a hold of a transaction in progress (`tx` set). */
export type SlotConflict = {
  id: string;
  starts_at: string;
  ends_at: string;
  title?: string;
  tx?: string;
  /** The entry is an occurrence of series `series_id` (id), starting at occurrence_start. */
  series_id?: string;
  occurrence_start?: string;
  /** The booking is a series: the start of its occurrence that collides. */
  booking_occurrence?: string;
};

/** A create refused because the team has as many records as its quota allows (deleting one frees a place). */
export type QuotaExceeded = { kind: "quota_exceeded"; quota: QuotaName; limit: number };

/** A booking that ends after the horizon of its calendar's series without an end (worker/calendar/horizon.ts). */
export type BeyondHorizon = { kind: "beyond_horizon"; horizon: number };

/** A write stopped by a transaction: its lock on the record, or holds (and events) on its slot. */
export type Blocked = { kind: "locked"; tx: string } | { kind: "conflict"; conflicts: SlotConflict[] };

/**
 * One outcome type per operation, so a switch over it handles exactly what that operation can
 * answer (ending in `unreachable`), and what it cannot is a type error, not a runtime throw.
 * Resources without slots (goals) never answer "conflict".
 */
export type CreateOutcome = { kind: "ok" } | { kind: "exists" } | Blocked | QuotaExceeded | BeyondHorizon | { kind: "replay"; record: string } | { kind: "key_reused" };
export type UpdateOutcome = { kind: "ok" } | { kind: "missing" } | { kind: "stale"; version: number } | Blocked | QuotaExceeded | BeyondHorizon;
export type DeleteOutcome = { kind: "ok" } | { kind: "missing" } | { kind: "stale"; version: number } | { kind: "locked"; tx: string };

/** An Idempotency-Key's record to check first and the answer to store with a create. */
export interface CreateIdempotency {
  key: Idempotency;
  answer: string;
}

/** A versioned record of a team (an event, a goal). */
export interface StoredRecord {
  id: string;
  version: number;
  /** When it was created: with the version, its ETag (a record created again under its id has another). */
  created_at: string;
  /** When it last changed (Last-Modified). */
  updated_at: string;
}

/** What the shared record routes need from a resource's store. Knows nothing of HTTP. */
export interface RecordStore<R extends StoredRecord> {
  get(id: string): Promise<R | null>;
  /** The record and the transaction that locks it, if any, in one round trip. */
  getWithLock(id: string): Promise<{ record: R | null; lockedBy: string | null }>;
  create(record: R, by: string, idem?: CreateIdempotency): Promise<CreateOutcome>;
  /** Replaces `previous`, compare-and-set on its version. */
  update(record: R, previous: R, by: string): Promise<UpdateOutcome>;
  delete(record: R, by: string): Promise<DeleteOutcome>;
}

type AnyOutcome = CreateOutcome | UpdateOutcome | DeleteOutcome;

/**
 * A write script's reply as the outcome of the operation that ran it: {'ok', feed...} (the feed
 * tail is settled by the caller), {'exists'}, {'missing'}, {'stale', version}, {'locked', tx},
 * {'conflict', ...} (read by `conflicts`), {'idem_replay', record}, {'idem_reused'},
 * {'quota_exceeded', quota, limit} (see QUOTA_LUA). A kind the
 * operation cannot answer means the script broke its contract: an error, not an outcome.
 */
export async function outcomeOf<K extends AnyOutcome["kind"]>(
  reply: string[],
  allowed: readonly K[],
  script: string,
  conflicts?: (ids: string[]) => Promise<SlotConflict[]>,
): Promise<Extract<AnyOutcome, { kind: K }>> {
  const outcome = await parse(reply, conflicts);
  if (outcome === null || !(allowed as readonly string[]).includes(outcome.kind)) throw new Error(`${script} answered ${JSON.stringify(reply)}`);
  return outcome as Extract<AnyOutcome, { kind: K }>;
}

async function parse(reply: string[], conflicts?: (ids: string[]) => Promise<SlotConflict[]>): Promise<AnyOutcome | null> {
  switch (reply[0]) {
    case "ok":
      return { kind: "ok" };
    case "exists":
      return { kind: "exists" };
    case "missing":
      return { kind: "missing" };
    case "stale":
      return { kind: "stale", version: Number(reply[1]) };
    case "locked":
      return { kind: "locked", tx: reply[1]! };
    case "conflict":
      return conflicts === undefined ? null : { kind: "conflict", conflicts: await conflicts(reply.slice(1)) };
    case "idem_replay":
      return { kind: "replay", record: reply[1]! };
    case "idem_reused":
      return { kind: "key_reused" };
    case "quota_exceeded":
      return { kind: "quota_exceeded", quota: reply[1] as QuotaName, limit: Number(reply[2]) };
    case "beyond_horizon":
      return { kind: "beyond_horizon", horizon: Number(reply[1]) };
    default:
      return null;
  }
}
