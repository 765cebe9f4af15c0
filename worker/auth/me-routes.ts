import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env.ts";
import { unreachable } from "../unreachable.ts";
import { answerRecord, idempotencyOf, keyReused, replay } from "../idempotency/idempotency.ts";
import { readBody } from "../request.ts";
import { mainStore } from "../storage/stores.ts";
import { authenticate, unauthorized } from "./access.ts";
import { rotationIdempotencyKey } from "./keys.ts";
import { closeRevokedSockets } from "./revoked-sockets.ts";
import { listMembers, reissueToken } from "./team-store.ts";
import { authorizationOf, hashToken } from "./tokens.ts";

/** /me (mounted there): what a member does for themselves with their own token. */
export const meRoutes = new Hono<AppEnv>();

/**
 * Who the caller is and the names of their team's members (for owner and attendee pickers); token
 * details stay on the admin's list. The dev open team has no member list: just the caller.
 */
meRoutes.get("/team", async (c) => {
  const { team, member } = await authenticate(c);
  const members = (await listMembers(mainStore(c.env), team)) ?? [];
  const names = new Set([...members.map((m) => m.member), member]);
  return c.json({ team, member, members: [...names].sort().map((name) => ({ member: name })) });
});

/**
 * A member replaces their own token: the new one is answered once, the old one stops working.
 * The answer to an Idempotency-Key is stored sealed under the old token (which only the member
 * holds) and found by it, so a retry after a lost answer, sent with the now revoked old token,
 * gets the same new token instead of 401.
 */
meRoutes.post("/token", async (c) => {
  await readBody(c, z.strictObject({}), { optional: true });
  const sent = authorizationOf(c.req.header("authorization"));
  if (sent.kind !== "bearer") throw unauthorized("POST /me/token replaces the token it is sent with: send Authorization: Bearer <your token>");
  const oldToken = sent.token;
  const key = await idempotencyOf(c, "admin");
  const idem = key === undefined ? undefined : { ...key, key: rotationIdempotencyKey(await hashToken(oldToken), await hashToken(key.sent)) };
  if (idem !== undefined) {
    const earlier = await mainStore(c.env).get<string>(idem.key);
    if (earlier !== null) {
      if ((JSON.parse(earlier) as { fingerprint?: string }).fingerprint !== idem.fingerprint) throw keyReused();
      return replay(earlier, idem, oldToken);
    }
  }
  const { team, member } = await authenticate(c);
  const outcome = await reissueToken(mainStore(c.env), team, member, idem && { key: idem, answer: (tokens) => answerRecord(idem, 201, { team, tokens }, {}, oldToken) });
  switch (outcome.kind) {
    case "ok":
      await closeRevokedSockets(c, team, member, "token rotated");
      return c.json({ team, tokens: { [member]: outcome.token } }, 201);
    case "replay":
      return replay(outcome.record, idem!, oldToken);
    case "key_reused":
      throw keyReused();
    case "no_team":
    case "no_member":
      // Revoked between the check above and this step: the token is no longer valid.
      throw unauthorized("the token is not valid (revoked, replaced or never issued)");
    default:
      return unreachable(outcome, "reissue_token outcome");
  }
});
