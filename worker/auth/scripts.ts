import { IDEM_LUA } from "../idempotency/lua.ts";
import { LuaScript } from "../storage/lua-script.ts";

/**
 * KEYS: team, members set, one token key per member, idempotency record (last).
 * ARGV: team record, member names, token records, idempotency fingerprint ('' for none), idempotency answer.
 * Returns 'ok' | 'team_exists' | {'idem_replay', record} | {'idem_reused'} (see IDEM_LUA).
 */
export const createTeamScript = new LuaScript(
  "create_team",
  "871bedb4830b8956cd9a865536ad6a1e3cafda38",
  `${IDEM_LUA}local idem_key, idem_fp, idem_answer = KEYS[#KEYS], ARGV[#ARGV - 1], ARGV[#ARGV]
local seen = idem_seen(idem_key, idem_fp)
if seen then return seen end
if redis.call('EXISTS', KEYS[1]) == 1 then return 'team_exists' end
redis.call('SET', KEYS[1], ARGV[1])
local n = #KEYS - 3
for i = 1, n do
  redis.call('SADD', KEYS[2], ARGV[1 + i])
  redis.call('SET', KEYS[2 + i], ARGV[1 + n + i])
end
idem_remember(idem_key, idem_fp, idem_answer)
return 'ok'`,
);

/**
 * KEYS: team, members set, token key, idempotency record. ARGV: member name, token record,
 * idempotency fingerprint, idempotency answer. Returns 'ok' | 'no_team' | 'member_exists' | {'idem_replay', record} | {'idem_reused'}.
 */
export const addMemberScript = new LuaScript(
  "add_member",
  "fa1af847449417bbdfe3d7685d8c74226d480641",
  `${IDEM_LUA}local seen = idem_seen(KEYS[4], ARGV[3])
if seen then return seen end
if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_team' end
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 'member_exists' end
redis.call('SET', KEYS[3], ARGV[2])
idem_remember(KEYS[4], ARGV[3], ARGV[4])
return 'ok'`,
);
