import type { Context } from "hono";
import { configOf, type AppEnv, type Env } from "../env.ts";
import { ApiError } from "../http-errors.ts";
import { mainStore, participantStore, type Participant } from "../storage/stores.ts";
import { ChangeSink, type WaitUntil } from "../live/changes.ts";
import { waitUntilOf } from "../live/context.ts";
import { TxCoordinator } from "./coordinator.ts";
import { holdingTeams, TxParticipants } from "./participants.ts";

export function coordinatorFor(env: Env, team: string, waitUntil?: WaitUntil): TxCoordinator {
  const config = configOf(env);
  const changes = new ChangeSink(env, team, waitUntil);
  return new TxCoordinator(mainStore(env), { calendar: participantStore(env, "calendar"), goals: participantStore(env, "goals") }, team, changes, config.txIdleTimeoutMs, config.pauseAfterDecisionMs);
}

/**
 * Finishes transaction `tx` now if that is safe (it is decided, or its lease ended); true if it
 * did, so the caller reads or writes again. Reads use it as read repair: a committed transaction
 * not yet applied on this participant is applied before answering.
 */
export async function resolveIfResolvable(c: Context<AppEnv>, participant: Participant, tx: string | null): Promise<boolean> {
  if (tx === null) return false;
  const coordinator = coordinatorFor(c.env, c.get("member").team, waitUntilOf(c));
  if (!(await coordinator.resolvable(participant, tx))) return false;
  await coordinator.resolveById(tx);
  return true;
}

/**
 * The transactions standing in the way of one plain write (a lock on its resource, or holds on its
 * slot), each resolved at most once per request. `cleared` answers true when it resolved one just
 * now (decided, or past its lease): the write is worth trying again. False means nothing more can
 * be cleared (the transaction is alive, or resolving it did not free the resource) and the write
 * must be refused; so a retry loop always ends, and never with a success that was not written.
 */
export class Blockers {
  readonly #c: Context<AppEnv>;
  readonly #participant: Participant;
  readonly #resolved = new Set<string>();

  constructor(c: Context<AppEnv>, participant: Participant) {
    this.#c = c;
    this.#participant = participant;
  }

  async cleared(txs: Iterable<string>): Promise<boolean> {
    let cleared = false;
    for (const tx of new Set(txs)) {
      if (this.#resolved.has(tx)) continue;
      if (await resolveIfResolvable(this.#c, this.#participant, tx)) {
        this.#resolved.add(tx);
        cleared = true;
      }
    }
    return cleared;
  }
}

/** A plain write refused because `resource` is part of a live transaction. */
export function lockConflict(resource: string): ApiError {
  return new ApiError(409, "lock_conflict", `${resource} is part of a transaction in progress; retry when it is committed or aborted`, {
    details: { resource },
    headers: { "Retry-After": "1" },
  });
}

/**
 * The scheduled sweep: every transaction that holds anything on either participant and is either
 * decided (its decision was recorded but not applied everywhere, e.g. a participant was down) or
 * past its lease (presumed abort) is resolved, so no hold outlives its lease by more than one
 * sweep interval. Teams are found by each store's holding-teams index (never by SCAN, whose cost
 * grows with all data), and a team that holds nothing any more is dropped from it.
 */
export async function sweepExpiredTransactions(env: Env, waitUntil?: WaitUntil): Promise<number> {
  let resolved = 0;
  for (const participant of ["calendar", "goals"] as const) {
    // Taken before the read: a team announced with a later lease end may be preparing right now.
    const readAt = Date.now();
    for (const team of await holdingTeams(participantStore(env, participant), participant)) {
      const coordinator = coordinatorFor(env, team, waitUntil);
      const participants = new TxParticipants({ calendar: participantStore(env, "calendar"), goals: participantStore(env, "goals") }, team, new ChangeSink(env, team, waitUntil));
      let live = 0;
      for (const { tx } of await participants.leases(participant)) {
        if (!(await coordinator.resolvable(participant, tx))) {
          live++;
          continue;
        }
        await coordinator.resolveById(tx);
        resolved++;
      }
      if (live === 0) await participants.forgetIfIdle(participant, readAt);
    }
  }
  return resolved;
}
