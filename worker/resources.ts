import type { Context } from "hono";
import { CalendarParticipant } from "./calendar/participant.ts";
import { CALENDAR_HOLDING_TEAMS } from "./calendar/keys.ts";
import { configOf, type AppEnv, type Env } from "./env.ts";
import { GOAL_HOLDING_TEAMS } from "./goals/keys.ts";
import { GoalsParticipant } from "./goals/participant.ts";
import { ChangeSink, type WaitUntil } from "./live/changes.ts";
import { waitUntilOf } from "./live/context.ts";
import { mainStore, participantStore, type Participant } from "./storage/stores.ts";
import { TxCoordinator } from "./tx/coordinator.ts";
import { holdingTeams } from "./tx/lease-book.ts";
import { systemClock, type Clock, type TxParticipant } from "./tx/participant.ts";
import { Blockers, resolveIfResolvable, sweepExpiredTransactions, type SweepSource } from "./tx/recovery.ts";

/**
 * The resources a transaction spans, each its own module behind TxParticipant, wired to the
 * coordinator (which knows only the protocol). The one place that lists them.
 */
export function participantsFor(env: Env, team: string, changes: ChangeSink): TxParticipant[] {
  const { quotas } = configOf(env);
  return [
    new CalendarParticipant(participantStore(env, "calendar"), team, changes, quotas.events),
    new GoalsParticipant(participantStore(env, "goals"), team, changes, quotas.goals),
  ];
}

const HOLDING_TEAMS: Record<Participant, string> = { calendar: CALENDAR_HOLDING_TEAMS, goals: GOAL_HOLDING_TEAMS };

export function coordinatorFor(env: Env, team: string, waitUntil?: WaitUntil, clock: Clock = systemClock): TxCoordinator {
  const config = configOf(env);
  const changes = new ChangeSink(env, team, waitUntil);
  return new TxCoordinator(mainStore(env), participantsFor(env, team, changes), team, changes, {
    idleMs: config.txIdleTimeoutMs,
    pauseAfterDecisionMs: config.pauseAfterDecisionMs,
    clock,
    openQuota: config.quotas.open_transactions,
  });
}

/** The coordinator of the calling member's team. */
export function coordinatorOf(c: Context<AppEnv>): TxCoordinator {
  return coordinatorFor(c.env, c.get("member").team, waitUntilOf(c));
}

/** The transactions in the way of one plain write on `participant` (see Blockers). */
export function blockersOf(c: Context<AppEnv>, participant: Participant): Blockers {
  return new Blockers(() => coordinatorOf(c), participant);
}

/** Read repair: finishes the transaction that locks what a read found, when that is safe. */
export function repairedRead(c: Context<AppEnv>, participant: Participant, tx: string | null): Promise<boolean> {
  return tx === null ? Promise.resolve(false) : resolveIfResolvable(coordinatorOf(c), participant, tx);
}

/** The scheduled sweep over every participant's store (see sweepExpiredTransactions). */
export function sweep(env: Env, waitUntil?: WaitUntil, clock: Clock = systemClock): Promise<number> {
  const sources: SweepSource[] = (Object.keys(HOLDING_TEAMS) as Participant[]).map((participant) => ({
    participant,
    holdingTeams: () => holdingTeams(participantStore(env, participant), HOLDING_TEAMS[participant]),
  }));
  return sweepExpiredTransactions(sources, (team) => coordinatorFor(env, team, waitUntil, clock), clock);
}
