/** The goals store's index of teams that may hold leases (see below). */
export const GOAL_HOLDING_TEAMS = "gs:tx:goal-holding-teams";

/**
 * Goal keys, under the team's hash tag:
 *   goal:<id>   the goal, as JSON
 *   goals       sorted set: goal id -> created_at (ms), for listing in creation order
 *   goal-check-ins:<id>   list of the goal's check-ins as JSON, oldest first (deleted with the goal)
 * and for two-phase commit (the goals participant):
 *   goal-lock:<id>   op of a transaction on goal <id>, prepared; blocks every other writer
 *   tx-locks:<tx>    the lock keys of a transaction
 *   goal-leases      sorted set: transaction -> lease end (ms); recovery resolves expired ones
 * and one key per goals store, outside every team's hash tag (no team's script may touch it):
 *   gs:tx:goal-holding-teams   sorted set: team -> latest lease end (ms) announced on this store;
 *                              added before a lease is written, dropped by the scheduled sweep once
 *                              the team's goal-leases are gone: the sweep's list of teams to look at
 */
export const goalKeys = (team: string) => {
  const base = `gs:{${team}}`;
  return {
    goal: (id: string) => `${base}:goal:${id}`,
    index: `${base}:goals`,
    checkIns: (id: string) => `${base}:goal-check-ins:${id}`,
    lock: (id: string) => `${base}:goal-lock:${id}`,
    /** The goal id of a lock key (the inverse of `lock`). */
    lockedGoal: (lockKey: string) => lockKey.slice(`${base}:goal-lock:`.length),
    txHolds: (tx: string) => `${base}:tx-locks:${tx}`,
    leases: `${base}:goal-leases`,
    holdingTeams: GOAL_HOLDING_TEAMS,
  };
};

/** Redis channel the original named; every change is published there (payload names the team). */
export const GOALS_CHANNEL = "goal_updates";
