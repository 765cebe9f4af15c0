/**
 * Goal keys, under the team's hash tag:
 *   goal:<id>   the goal, as JSON
 *   goals       sorted set: goal id -> created_at (ms), for listing in creation order
 * and for two-phase commit (the goals participant):
 *   goal-lock:<id>   op of a transaction on goal <id>, prepared; blocks every other writer
 *   tx-locks:<tx>    the lock keys of a transaction
 *   goal-leases      sorted set: transaction -> lease end (ms); recovery resolves expired ones
 */
export const goalKeys = (team: string) => {
  const base = `gs:{${team}}`;
  return {
    goal: (id: string) => `${base}:goal:${id}`,
    index: `${base}:goals`,
    lock: (id: string) => `${base}:goal-lock:${id}`,
    txLocks: (tx: string) => `${base}:tx-locks:${tx}`,
    leases: `${base}:goal-leases`,
    prefix: `${base}:`,
  };
};

/** Redis channel the original named; every change is published there (payload names the team). */
export const GOALS_CHANNEL = "goal_updates";
