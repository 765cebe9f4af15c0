import { afterAll, beforeAll } from "vitest";
import type { RunningWorker } from "../../dev/wrangler-dev.ts";
import { AgentCluster } from "./agents.ts";
import { jsonApi } from "./http.ts";
import { stopAll } from "./processes.ts";
import { startWorkerStack, type WorkerStack } from "./stack.ts";
import { createTeamToken } from "./teams.ts";

/** A test file's stack and agents, set up before its tests; `worker` may be replaced (a restart). */
export interface LinkedAgents {
  stack: WorkerStack;
  worker: RunningWorker;
  token: string;
  /** Agents under the team's own key (the worker's), so the worker takes their reports. */
  cluster: AgentCluster;
  /** The REST API as the team's first member. */
  readonly api: ReturnType<typeof jsonApi>;
  /** What an agent needs to link to the worker as that member. */
  linkEnv(): { GROUPSYNC_URL: string; GROUPSYNC_TOKEN: string };
}

/**
 * Registers beforeAll/afterAll hooks that start a worker stack (wrangler dev, gateway, redis-server),
 * create `team` with `members` and a token for the first, and stop every agent and process after.
 */
export function useLinkedAgents(team: string, members: string[] = ["ana"]): LinkedAgents {
  const adminSecret = `${team}-admin-secret-0123456789`;
  const linked = {
    api: jsonApi(() => linked.worker.url, () => linked.token),
    linkEnv: () => ({ GROUPSYNC_URL: linked.worker.url, GROUPSYNC_TOKEN: linked.token }),
  } as LinkedAgents;
  beforeAll(async () => {
    linked.stack = await startWorkerStack({ vars: { ADMIN_SECRET: adminSecret } });
    linked.worker = linked.stack.worker;
    linked.token = await createTeamToken(linked.worker.url, adminSecret, team, members);
    linked.cluster = new AgentCluster((await linked.api("GET", "/team/agent-key")).json.team_key);
  });
  afterAll(async () => {
    await linked.cluster?.stopAll();
    await stopAll();
  });
  return linked;
}
