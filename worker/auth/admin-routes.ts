import { Hono } from "hono";
import { z } from "zod";
import { CommonErrorCodes } from "../../shared/errors.ts";
import { IssuedTokens, MemberCreate, MemberList, MemberName, TeamCreate, TeamId, TeamList, TeamListQuery } from "../../shared/teams.ts";
import { documented, type ApiOperation } from "../api-doc.ts";
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

// What each route is, for the OpenAPI document (worker/api-doc.ts); every one needs the admin secret.
const TEAM_PARAM = { team: { description: "The team's id", schema: TeamId, example: "design" } };
const MEMBER_PARAMS = { ...TEAM_PARAM, member: { description: "The member's name", schema: MemberName, example: "alice" } };
const SEALED = "`idempotency_answer_sealed`: the key's first answer was sealed under an earlier ADMIN_SECRET";

const LIST_TEAMS: ApiOperation = {
  operationId: "listTeams",
  summary: "List teams, a page at a time",
  description: "SCAN order: a page may be short, or empty, before the last; go on while next_cursor is not null.",
  tag: "admin",
  auth: "admin",
  query: TeamListQuery,
  store: "read",
  responses: { 200: { description: "A page of teams", json: TeamList } },
};

const CREATE_TEAM: ApiOperation = {
  operationId: "createTeam",
  summary: "Create a team and its members' tokens",
  description: "The tokens are answered here once (only their hashes are kept). With an Idempotency-Key a retry gets the same tokens, sealed under the admin secret. The dev open team's name is reserved (400).",
  tag: "admin",
  auth: "admin",
  body: { schema: TeamCreate, required: true, example: { team: "design", members: ["alice", "bob"] } },
  idempotent: "atomic",
  store: "write",
  responses: {
    201: { description: "Created: each member's token, shown once", json: IssuedTokens },
    409: { description: `A team with this id exists; or ${SEALED}`, codes: ["team_exists", "idempotency_answer_sealed"] },
  },
};

const LIST_MEMBERS: ApiOperation = {
  operationId: "listMembers",
  summary: "List a team's members",
  description: "With when each token was issued and last used (to within a minute); never the tokens.",
  tag: "admin",
  auth: "admin",
  params: TEAM_PARAM,
  store: "read",
  responses: { 200: { description: "The members", json: MemberList }, 404: { description: "No such team", codes: ["not_found"] } },
};

const DELETE_TEAM: ApiOperation = {
  operationId: "deleteTeam",
  summary: "Delete a team and everything it holds",
  description:
    "Revokes every member's token (their sockets close with 4401), removes the team's webhooks and deletes its data in every store; the name can then be created again and starts empty. An interrupted delete leaves the team listed: send it again to finish it. A retry after a lost 204 is a 404.",
  tag: "admin",
  auth: "admin",
  params: TEAM_PARAM,
  store: "write",
  responses: { 204: { description: "Deleted" }, 404: { description: "No such team", codes: ["not_found"] } },
};

const ADD_MEMBER: ApiOperation = {
  operationId: "addMember",
  summary: "Add a member to a team and issue their token",
  description: "The token is answered here once.",
  tag: "admin",
  auth: "admin",
  params: TEAM_PARAM,
  body: { schema: MemberCreate, required: true, example: { member: "carol" } },
  idempotent: "atomic",
  store: "write",
  responses: {
    201: { description: "Added: the member's token, shown once", json: IssuedTokens },
    404: { description: "No such team", codes: ["not_found"] },
    409: { description: `Already a member; or ${SEALED}`, codes: ["member_exists", "idempotency_answer_sealed"] },
  },
};

const REISSUE_TOKEN: ApiOperation = {
  operationId: "reissueMemberToken",
  summary: "Issue a member a new token",
  description: "For a lost token: the new one is answered once; the old one stops working within a second and its WebSockets are closed with 4401. No body is needed (an empty JSON object is accepted).",
  tag: "admin",
  auth: "admin",
  params: MEMBER_PARAMS,
  body: { schema: emptyBody, required: false, example: {} },
  idempotent: "atomic",
  store: "write",
  responses: {
    201: { description: "Reissued: the new token, shown once", json: IssuedTokens },
    404: { description: "No such team or member", codes: ["not_found"] },
    409: { description: SEALED, codes: ["idempotency_answer_sealed"] },
  },
};

const REMOVE_MEMBER: ApiOperation = {
  operationId: "removeMember",
  summary: "Remove a member",
  description: "Their token stops working within a second and their WebSockets are closed with 4401.",
  tag: "admin",
  auth: "admin",
  params: MEMBER_PARAMS,
  store: "write",
  responses: { 204: { description: "Removed" }, 404: { description: "No such team or member", codes: ["not_found"] } },
};

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

adminRoutes.get("/teams", documented(LIST_TEAMS, async (c) => {
  const { cursor, limit } = readQuery(c, TeamListQuery);
  return c.json(await listTeams(mainStore(c.env), cursor, limit));
}));

/**
 * With an Idempotency-Key the answer, tokens included, is stored with the change (sealed under the
 * admin secret and the key), so a retry after a lost answer gets the same tokens, not team_exists.
 */
adminRoutes.post("/teams", documented(CREATE_TEAM, async (c) => {
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
}));

/** The whole team: tokens revoked (sockets closed), data deleted, name free again (team-deletion.ts). */
adminRoutes.delete("/teams/:team", documented(DELETE_TEAM, async (c) => {
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
}));

adminRoutes.get("/teams/:team/members", documented(LIST_MEMBERS, async (c) => {
  const team = readId(c, TeamId, "team");
  const members = await listMembers(mainStore(c.env), team);
  if (members === null) throw adminRefusal({ kind: "no_team" }, team);
  return c.json({ team, members });
}));

adminRoutes.post("/teams/:team/members", documented(ADD_MEMBER, async (c) => {
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
}));

/** A lost token replaced: the new one is answered once, the old one stops working at once. */
adminRoutes.post("/teams/:team/members/:member/token", documented(REISSUE_TOKEN, async (c) => {
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
}));

adminRoutes.delete("/teams/:team/members/:member", documented(REMOVE_MEMBER, async (c) => {
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
}));

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
