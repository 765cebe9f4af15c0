import { Hono } from "hono";
import { z } from "zod";
import { CommonErrorCodes } from "../../shared/errors.ts";
import { MemberCreate, MemberName, TeamCreate, TeamId, TeamListQuery } from "../../shared/teams.ts";
import type { AppEnv, Env } from "../env.ts";
import { ApiError } from "../http-errors.ts";
import { invalid, readBody, readId, readQuery } from "../request.ts";
import { mainStore } from "../storage/stores.ts";
import { answerRecord, idempotencyOf, keyReused, replay, type Idempotency } from "../idempotency/idempotency.ts";
import { adminSecretProblem } from "./access.ts";
import { closeRevokedSockets } from "./revoked-sockets.ts";
import { meRoutes } from "./me-routes.ts";
import { addMember, createTeam, listMembers, listTeams, reissueToken, Replay, revokeMember, type AdminIdempotency } from "./team-store.ts";
import { bearerToken, secretsEqual } from "./tokens.ts";

/**
 * Team administration, guarded by ADMIN_SECRET, and members' self-service (me-routes.ts). Tokens
 * appear in these answers and nowhere else.
 */
export const adminRoutes = new Hono<AppEnv>();

const emptyBody = z.strictObject({});

adminRoutes.use("/admin/*", async (c, next) => {
  const secret = c.env.ADMIN_SECRET;
  if (!secret) throw new ApiError(503, CommonErrorCodes.misconfigured, "ADMIN_SECRET is not set, so administration is disabled");
  const problem = adminSecretProblem(c.env);
  if (problem !== null) throw new ApiError(503, CommonErrorCodes.misconfigured, problem);
  const presented = bearerToken(c.req.header("authorization")) ?? "";
  if (!(await secretsEqual(presented, secret))) {
    throw new ApiError(401, CommonErrorCodes.unauthorized, "send Authorization: Bearer <ADMIN_SECRET>", { headers: { "WWW-Authenticate": 'Bearer realm="groupsync-admin"' } });
  }
  await next();
});

adminRoutes.get("/admin/teams", async (c) => {
  const { cursor, limit } = readQuery(c, TeamListQuery);
  return c.json(await listTeams(mainStore(c.env), cursor, limit));
});

/**
 * With an Idempotency-Key the answer, tokens included, is stored with the change (sealed under the
 * admin secret and the key), so a retry after a lost answer gets the same tokens, not team_exists.
 */
adminRoutes.post("/admin/teams", async (c) => {
  const { team, members } = await readBody(c, TeamCreate);
  refuseOpenTeamName(c.env, team);
  const key = await idempotencyOf(c, "admin");
  const idem = guard(key, c.env.ADMIN_SECRET!, team);
  const tokens = await createTeam(mainStore(c.env), team, members, idem);
  if (tokens === "key_reused") throw keyReused();
  if (tokens instanceof Replay) return replaySealed(tokens.record, key!, c.env.ADMIN_SECRET!);
  if (tokens === "team_exists") throw new ApiError(409, "team_exists", `team ${team} already exists`);
  return c.json({ team, tokens }, 201);
});

adminRoutes.get("/admin/teams/:team/members", async (c) => {
  const team = readId(c, TeamId, "team");
  const members = await listMembers(mainStore(c.env), team);
  if (members === null) throw noTeam(team);
  return c.json({ team, members });
});

adminRoutes.post("/admin/teams/:team/members", async (c) => {
  const team = readId(c, TeamId, "team");
  const { member } = await readBody(c, MemberCreate);
  const key = await idempotencyOf(c, "admin");
  const token = await addMember(mainStore(c.env), team, member, guard(key, c.env.ADMIN_SECRET!, team));
  if (token === "key_reused") throw keyReused();
  if (token instanceof Replay) return replaySealed(token.record, key!, c.env.ADMIN_SECRET!);
  if (token === "no_team") throw noTeam(team);
  if (token === "member_exists") {
    throw new ApiError(409, "member_exists", `${member} is already a member of ${team}; to give them a new token, POST /admin/teams/${team}/members/${member}/token`);
  }
  return c.json({ team, tokens: { [member]: token } }, 201);
});

/** A lost token replaced: the new one is answered once, the old one stops working at once. */
adminRoutes.post("/admin/teams/:team/members/:member/token", async (c) => {
  const team = readId(c, TeamId, "team");
  const member = readId(c, MemberName, "member");
  await readBody(c, emptyBody, { optional: true });
  const key = await idempotencyOf(c, "admin");
  const token = await reissueToken(mainStore(c.env), team, member, guard(key, c.env.ADMIN_SECRET!, team));
  if (token === "key_reused") throw keyReused();
  if (token instanceof Replay) return replaySealed(token.record, key!, c.env.ADMIN_SECRET!);
  if (token === "no_team") throw noTeam(team);
  if (token === "no_member") throw noMember(team, member);
  await closeRevokedSockets(c, team, member, "token replaced");
  return c.json({ team, tokens: { [member]: token } }, 201);
});

adminRoutes.delete("/admin/teams/:team/members/:member", async (c) => {
  const team = readId(c, TeamId, "team");
  const member = readId(c, MemberName, "member");
  const result = await revokeMember(mainStore(c.env), team, member);
  if (result === "no_team") throw noTeam(team);
  if (result === "no_member") throw noMember(team, member);
  await closeRevokedSockets(c, team, member, "token revoked");
  return c.body(null, 204);
});

adminRoutes.route("/", meRoutes);

/** The open team's data is anyone's without a token: no real team may have its name. */
function refuseOpenTeamName(env: Env, team: string): void {
  const reserved = new Set(["local", env.GROUPSYNC_OPEN_TEAM].filter((name): name is string => !!name));
  if (reserved.has(team)) throw invalid([{ field: "team", message: `"${team}" is reserved for the development open team (GROUPSYNC_OPEN_TEAM), whose data needs no token; choose another name` }]);
}

/**
 * The first answer again. It was sealed under the admin secret of the time: after the secret was
 * rotated it cannot be opened, and the key cannot be used again (409) rather than failing (500).
 */
async function replaySealed(record: string, key: Idempotency, secret: string): Promise<Response> {
  try {
    return await replay(record, key, secret);
  } catch {
    throw new ApiError(409, "idempotency_answer_sealed", "this Idempotency-Key's first answer was sealed under an earlier ADMIN_SECRET and cannot be shown again; list the team's members to see what was done, and use a new key");
  }
}

function noTeam(team: string): ApiError {
  return new ApiError(404, CommonErrorCodes.notFound, `team ${team} does not exist`);
}

function noMember(team: string, member: string): ApiError {
  return new ApiError(404, CommonErrorCodes.notFound, `${member} is not a member of ${team}`);
}

function guard(key: Awaited<ReturnType<typeof idempotencyOf>>, secret: string, team: string): AdminIdempotency | undefined {
  return key === undefined ? undefined : { key, answer: (tokens) => answerRecord(key, 201, { team, tokens }, {}, secret) };
}
