/** Redis keys for teams and tokens (not team-scoped: a token is how the team is found). */
export const teamKey = (team: string) => `gs:team:${team}`;
export const teamMembersKey = (team: string) => `gs:team:${team}:members`;
export const tokenKey = (tokenHash: string) => `gs:token:${tokenHash}`;
