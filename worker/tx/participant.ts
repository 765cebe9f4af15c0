import type { BeyondHorizon, QuotaExceeded } from "../records/outcomes.ts";
import type { TxOpInput } from "../../shared/tx.ts";
import type { Participant } from "../storage/stores.ts";

/** What the coordinator reads the time from: injected, so leases can be tested without sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Something a prepare met on its slot: another record, or a hold of transaction `tx`. */
export type Blocking = { id: string; tx?: string } & Record<string, unknown>;

/** What one try at taking an op's hold answered (the participant's prepare script). */
export type PrepareOutcome =
  | { kind: "ok" }
  | { kind: "locked"; tx: string }
  | { kind: "exists" }
  | { kind: "missing" }
  | { kind: "stale" }
  | { kind: "conflict"; conflicts: Blocking[] }
  | QuotaExceeded
  | BeyondHorizon;

/** One op, validated: its resource id, and a try at holding it (read, build, hold), repeatable. */
export interface PreparedOp {
  id: string;
  attempt(): Promise<PrepareOutcome>;
}

/** What a participant is told about an op to prepare. */
export interface OpRequest {
  tx: string;
  /** The op's position in the transaction. */
  n: number;
  input: TxOpInput;
  member: string;
  leaseEnd: number;
  now: number;
  /** How many creates on this participant the transaction already prepared (they count against the quota too). */
  earlierCreates: number;
}

/** A transaction that holds something on a participant, and until when. */
export interface Lease {
  tx: string;
  leaseEnd: number;
}

/**
 * One resource as a two-phase-commit participant, for one team on its own store. It knows its
 * records, holds and leases; the coordinator knows only this interface and the decisions. Every
 * method but `prepare` is safe to repeat.
 */
export interface TxParticipant {
  readonly name: Participant;
  /** What its records are called in messages ("event", "goal"). */
  readonly noun: string;
  /** Whether an op of this type is this participant's. */
  handles(type: TxOpInput["type"]): boolean;
  /** Validates the op (a 400 naming the field if it is wrong) and returns how to hold it. */
  prepare(op: OpRequest): PreparedOp;
  /** Yes only if all `expected` holds are still there; extends the lease to cover applying. */
  vote(tx: string, expected: number, leaseEnd: number): Promise<boolean>;
  extendLease(tx: string, leaseEnd: number): Promise<void>;
  /** Carries out a committed transaction's holds here; `by` is the member, or "recovery". */
  apply(tx: string, by: string, now: number): Promise<void>;
  /** Drops an aborted transaction's holds here. */
  release(tx: string): Promise<void>;
  /** The lease end of a transaction here, or null when it holds nothing here. */
  leaseEnd(tx: string): Promise<number | null>;
  /** Transactions holding anything here, with their lease ends (at most 1000). */
  leases(): Promise<Lease[]>;
  /** Drops the team from this store's holding-teams index if it holds nothing here (see LeaseBook). */
  forgetIfIdle(readAt: number): Promise<boolean>;
}

/**
 * A prepare script's reply: {'ok'} | {'locked', tx} | {'exists'} | {'missing'} | {'stale'}
 * | {'quota_exceeded', quota, limit} (a create, see QUOTA_LUA). A
 * {'conflict', ...} reply names entries only the participant that booked them can read: it
 * handles that reply itself.
 */
export function prepareOutcome(reply: string[]): Exclude<PrepareOutcome, { kind: "conflict" }> {
  switch (reply[0]) {
    case "ok":
      return { kind: "ok" };
    case "locked":
      return { kind: "locked", tx: reply[1]! };
    case "exists":
      return { kind: "exists" };
    case "missing":
      return { kind: "missing" };
    case "stale":
      return { kind: "stale" };
    case "quota_exceeded":
      return { kind: "quota_exceeded", quota: reply[1] as QuotaExceeded["quota"], limit: Number(reply[2]) };
    case "beyond_horizon":
      return { kind: "beyond_horizon", horizon: Number(reply[1]) };
  }
  throw new Error(`prepare answered ${JSON.stringify(reply)}`);
}
