import type { Context } from "hono";
import type { AppEnv } from "../env.ts";
import { hubFor } from "../live/hub-stub.ts";

/** The close code a socket gets when the token it was opened with is revoked or replaced. */
export const TOKEN_REVOKED_CLOSE_CODE = 4401;

/**
 * Closes the member's open WebSockets (their hub holds them), before the answer, so that when a
 * revocation is answered the old token's sockets are gone too. The token is already deleted: a
 * hub that cannot be reached is logged, not an error for the admin (those sockets then last until
 * they reconnect, which the deleted token cannot).
 */
export async function closeRevokedSockets(c: Context<AppEnv>, team: string, member: string, reason: string): Promise<number> {
  if (c.env.TEAM_HUB === undefined) return 0;
  try {
    return await hubFor(c.env, team).closeMemberSockets(member, TOKEN_REVOKED_CLOSE_CODE, reason);
  } catch (error) {
    console.error(JSON.stringify({ event: "revoked_sockets_not_closed", team, member, error: String(error) }));
    return 0;
  }
}
