/**
 * Whether a goal a timer is started for exists: POST /pomo/start checks the id before the timer
 * carries it onto every round (the goals themselves are worker/goals', only read here).
 */
import type { Env } from "../env.ts";
import { goalKeys } from "../goals/keys.ts";
import { invalid } from "../request.ts";
import { participantStore } from "../storage/stores.ts";

export async function goalExists(env: Env, team: string, id: string): Promise<boolean> {
  return (await participantStore(env, "goals").exists(goalKeys(team).goal(id))) === 1;
}

/** Throws a 400 naming `goal` unless the team has that goal. */
export async function requireGoal(env: Env, team: string, id: string): Promise<void> {
  if (!(await goalExists(env, team, id))) throw invalid([{ field: "goal", message: `the team has no goal '${id}' (GET /goals lists them)` }]);
}
