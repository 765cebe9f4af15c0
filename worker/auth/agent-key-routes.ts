import { Hono } from "hono";
import { AgentKeyBody } from "../../shared/team-key.ts";
import type { AppEnv } from "../env.ts";
import { hubFor } from "../live/hub-stub.ts";
import { ApiError } from "../http-errors.ts";
import { readBody } from "../request.ts";
import { mainStore } from "../storage/stores.ts";
import { requireMember } from "./access.ts";
import { setTeamAgentKey, teamAgentKey } from "./agent-key.ts";

/**
 * The key the team's agents sign with, for members of that team only (the token names the team).
 * GET makes it on first use; PUT gives the worker the key the team's agents already run with
 * (with `If-None-Match: *` only if the team has none yet: what an agent with its own key does at
 * start). Any member may replace it, as any member may read it: the token is what the key is shown to.
 */
export const agentKeyRoutes = new Hono<AppEnv>();
agentKeyRoutes.use("/team/agent-key", requireMember());

const NO_STORE = { "Cache-Control": "no-store" };

agentKeyRoutes.get("/team/agent-key", async (c) => {
  const teamKey = await teamAgentKey(mainStore(c.env), c.get("member").team);
  return c.json({ team_key: teamKey } satisfies AgentKeyBody, 200, NO_STORE);
});

agentKeyRoutes.put("/team/agent-key", async (c) => {
  const { team_key: teamKey } = await readBody(c, AgentKeyBody);
  const { team } = c.get("member");
  const onlyIfNone = c.req.header("if-none-match")?.trim() === "*";
  if (!(await setTeamAgentKey(mainStore(c.env), team, teamKey, { onlyIfNone }))) {
    throw new ApiError(412, "precondition_failed", "If-None-Match: * but the team already has an agent key; GET it, or PUT without If-None-Match to replace it", { headers: NO_STORE });
  }
  // The hub checks agents under the key it read; it reads the new one from now on.
  await hubFor(c.env, team).agentKeyChanged(team);
  return c.json({ team_key: teamKey } satisfies AgentKeyBody, 200, NO_STORE);
});
