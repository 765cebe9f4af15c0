/**
 * Where the agent's team key comes from, in order: the one configured (GROUPSYNC_TEAM_KEY or the
 * config file's team_key), else the worker's (GET /team/agent-key, for members of the team), when
 * the agent has a worker URL and a member token. One place, so every command agrees on the order.
 */
import { AgentKeyBody } from "../shared/team-key.ts";
import { UsageError } from "./config-file.ts";
import { WorkerClient, WorkerError } from "./worker-client.ts";

/** The worker's client for the key routes: short timeouts, the agent is starting. */
function keyClient(worker: WorkerAccess): WorkerClient {
  return new WorkerClient({ url: worker.url, token: worker.token ?? undefined, timeoutMs: 5000 });
}

export interface WorkerAccess {
  readonly url: string;
  readonly token: string | null;
}

/** The worker to ask for the key: only when none is configured and the agent has a worker and a token. */
export function workerKeySource(configuredKey: string | null, worker: WorkerAccess | null): WorkerAccess | null {
  return configuredKey === null && worker !== null && worker.token !== null ? worker : null;
}

/** The team's key from the worker, or a UsageError naming what failed (the worker unreachable, the token refused). */
export async function teamKeyFromWorker(worker: WorkerAccess): Promise<string> {
  let answer: unknown;
  try {
    answer = await keyClient(worker).request("GET", "/team/agent-key");
  } catch (error) {
    if (!(error instanceof WorkerError)) throw error;
    if (error.status === 0) throw new UsageError(`no team key: GROUPSYNC_TEAM_KEY is not set and ${error.message}`);
    if (error.status === 401 || error.status === 403) {
      throw new UsageError(`no team key: GROUPSYNC_TEAM_KEY is not set and the worker at ${worker.url} refused the token (HTTP ${error.status}: ${error.message}); check GROUPSYNC_TOKEN`);
    }
    throw new UsageError(`no team key: GROUPSYNC_TEAM_KEY is not set and the worker at ${worker.url} answered GET /team/agent-key with HTTP ${error.status}: ${error.message}`);
  }
  const parsed = AgentKeyBody.safeParse(answer);
  if (!parsed.success) throw new UsageError(`the worker at ${worker.url} gave a team key that will not do: ${parsed.error.issues[0]?.message ?? "not { team_key }"}`);
  return parsed.data.team_key;
}

/**
 * An agent with its own key offers it to the worker, which keeps it only if the team has none yet
 * (PUT If-None-Match: *). Answers whether the worker now checks agents under this key; null when
 * the worker could not be asked (the link warns about that itself).
 */
export async function offerTeamKey(worker: WorkerAccess, teamKey: string): Promise<boolean | null> {
  const client = keyClient(worker);
  try {
    await client.request("PUT", "/team/agent-key", { team_key: teamKey } satisfies AgentKeyBody, { "if-none-match": "*" });
    return true;
  } catch (error) {
    if (!(error instanceof WorkerError) || error.status !== 412) return null;
  }
  try {
    return AgentKeyBody.parse(await client.request("GET", "/team/agent-key")).team_key === teamKey;
  } catch {
    return null;
  }
}
