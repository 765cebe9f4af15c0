import { Hono } from "hono";
import { CommonErrorCodes } from "../../shared/errors.ts";
import { MemberCreate, TeamCreate, TeamId } from "../../shared/teams.ts";
import type { AppEnv } from "../env.ts";
import { ApiError } from "../http-errors.ts";
import { readBody, readId } from "../request.ts";
import { mainStore } from "../storage/stores.ts";
import { addMember, createTeam } from "./team-store.ts";
import { bearerToken, secretsEqual } from "./tokens.ts";

/** Team administration, guarded by ADMIN_SECRET. Tokens appear in these answers and nowhere else. */
export const adminRoutes = new Hono<AppEnv>();

adminRoutes.use("/admin/*", async (c, next) => {
  const secret = c.env.ADMIN_SECRET;
  if (!secret) throw new ApiError(503, CommonErrorCodes.misconfigured, "ADMIN_SECRET is not set, so administration is disabled");
  const presented = bearerToken(c.req.header("authorization")) ?? "";
  if (!(await secretsEqual(presented, secret))) {
    throw new ApiError(401, CommonErrorCodes.unauthorized, "send Authorization: Bearer <ADMIN_SECRET>", { headers: { "WWW-Authenticate": 'Bearer realm="groupsync-admin"' } });
  }
  await next();
});

adminRoutes.post("/admin/teams", async (c) => {
  const { team, members } = await readBody(c, TeamCreate);
  const tokens = await createTeam(mainStore(c.env), team, members);
  if (tokens === "team_exists") throw new ApiError(409, "team_exists", `team ${team} already exists`);
  return c.json({ team, tokens }, 201);
});

adminRoutes.post("/admin/teams/:team/members", async (c) => {
  const team = readId(c, TeamId, "team");
  const { member } = await readBody(c, MemberCreate);
  const token = await addMember(mainStore(c.env), team, member);
  if (token === "no_team") throw new ApiError(404, CommonErrorCodes.notFound, `team ${team} does not exist`);
  if (token === "member_exists") throw new ApiError(409, "member_exists", `${member} is already a member of ${team}`);
  return c.json({ team, tokens: { [member]: token } }, 201);
});
