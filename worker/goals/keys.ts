/**
 * Goal keys, under the team's hash tag:
 *   goal:<id>   the goal, as JSON
 *   goals       sorted set: goal id -> created_at (ms), for listing in creation order
 */
export const goalKeys = (team: string) => {
  const base = `gs:{${team}}`;
  return { goal: (id: string) => `${base}:goal:${id}`, index: `${base}:goals` };
};

/** Redis channel the original named; every change is published there (payload names the team). */
export const GOALS_CHANNEL = "goal_updates";
