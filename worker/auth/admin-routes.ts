import { Hono } from "hono";
import { CommonErrorCodes } from "../../shared/errors.ts";
import { MemberCreate, TeamCreate, TeamId } from "../../shared/teams.ts";
import { configOf, type AppEnv } from "../env.ts";
import { ApiError } from "../http-errors.ts";
import { readBody, readId } from "../request.ts";
import { mainStore } from "../storage/stores.ts";
import { answerRecord, idempotencyOf, keyReused, replay } from "../idempotency/idempotency.ts";
import { addMember, createTeam, Replay, type AdminIdempotency } from "./team-store.ts";
import { bearerToken, secretsEqual } from "./tokens.ts";

/** /admin (mounted there): team administration, guarded by ADMIN_SECRET. Tokens appear in these answers and nowhere else. */
export const adminRoutes = new Hono<AppEnv>();

adminRoutes.use("/*", async (c, next) => {
  const secret = configOf(c.env).adminSecret;
  if (!secret) throw new ApiError(503, CommonErrorCodes.misconfigured, "ADMIN_SECRET is not set, so administration is disabled");
  const presented = bearerToken(c.req.header("authorization")) ?? "";
  if (!(await secretsEqual(presented, secret))) {
    throw new ApiError(401, CommonErrorCodes.unauthorized, "send Authorization: Bearer <ADMIN_SECRET>", { headers: { "WWW-Authenticate": 'Bearer realm="groupsync-admin"' } });
  }
  await next();
});

/**
 * With an Idempotency-Key the answer, tokens included, is stored with the change (sealed under the
 * admin secret and the key), so a retry after a lost answer gets the same tokens, not team_exists.
 */
adminRoutes.post("/teams", async (c) => {
  const { team, members } = await readBody(c, TeamCreate);
  const key = await idempotencyOf(c, "admin");
  const idem = guard(key, configOf(c.env).adminSecret!, team);
  const tokens = await createTeam(mainStore(c.env), team, members, idem);
  if (tokens === "key_reused") throw keyReused();
  if (tokens instanceof Replay) return replay(tokens.record, key!, configOf(c.env).adminSecret);
  if (tokens === "team_exists") throw new ApiError(409, "team_exists", `team ${team} already exists`);
  return c.json({ team, tokens }, 201);
});

adminRoutes.post("/teams/:team/members", async (c) => {
  const team = readId(c, TeamId, "team");
  const { member } = await readBody(c, MemberCreate);
  const key = await idempotencyOf(c, "admin");
  const token = await addMember(mainStore(c.env), team, member, guard(key, configOf(c.env).adminSecret!, team));
  if (token === "key_reused") throw keyReused();
  if (token instanceof Replay) return replay(token.record, key!, configOf(c.env).adminSecret);
  if (token === "no_team") throw new ApiError(404, CommonErrorCodes.notFound, `team ${team} does not exist`);
  if (token === "member_exists") throw new ApiError(409, "member_exists", `${member} is already a member of ${team}`);
  return c.json({ team, tokens: { [member]: token } }, 201);
});

function guard(key: Awaited<ReturnType<typeof idempotencyOf>>, secret: string, team: string): AdminIdempotency | undefined {
  return key === undefined ? undefined : { key, answer: (tokens) => answerRecord(key, 201, { team, tokens }, {}, secret) };
}
