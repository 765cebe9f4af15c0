import { Hono } from "hono";
import { z } from "zod";
import { IssuedTokens, MyTeam } from "../../shared/teams.ts";
import { documented, type ApiOperation } from "../api-doc.ts";
import type { AppEnv } from "../env.ts";
import { unreachable } from "../unreachable.ts";
import { answerRecord, idempotencyOf, keyReused, replay } from "../idempotency/idempotency.ts";
import { readBody } from "../request.ts";
import { mainStore } from "../storage/stores.ts";
import { authenticate, unauthorized } from "./access.ts";
import { rotationIdempotencyKey } from "./keys.ts";
import { closeRevokedSockets } from "./revoked-sockets.ts";
import { listMembers, reissueToken, tokenIssuedAt } from "./team-store.ts";
import { authorizationOf, hashToken } from "./tokens.ts";

/** /me (mounted there): what a member does for themselves with their own token. */
export const meRoutes = new Hono<AppEnv>();

const emptyBody = z.strictObject({});

const MY_TEAM: ApiOperation = {
  operationId: "getMyTeam",
  summary: "Who you are, and your team's members",
  description: "The names of your team's members, for owner and attendee pickers; token details are on the admin's member list. The dev open team has no member list: just you.",
  tag: "admin",
  auth: "member",
  store: "read",
  responses: { 200: { description: "Your team", json: MyTeam } },
};

const ROTATE_TOKEN: ApiOperation = {
  operationId: "rotateMyToken",
  summary: "Replace your own token",
  description:
    "The new token is answered once; the one sent stops working and its WebSockets are closed with 4401. Needs a token in the Authorization header (the open team has none to replace). A retry with the same Idempotency-Key, sent with the old token, answers the same new token within 10 minutes and while that token still works. No body is needed.",
  tag: "admin",
  auth: "member",
  body: { schema: emptyBody, required: false, example: {} },
  idempotent: "atomic",
  store: "write",
  responses: { 201: { description: "Rotated: your new token, shown once", json: IssuedTokens } },
};

/**
 * Who the caller is and the names of their team's members (for owner and attendee pickers); token
 * details stay on the admin's list. The dev open team has no member list: just the caller.
 */
meRoutes.get("/team", documented(MY_TEAM, async (c) => {
  const { team, member } = await authenticate(c);
  const members = (await listMembers(mainStore(c.env), team)) ?? [];
  const names = new Set([...members.map((m) => m.member), member]);
  return c.json({ team, member, members: [...names].sort().map((name) => ({ member: name })) });
}));

/**
 * A member replaces their own token: the new one is answered once, the old one stops working.
 * The answer to an Idempotency-Key is stored sealed under the old token (which only the member
 * holds) and found by it, so a retry after a lost answer, sent with the now revoked old token,
 * gets the same new token instead of 401.
 */
meRoutes.post("/token", documented(ROTATE_TOKEN, async (c) => {
  await readBody(c, emptyBody, { optional: true });
  const sent = authorizationOf(c.req.header("authorization"));
  if (sent.kind !== "bearer") throw unauthorized("POST /me/token replaces the token it is sent with: send Authorization: Bearer <your token>");
  const oldToken = sent.token;
  const key = await idempotencyOf(c, "admin");
  const idem = key === undefined ? undefined : { ...key, key: rotationIdempotencyKey(await hashToken(oldToken), await hashToken(key.sent)) };
  if (idem !== undefined) {
    const earlier = await mainStore(c.env).get<string>(idem.key);
    if (earlier !== null) {
      if ((JSON.parse(earlier) as { fingerprint?: string }).fingerprint !== idem.fingerprint) throw keyReused();
      return replayRotation(c.env, await replay(earlier, idem, oldToken));
    }
  }
  const { team, member } = await authenticate(c);
  const outcome = await reissueToken(mainStore(c.env), team, member, idem && { key: idem, answer: (tokens) => answerRecord(idem, 201, { team, tokens }, {}, oldToken) });
  switch (outcome.kind) {
    case "ok":
      await closeRevokedSockets(c, team, member, "token rotated");
      return c.json({ team, tokens: { [member]: outcome.token } }, 201);
    case "replay":
      return replayRotation(c.env, await replay(outcome.record, idem!, oldToken));
    case "key_reused":
      throw keyReused();
    case "no_team":
    case "no_member":
      // Revoked between the check above and this step: the token is no longer valid.
      throw unauthorized("the token is not valid (revoked, replaced or never issued)");
    default:
      return unreachable(outcome, "reissue_token outcome");
  }
}));

/** How long a rotation's answer is given again to its old token: long enough for a retry, short for a thief. */
export const ROTATION_REPLAY_MS = 10 * 60_000;

/**
 * A retried rotation gets its first answer only while the token it made still works and for
 * ROTATION_REPLAY_MS: whoever holds the old token (a rotation is what a leak calls for) must not
 * fetch the new one later, and a token since replaced or revoked is no answer at all.
 */
async function replayRotation(env: AppEnv["Bindings"], first: Response): Promise<Response> {
  const text = await first.text();
  const issued = first.status === 201 ? Object.values((JSON.parse(text) as { tokens: Record<string, string> }).tokens) : [];
  for (const token of issued) {
    const at = await tokenIssuedAt(mainStore(env), token);
    if (at === null) throw unauthorized("the token this rotation made has since been replaced or revoked; ask your admin, or rotate with the token you hold now");
    if (Date.now() - Date.parse(at) > ROTATION_REPLAY_MS) throw unauthorized("this rotation is over 10 minutes old, so its answer is no longer given again for the old token; use the new token");
  }
  return new Response(text, { status: first.status, headers: first.headers });
}
