/**
 * `start --goal ID` asks the worker whether the team has that goal before the session carries the
 * id onto every focus round (the configured worker, else the default URL). With --no-worker, or
 * while the worker cannot answer, nothing can be asked (the P2P session never depends on it): the
 * id is taken as given, in a goal id's form (timer-options.ts checks that), with a warning.
 */
import type { WorkerAccess } from "../team-key-source.ts";
import { WorkerError, workerClientFor } from "../worker-client.ts";

export type GoalCheck = { readonly kind: "exists" } | { readonly kind: "missing"; readonly message: string } | { readonly kind: "unchecked"; readonly message: string };

export async function checkGoal(worker: WorkerAccess | null, goal: string): Promise<GoalCheck> {
  if (worker === null) return { kind: "unchecked", message: `--goal '${goal}' is not checked: --no-worker leaves no worker to ask for the team's goals` };
  try {
    await workerClientFor({ url: worker.url, token: worker.token }).request("GET", `/goals/${encodeURIComponent(goal)}`);
    return { kind: "exists" };
  } catch (error) {
    if (error instanceof WorkerError && error.status === 404) {
      return { kind: "missing", message: `--goal: your team has no goal '${goal}' (GET /goals lists the team's goals, and so does the menu's 5)` };
    }
    return { kind: "unchecked", message: `--goal '${goal}' is not checked: ${(error as Error).message}; starting for it all the same` };
  }
}
