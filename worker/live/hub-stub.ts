import type { Env } from "../env.ts";
import type { TeamHub } from "./team-hub.ts";

/** The team's realtime hub (one Durable Object per team name). */
export function hubFor(env: Env, team: string): DurableObjectStub<TeamHub> {
  const namespace = env.TEAM_HUB as DurableObjectNamespace<TeamHub>;
  return namespace.get(namespace.idFromName(team));
}
