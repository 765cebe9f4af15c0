import { LuaScript } from "../storage/lua-script.ts";

/** KEYS: team, members set, one token key per member. ARGV: team record, member names, token records. */
export const createTeamScript = new LuaScript(
  "create_team",
  "f1b487a83642783253d7fef5ebc256abfd7d0b47",
  `if redis.call('EXISTS', KEYS[1]) == 1 then return 'team_exists' end
redis.call('SET', KEYS[1], ARGV[1])
local n = #KEYS - 2
for i = 1, n do
  redis.call('SADD', KEYS[2], ARGV[1 + i])
  redis.call('SET', KEYS[2 + i], ARGV[1 + n + i])
end
return 'ok'`,
);

/** KEYS: team, members set, token key. ARGV: member name, token record. */
export const addMemberScript = new LuaScript(
  "add_member",
  "4165301bfb9e7a54da9c00d1a663a243fd23896c",
  `if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_team' end
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 'member_exists' end
redis.call('SET', KEYS[3], ARGV[2])
return 'ok'`,
);
