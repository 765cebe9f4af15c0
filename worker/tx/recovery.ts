import type { Context } from "hono";
import { parseDuration } from "../../shared/instant.ts";
import { isProduction, type AppEnv, type Env } from "../env.ts";
import { ApiError } from "../http-errors.ts";
import { mainStore, participantStore, type Participant } from "../storage/stores.ts";
import { ChangeSink, type WaitUntil } from "../live/changes.ts";
import { waitUntilOf } from "../live/context.ts";
import { TxCoordinator } from "./coordinator.ts";
import { TxParticipants } from "./participants.ts";

export function idleTimeoutMs(env: Env): number {
  return env.TX_IDLE_TIMEOUT ? parseDuration(env.TX_IDLE_TIMEOUT) : 60_000;
}

export function coordinatorFor(env: Env, team: string, waitUntil?: WaitUntil): TxCoordinator {
  const pause = isProduction(env) ? 0 : Number(env.GROUPSYNC_TEST_PAUSE_AFTER_DECISION_MS ?? 0);
  const changes = new ChangeSink(env, team, waitUntil);
  return new TxCoordinator(mainStore(env), { calendar: participantStore(env, "calendar"), goals: participantStore(env, "goals") }, team, changes, idleTimeoutMs(env), pause);
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
 * A plain write met a transaction's hold or lock. If that transaction is decided, or outlived its
 * lease, resolve it now and tell the caller to retry; otherwise the resource is busy with a live
 * transaction: 409 lock_conflict.
 */
export async function resolveIfExpired(c: Context<AppEnv>, participant: Participant, tx: string, resource: string): Promise<void> {
  if (await resolveIfResolvable(c, participant, tx)) return;
  throw new ApiError(409, "lock_conflict", `${resource} is part of a transaction in progress; retry when it is committed or aborted`, {
    details: { resource },
    headers: { "Retry-After": "1" },
  });
}

/**
 * The scheduled sweep: every transaction that holds anything on either participant and is either
 * decided (its decision was recorded but not applied everywhere, e.g. a participant was down) or
 * past its lease (presumed abort) is resolved, so no hold outlives its lease by more than one
 * sweep interval. Teams are found by their lease sets (SCAN), which exist only while a team holds.
 */
export async function sweepExpiredTransactions(env: Env, waitUntil?: WaitUntil): Promise<number> {
  let resolved = 0;
  for (const participant of ["calendar", "goals"] as const) {
    const store = participantStore(env, participant);
    const pattern = participant === "calendar" ? "gs:{*}:leases" : "gs:{*}:goal-leases";
    let cursor = "0";
    do {
      const [next, keys] = (await store.scan(cursor, { match: pattern, count: 500 })) as [string, string[]];
      cursor = String(next);
      for (const key of keys) {
        const team = /^gs:\{([^}]+)\}:/.exec(key)?.[1];
        if (team === undefined) continue;
        const coordinator = coordinatorFor(env, team, waitUntil);
        const participants = new TxParticipants({ calendar: participantStore(env, "calendar"), goals: participantStore(env, "goals") }, team, new ChangeSink(env, team, waitUntil));
        for (const { tx } of await participants.leases(participant)) {
          if (!(await coordinator.resolvable(participant, tx))) continue;
          await coordinator.resolveById(tx);
          resolved++;
        }
      }
    } while (cursor !== "0");
  }
  return resolved;
}
