import type { Pipeline, Redis } from "@upstash/redis/cloudflare";
import { CALENDAR_CHANNEL, CALENDAR_HOLDING_TEAMS, calendarKeys } from "../calendar/keys.ts";
import { applyEventHoldsScript, prepareEventScript, releaseEventHoldsScript } from "../calendar/scripts.ts";
import { parseConflicts, type Conflict } from "../calendar/store.ts";
import { GOAL_HOLDING_TEAMS, GOALS_CHANNEL, goalKeys } from "../goals/keys.ts";
import { applyGoalLocksScript, prepareGoalScript, releaseGoalLocksScript } from "../goals/scripts.ts";
import type { ChangeSink } from "../live/changes.ts";
import type { Participant } from "../storage/stores.ts";
import { extendLeaseScript, forgetHoldingTeamScript, voteScript } from "./lease-scripts.ts";

export type PrepareOutcome =
  | { kind: "ok" }
  | { kind: "locked"; tx: string }
  | { kind: "exists" }
  | { kind: "missing" }
  | { kind: "stale" }
  | { kind: "conflict"; conflicts: Conflict[] };

/** What a participant holds for one prepared op: enough to apply it later without re-validating. */
export interface CalendarHold {
  kind: "create" | "update" | "delete";
  eventId: string;
  calendar: string;
  startMs: number;
  endMs: number;
  startsAt: string;
  endsAt: string;
  /** The event as it will be stored (create, update). */
  event?: string;
  /** The event as it is stored now (update, delete). */
  previous?: string;
  expectedVersion?: number;
}

export interface GoalLock {
  kind: "create" | "update" | "delete";
  goalId: string;
  goal?: string;
  createdMs: number;
  expectedVersion?: number;
}

/** Each participant store's index of the teams that may hold leases on it (see the keys files). */
const HOLDING_TEAMS: Record<Participant, string> = { calendar: CALENDAR_HOLDING_TEAMS, goals: GOAL_HOLDING_TEAMS };

/** Teams that may hold leases on this participant's store, for the scheduled sweep. */
export async function holdingTeams(store: Redis, participant: Participant): Promise<string[]> {
  return (await store.zrange(HOLDING_TEAMS[participant], 0, -1)) as string[];
}

/**
 * The two participants of a transaction, each on its own store. They know holds, locks and leases;
 * the coordinator knows decisions. Every method is safe to repeat.
 */
export class TxParticipants {
  readonly #stores: Record<Participant, Redis>;
  readonly #team: string;
  readonly #changes: ChangeSink;

  constructor(stores: Record<Participant, Redis>, team: string, changes: ChangeSink) {
    this.#stores = stores;
    this.#team = team;
    this.#changes = changes;
  }

  async prepareEvent(tx: string, n: number, hold: CalendarHold, leaseEnd: number): Promise<PrepareOutcome> {
    const k = calendarKeys(this.#team);
    // Unique even if two ops of one transaction are prepared at once: a hold is never overwritten.
    const slot = `${n}.${crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)}`;
    const member = `hold:${tx}:${slot}`;
    const record = {
      id: member,
      member,
      tx,
      n,
      kind: hold.kind,
      event_id: hold.eventId,
      title: "(held by a transaction in progress)",
      calendar: hold.calendar,
      starts_at: hold.startsAt,
      ends_at: hold.endsAt,
      start_ms: hold.startMs,
      end_ms: hold.endMs,
      event: hold.event,
      previous: hold.previous,
    };
    const reply = (await prepareEventScript.runAfter(
      this.#stores.calendar,
      this.#announce("calendar", leaseEnd),
      [k.event(hold.eventId), k.starts(hold.calendar), k.ends(hold.calendar), k.hold(tx, slot), k.lock(hold.eventId), k.txHolds(tx), k.leases],
      [hold.kind, hold.eventId, member, hold.startMs, hold.endMs, JSON.stringify(record), tx, leaseEnd, 10, hold.expectedVersion ?? ""],
    )) as string[];
    return prepareOutcome(reply);
  }

  async prepareGoal(tx: string, n: number, lock: GoalLock, leaseEnd: number): Promise<PrepareOutcome> {
    const k = goalKeys(this.#team);
    const change = lock.kind === "create" ? "created" : lock.kind === "update" ? "updated" : "deleted";
    const record = { tx, n, kind: lock.kind, change, goal_id: lock.goalId, goal: lock.goal, created_ms: lock.createdMs };
    const reply = (await prepareGoalScript.runAfter(
      this.#stores.goals,
      this.#announce("goals", leaseEnd),
      [k.goal(lock.goalId), k.lock(lock.goalId), k.txLocks(tx), k.leases],
      [lock.kind, JSON.stringify(record), tx, leaseEnd, lock.expectedVersion ?? ""],
    )) as string[];
    return prepareOutcome(reply);
  }

  /** Yes only if all `expected` holds are still there; extends the lease to cover applying. */
  async vote(participant: Participant, tx: string, expected: number, leaseEnd: number): Promise<boolean> {
    const [holds, leases] = this.#holdKeys(participant, tx);
    return (await voteScript.run(this.#stores[participant], [holds, leases], [tx, leaseEnd, expected])) === "yes";
  }

  async extendLease(participant: Participant, tx: string, leaseEnd: number): Promise<void> {
    await extendLeaseScript.run(this.#stores[participant], [this.#holdKeys(participant, tx)[1]], [tx, leaseEnd]);
  }

  async apply(participant: Participant, tx: string, by: string): Promise<void> {
    const now = new Date().toISOString();
    const feed = this.#changes.feedKeys();
    const inline = this.#changes.inlineFlag(participant);
    let reply: unknown[];
    if (participant === "calendar") {
      const k = calendarKeys(this.#team);
      reply = (await applyEventHoldsScript.run(this.#stores.calendar, [k.txHolds(tx), k.leases, k.teamStarts, k.maxLength, ...feed], [tx, k.prefix, CALENDAR_CHANNEL, this.#team, by, now, inline])) as unknown[];
    } else {
      const k = goalKeys(this.#team);
      reply = (await applyGoalLocksScript.run(this.#stores.goals, [k.txLocks(tx), k.leases, k.index, ...feed], [tx, k.prefix, GOALS_CHANNEL, this.#team, by, now, inline])) as unknown[];
    }
    await this.#changes.settle(participant, reply.slice(1));
  }

  async release(participant: Participant, tx: string): Promise<void> {
    if (participant === "calendar") {
      const k = calendarKeys(this.#team);
      await releaseEventHoldsScript.run(this.#stores.calendar, [k.txHolds(tx), k.leases], [tx, k.prefix]);
    } else {
      const k = goalKeys(this.#team);
      await releaseGoalLocksScript.run(this.#stores.goals, [k.txLocks(tx), k.leases], [tx]);
    }
  }

  /** The lease end of a transaction on a participant, or null when it holds nothing there. */
  async leaseEnd(participant: Participant, tx: string): Promise<number | null> {
    const score = await this.#stores[participant].zscore(this.#holdKeys(participant, tx)[1], tx);
    return score === null ? null : Number(score);
  }

  /** Transactions holding anything on this participant, with their lease ends (at most 1000). */
  async leases(participant: Participant): Promise<Array<{ tx: string; leaseEnd: number }>> {
    const flat = (await this.#stores[participant].zrange(this.#holdKeys(participant, "")[1], 0, 999, { withScores: true })) as string[];
    const leases = [];
    for (let i = 0; i < flat.length; i += 2) leases.push({ tx: flat[i]!, leaseEnd: Number(flat[i + 1]) });
    return leases;
  }

  /**
   * Drops the team from the participant's holding-teams index if it holds nothing there now and
   * announced no lease ending after `readAt`, when the sweep read the index. True if dropped.
   * The guard is for a prepare racing the sweep: it announces its lease end (later than `readAt`)
   * before writing its lease. A lease written before the count below keeps the team; one written
   * after was announced either before the drop, whose guard then keeps the team, or after it, which
   * adds the team back.
   */
  async forgetIfIdle(participant: Participant, readAt: number): Promise<boolean> {
    const store = this.#stores[participant];
    if ((await store.zcard(this.#holdKeys(participant, "")[1])) > 0) return false;
    return (await forgetHoldingTeamScript.run(store, [HOLDING_TEAMS[participant]], [this.#team, readAt])) === 1;
  }

  /**
   * Adds the team to the participant's holding-teams index, or raises its score to `leaseEnd` (GT:
   * never lowers it). Sent just before a prepare script, in the same round trip but as a command of
   * its own (the index has no hash tag, so no team's script may touch it): a crash in between leaves an entry without
   * leases, which the sweep drops, never a lease the sweep cannot find. Votes and extensions only
   * move existing leases, and a team with a lease is never dropped, so they need not announce.
   */
  #announce(participant: Participant, leaseEnd: number): (pipeline: Pipeline) => void {
    return (pipeline) => pipeline.zadd(HOLDING_TEAMS[participant], { gt: true }, { score: leaseEnd, member: this.#team });
  }

  #holdKeys(participant: Participant, tx: string): [string, string] {
    if (participant === "calendar") {
      const k = calendarKeys(this.#team);
      return [k.txHolds(tx), k.leases];
    }
    const k = goalKeys(this.#team);
    return [k.txLocks(tx), k.leases];
  }
}

function prepareOutcome(reply: string[]): PrepareOutcome {
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
    case "conflict":
      return { kind: "conflict", conflicts: parseConflicts(reply) };
    default:
      throw new Error(`prepare answered ${JSON.stringify(reply)}`);
  }
}
