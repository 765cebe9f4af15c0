/** Redis keys for teams and tokens (not team-scoped: a token is how the team is found). */
export const teamKey = (team: string) => `gs:team:${team}`;
/** The match for SCAN that lists teams: team records are the only strings under it. */
export const TEAM_KEYS_MATCH = "gs:team:*";
export const TEAM_KEY_PREFIX = "gs:team:";
export const teamMembersKey = (team: string) => `gs:team:${team}:members`;
/** Hash member -> JSON {hash, created_at}: which token is a member's now, so it can be revoked. */
export const memberTokensKey = (team: string) => `gs:team:${team}:tokens`;
/** Hash member -> ISO time its token was last used (written at most once a minute per isolate). */
export const lastUsedKey = (team: string) => `gs:team:${team}:last_used`;
export const TOKEN_KEY_PREFIX = "gs:token:";
export const tokenKey = (tokenHash: string) => `${TOKEN_KEY_PREFIX}${tokenHash}`;
/**
 * POST /me/token's Idempotency-Key record, found by the token that asked (which the rotation
 * revokes, so a retry cannot be authenticated the usual way) and the key's hash.
 */
export const rotationIdempotencyKey = (tokenHash: string, keyHash: string) => `gs:me:idem:${tokenHash}:${keyHash}`;
/** The key the team's agents sign their hub messages with (GET/PUT /team/agent-key). */
export const agentKeyKey = (team: string) => `gs:team:${team}:agent_key`;
