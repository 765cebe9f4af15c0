/** The team key's strength rule lives in shared/: the worker checks keys a team gives it (PUT /team/agent-key) by it too. */
export { MIN_TEAM_KEY_DISTINCT_CHARACTERS, weakTeamKeyReason } from "../../shared/team-key.ts";
