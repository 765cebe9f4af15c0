import { IDEM_LUA } from "../idempotency/lua.ts";
import { LuaScript } from "../storage/lua-script.ts";

/**
 * KEYS: team, members set, one token key per member, idempotency record (last).
 * ARGV: team record, member names, token records, idempotency fingerprint ('' for none), idempotency answer.
 * Returns 'ok' | 'team_exists' | {'idem_replay', record} | {'idem_reused'} (see IDEM_LUA).
 */
export const createTeamScript = new LuaScript(
  "create_team",
  "5ebefdd90ab2837a338a41432b8c5c0c13ae3894",
  `local IDEM_KEY, IDEM_FP, IDEM_ANSWER = KEYS[#KEYS], ARGV[#ARGV - 1], ARGV[#ARGV]
${IDEM_LUA}local seen = idem_seen()
if seen then return seen end
if redis.call('EXISTS', KEYS[1]) == 1 then return 'team_exists' end
redis.call('SET', KEYS[1], ARGV[1])
local n = #KEYS - 3
for i = 1, n do
  redis.call('SADD', KEYS[2], ARGV[1 + i])
  redis.call('SET', KEYS[2 + i], ARGV[1 + n + i])
end
idem_remember()
return 'ok'`,
);

/**
 * KEYS: team, members set, token key, idempotency record. ARGV: member name, token record,
 * idempotency fingerprint, idempotency answer. Returns 'ok' | 'no_team' | 'member_exists' | {'idem_replay', record} | {'idem_reused'}.
 */
export const addMemberScript = new LuaScript(
  "add_member",
  "22f5b99b7100cb27f6108eabfeb24ad354c32c6f",
  `local IDEM_KEY, IDEM_FP, IDEM_ANSWER = KEYS[4], ARGV[3], ARGV[4]
${IDEM_LUA}local seen = idem_seen()
if seen then return seen end
if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_team' end
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 'member_exists' end
redis.call('SET', KEYS[3], ARGV[2])
idem_remember()
return 'ok'`,
);

/**
 * The team's agent key, created on first use: every concurrent first caller gets the one value
 * that won. KEYS: agent key. ARGV: a fresh key. Returns the stored key.
 */
export const agentKeyScript = new LuaScript(
  "agent_key",
  "7031f2ac051cf3dad3e0da321b83730019bde2b0",
  `redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])`,
);
