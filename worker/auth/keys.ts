/** Redis keys for teams and tokens (not team-scoped: a token is how the team is found). */
export const teamKey = (team: string) => `gs:team:${team}`;
export const teamMembersKey = (team: string) => `gs:team:${team}:members`;
export const tokenKey = (tokenHash: string) => `gs:token:${tokenHash}`;
/** The key the team's agents sign their hub messages with (GET/PUT /team/agent-key). */
export const agentKeyKey = (team: string) => `gs:team:${team}:agent_key`;
