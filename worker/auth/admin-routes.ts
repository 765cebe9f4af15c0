import { Hono } from "hono";
import { CommonErrorCodes } from "../../shared/errors.ts";
import { MemberCreate, TeamCreate, TeamId } from "../../shared/teams.ts";
import { configOf, type AppEnv } from "../env.ts";
import { ApiError } from "../http-errors.ts";
import { readBody, readId } from "../request.ts";
import { mainStore } from "../storage/stores.ts";
import { answerRecord, idempotencyOf, replay } from "../idempotency/idempotency.ts";
import { addMember, createTeam, type AdminIdempotency } from "./team-store.ts";
import { adminRefusal } from "../http-outcomes.ts";
import { unreachable } from "../unreachable.ts";
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
  const outcome = await createTeam(mainStore(c.env), team, members, idem);
  switch (outcome.kind) {
    case "ok":
      return c.json({ team, tokens: outcome.tokens }, 201);
    case "replay":
      return replay(outcome.record, key!, configOf(c.env).adminSecret);
    case "key_reused":
    case "team_exists":
      throw adminRefusal(outcome, team);
    default:
      return unreachable(outcome, "create_team outcome");
  }
});

adminRoutes.post("/teams/:team/members", async (c) => {
  const team = readId(c, TeamId, "team");
  const { member } = await readBody(c, MemberCreate);
  const key = await idempotencyOf(c, "admin");
  const outcome = await addMember(mainStore(c.env), team, member, guard(key, configOf(c.env).adminSecret!, team));
  switch (outcome.kind) {
    case "ok":
      return c.json({ team, tokens: { [member]: outcome.token } }, 201);
    case "replay":
      return replay(outcome.record, key!, configOf(c.env).adminSecret);
    case "key_reused":
    case "no_team":
    case "member_exists":
      throw adminRefusal(outcome, team, member);
    default:
      return unreachable(outcome, "add_member outcome");
  }
});

function guard(key: Awaited<ReturnType<typeof idempotencyOf>>, secret: string, team: string): AdminIdempotency | undefined {
  return key === undefined ? undefined : { key, answer: (tokens) => answerRecord(key, 201, { team, tokens }, {}, secret) };
}
