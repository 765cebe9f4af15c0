import { Hono } from "hono";
import { z } from "zod";
import { CommonErrorCodes } from "../../shared/errors.ts";
import { MemberCreate, MemberName, TeamCreate, TeamId, TeamListQuery } from "../../shared/teams.ts";
import { configOf, type AppEnv, type Config } from "../env.ts";
import { ApiError } from "../http-errors.ts";
import { adminRefusal } from "../http-outcomes.ts";
import { answerRecord, idempotencyOf, replay, type Idempotency } from "../idempotency/idempotency.ts";
import { checkAdminSecret } from "../limits/request-limits.ts";
import { invalid, readBody, readId, readQuery } from "../request.ts";
import { mainStore } from "../storage/stores.ts";
import { unreachable } from "../unreachable.ts";
import { adminSecretProblem } from "./access.ts";
import { closeRevokedSockets } from "./revoked-sockets.ts";
import { deleteTeam } from "./team-deletion.ts";
import { addMember, createTeam, listMembers, listTeams, reissueToken, revokeMember, type AdminIdempotency } from "./team-store.ts";
import { bearerToken, secretsEqual } from "./tokens.ts";

/**
 * /admin (mounted there): team administration, guarded by ADMIN_SECRET. Tokens appear in these
 * answers and nowhere else (and in POST /me/token's, me-routes.ts).
 */
export const adminRoutes = new Hono<AppEnv>();

const emptyBody = z.strictObject({});

adminRoutes.use("/*", async (c, next) => {
  const config = configOf(c.env);
  const secret = config.adminSecret;
  if (!secret) throw new ApiError(503, CommonErrorCodes.misconfigured, "ADMIN_SECRET is not set, so administration is disabled");
  const problem = adminSecretProblem(config);
  if (problem !== null) throw new ApiError(503, CommonErrorCodes.misconfigured, problem);
  const presented = bearerToken(c.req.header("authorization")) ?? "";
  // Wrong guesses are counted per client address (429 past the limit); see worker/limits/.
  await checkAdminSecret(
    c,
    () => secretsEqual(presented, secret),
    (headers) => new ApiError(401, CommonErrorCodes.unauthorized, "send Authorization: Bearer <ADMIN_SECRET>", { headers: { "WWW-Authenticate": 'Bearer realm="groupsync-admin"', ...headers } }),
  );
  await next();
});

adminRoutes.get("/teams", async (c) => {
  const { cursor, limit } = readQuery(c, TeamListQuery);
  return c.json(await listTeams(mainStore(c.env), cursor, limit));
});

/**
 * With an Idempotency-Key the answer, tokens included, is stored with the change (sealed under the
 * admin secret and the key), so a retry after a lost answer gets the same tokens, not team_exists.
 */
adminRoutes.post("/teams", async (c) => {
  const { team, members } = await readBody(c, TeamCreate);
  const config = configOf(c.env);
  refuseOpenTeamName(config, team);
  const key = await idempotencyOf(c, "admin");
  const outcome = await createTeam(mainStore(c.env), team, members, guard(key, config.adminSecret!, team));
  switch (outcome.kind) {
    case "ok":
      return c.json({ team, tokens: outcome.tokens }, 201);
    case "replay":
      return replaySealed(outcome.record, key!, config.adminSecret!);
    case "key_reused":
    case "team_exists":
      throw adminRefusal(outcome, team);
    default:
      return unreachable(outcome, "create_team outcome");
  }
});

/** The whole team: tokens revoked (sockets closed), data deleted, name free again (team-deletion.ts). */
adminRoutes.delete("/teams/:team", async (c) => {
  const team = readId(c, TeamId, "team");
  const outcome = await deleteTeam(c, team);
  switch (outcome.kind) {
    case "ok":
      console.log(JSON.stringify({ event: "team_deleted", team, deleted_keys: outcome.deletedKeys }));
      return c.body(null, 204);
    case "no_team":
      throw adminRefusal(outcome, team);
    default:
      return unreachable(outcome, "delete_team outcome");
  }
});

adminRoutes.get("/teams/:team/members", async (c) => {
  const team = readId(c, TeamId, "team");
  const members = await listMembers(mainStore(c.env), team);
  if (members === null) throw adminRefusal({ kind: "no_team" }, team);
  return c.json({ team, members });
});

adminRoutes.post("/teams/:team/members", async (c) => {
  const team = readId(c, TeamId, "team");
  const { member } = await readBody(c, MemberCreate);
  const secret = configOf(c.env).adminSecret!;
  const key = await idempotencyOf(c, "admin");
  const outcome = await addMember(mainStore(c.env), team, member, guard(key, secret, team));
  switch (outcome.kind) {
    case "ok":
      return c.json({ team, tokens: { [member]: outcome.token } }, 201);
    case "replay":
      return replaySealed(outcome.record, key!, secret);
    case "key_reused":
    case "no_team":
    case "member_exists":
      throw adminRefusal(outcome, team, member);
    default:
      return unreachable(outcome, "add_member outcome");
  }
});

/** A lost token replaced: the new one is answered once, the old one stops working at once. */
adminRoutes.post("/teams/:team/members/:member/token", async (c) => {
  const team = readId(c, TeamId, "team");
  const member = readId(c, MemberName, "member");
  await readBody(c, emptyBody, { optional: true });
  const secret = configOf(c.env).adminSecret!;
  const key = await idempotencyOf(c, "admin");
  const outcome = await reissueToken(mainStore(c.env), team, member, guard(key, secret, team));
  switch (outcome.kind) {
    case "ok":
      await closeRevokedSockets(c, team, member, "token replaced");
      return c.json({ team, tokens: { [member]: outcome.token } }, 201);
    case "replay":
      return replaySealed(outcome.record, key!, secret);
    case "key_reused":
    case "no_team":
    case "no_member":
      throw adminRefusal(outcome, team, member);
    default:
      return unreachable(outcome, "reissue_token outcome");
  }
});

adminRoutes.delete("/teams/:team/members/:member", async (c) => {
  const team = readId(c, TeamId, "team");
  const member = readId(c, MemberName, "member");
  const outcome = await revokeMember(mainStore(c.env), team, member);
  switch (outcome.kind) {
    case "ok":
      await closeRevokedSockets(c, team, member, "token revoked");
      return c.body(null, 204);
    case "no_team":
    case "no_member":
      throw adminRefusal(outcome, team, member);
    default:
      return unreachable(outcome, "revoke_member outcome");
  }
});

/** The open team's data is anyone's without a token: no real team may have its name. */
function refuseOpenTeamName(config: Config, team: string): void {
  const reserved = new Set(["local", config.openTeam].filter((name): name is string => !!name));
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

function guard(key: Idempotency | undefined, secret: string, team: string): AdminIdempotency | undefined {
  return key === undefined ? undefined : { key, answer: (tokens) => answerRecord(key, 201, { team, tokens }, {}, secret) };
}
