import type { Context } from "hono";
import type { AppEnv } from "../env.ts";
import { hubFor } from "../live/hub-stub.ts";

/** The close code a socket gets when the token it was opened with is revoked or replaced. */
export const TOKEN_REVOKED_CLOSE_CODE = 4401;

/**
 * Why a member's token stopped working: the Close frame's reason (as README documents it), and the
 * `error` message the hub sends just before it, so a client reading messages learns why too.
 */
const REVOCATIONS = {
  "token revoked": { code: "token_revoked", message: "this member was removed from the team and its token revoked; the socket is closed" },
  "token rotated": { code: "token_rotated", message: "the token this socket was opened with was rotated (POST /me/token); the socket is closed: reconnect with the new token" },
  "token replaced": { code: "token_replaced", message: "an admin issued this member a new token, replacing the one this socket was opened with; the socket is closed: reconnect with the new token" },
  "team deleted": { code: "team_deleted", message: "the team was deleted and every member's token revoked; the socket is closed" },
} as const;
export type RevocationReason = keyof typeof REVOCATIONS;

/**
 * Closes the member's open WebSockets (their hub holds them), before the answer, so that when a
 * revocation is answered the old token's sockets are gone too. The token is already deleted: a
 * hub that cannot be reached is logged, not an error for the admin (those sockets then last until
 * they reconnect, which the deleted token cannot).
 */
export async function closeRevokedSockets(c: Context<AppEnv>, team: string, member: string, reason: RevocationReason): Promise<number> {
  if (c.env.TEAM_HUB === undefined) return 0;
  try {
    return await hubFor(c.env, team).closeMemberSockets(member, TOKEN_REVOKED_CLOSE_CODE, reason, REVOCATIONS[reason]);
  } catch (error) {
    console.error(JSON.stringify({ event: "revoked_sockets_not_closed", team, member, error: String(error) }));
    return 0;
  }
}
