import { Hono } from "hono";
import { AgentKeyBody } from "../../shared/team-key.ts";
import { documented, type ApiOperation } from "../api-doc.ts";
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

const GET_AGENT_KEY: ApiOperation = {
  operationId: "getTeamAgentKey",
  summary: "The key your team's agents sign with",
  description: "HMAC-SHA256 over each /ws message (shared/agent-proof.ts); made on first use (32 random bytes, base64url). Only members of the team see it; Cache-Control: no-store.",
  tag: "timer",
  auth: "member",
  store: "write",
  responses: { 200: { description: "The team's agent key", json: AgentKeyBody, headers: ["Cache-Control"] } },
};

const PUT_AGENT_KEY: ApiOperation = {
  operationId: "setTeamAgentKey",
  summary: "Give the worker the key your agents already run with",
  description:
    "Their GROUPSYNC_TEAM_KEY: at least 16 characters, not a pattern. Any member may replace it; agents signing with the old key are refused by the hub from then on. With `If-None-Match: *` only if the team has none yet (else 412).",
  tag: "timer",
  auth: "member",
  body: { schema: AgentKeyBody, required: true, example: { team_key: "q3Jx7vN2bL9sK4wE1tY8mZ6c" } },
  requestHeaders: { "If-None-Match": "`*`: store the key only if the team has none yet (else 412)" },
  countsAsWrite: true,
  store: "write",
  responses: {
    200: { description: "Stored", json: AgentKeyBody, headers: ["Cache-Control"] },
    412: { description: "If-None-Match: * and the team already has a key", codes: ["precondition_failed"], headers: ["Cache-Control"] },
  },
};

agentKeyRoutes.get("/team/agent-key", documented(GET_AGENT_KEY, async (c) => {
  const teamKey = await teamAgentKey(mainStore(c.env), c.get("member").team);
  return c.json({ team_key: teamKey } satisfies AgentKeyBody, 200, NO_STORE);
}));

agentKeyRoutes.put("/team/agent-key", documented(PUT_AGENT_KEY, async (c) => {
  const { team_key: teamKey } = await readBody(c, AgentKeyBody);
  const { team } = c.get("member");
  const onlyIfNone = c.req.header("if-none-match")?.trim() === "*";
  if (!(await setTeamAgentKey(mainStore(c.env), team, teamKey, { onlyIfNone }))) {
    throw new ApiError(412, "precondition_failed", "If-None-Match: * but the team already has an agent key; GET it, or PUT without If-None-Match to replace it", { headers: NO_STORE });
  }
  // The hub checks agents under the key it read; it reads the new one from now on.
  await hubFor(c.env, team).agentKeyChanged(team);
  return c.json({ team_key: teamKey } satisfies AgentKeyBody, 200, NO_STORE);
}));
