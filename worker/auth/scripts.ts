import { IDEM_LUA } from "../idempotency/lua.ts";
import { LuaScript } from "../storage/lua-script.ts";

/**
 * KEYS: team, members set, member tokens hash, one token key per member, idempotency record (last).
 * ARGV: team record, member names, token records, member tokens entries, idempotency fingerprint
 * ('' for none), idempotency answer.
 * Returns 'ok' | 'team_exists' | {'idem_replay', record} | {'idem_reused'} (see IDEM_LUA).
 */
export const createTeamScript = new LuaScript(
  "create_team",
  "2573c1a79f7940bdaa2cb5d622577464ea7d5612",
  `${IDEM_LUA}local idem_key, idem_fp, idem_answer = KEYS[#KEYS], ARGV[#ARGV - 1], ARGV[#ARGV]
local seen = idem_seen(idem_key, idem_fp)
if seen then return seen end
if redis.call('EXISTS', KEYS[1]) == 1 then return 'team_exists' end
redis.call('SET', KEYS[1], ARGV[1])
local n = #KEYS - 4
for i = 1, n do
  redis.call('SADD', KEYS[2], ARGV[1 + i])
  redis.call('SET', KEYS[3 + i], ARGV[1 + n + i])
  redis.call('HSET', KEYS[3], ARGV[1 + i], ARGV[1 + 2 * n + i])
end
idem_remember(idem_key, idem_fp, idem_answer)
return 'ok'`,
);

/**
 * KEYS: team, members set, member tokens hash, token key, idempotency record. ARGV: member name,
 * token record, member tokens entry, idempotency fingerprint, idempotency answer.
 * Returns 'ok' | 'no_team' | 'member_exists' | {'idem_replay', record} | {'idem_reused'}.
 */
export const addMemberScript = new LuaScript(
  "add_member",
  "94a50059a1fd2df39c936eb271a1088036beb2d8",
  `${IDEM_LUA}local seen = idem_seen(KEYS[5], ARGV[4])
if seen then return seen end
if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_team' end
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 'member_exists' end
redis.call('SET', KEYS[4], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
idem_remember(KEYS[5], ARGV[4], ARGV[5])
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

/**
 * Deletes the member's current token and any tokens found for them that predate the member tokens
 * hash. The worker read the hash first and passes the key of the token it named (KEYS[current]);
 * if the hash names another token now, nothing is done and the caller reads again ('stale').
 * Legacy token keys (KEYS[legacy_from..]) are deleted only if their record still names the member.
 * Returns the KEYS indices deleted, or nil when stale.
 */
const DROP_TOKENS_LUA = `local function drop_tokens(tokens_key, member, team, expected_hash, current, legacy_from)
  local entry = redis.call('HGET', tokens_key, member)
  local hash = entry and cjson.decode(entry).hash or ''
  if hash ~= expected_hash then return nil end
  local dropped = {}
  if hash ~= '' then
    redis.call('DEL', KEYS[current])
    dropped[#dropped + 1] = current
  end
  for i = legacy_from, #KEYS do
    local raw = redis.call('GET', KEYS[i])
    if raw then
      local ok, record = pcall(cjson.decode, raw)
      if ok and record.team == team and record.member == member then
        redis.call('DEL', KEYS[i])
        dropped[#dropped + 1] = i
      end
    end
  end
  redis.call('HDEL', tokens_key, member)
  return dropped
end
`;

/**
 * A new token for a member, the old one deleted in the same step (POST
 * /admin/teams/{team}/members/{member}/token and POST /me/token).
 * KEYS: team, members set, member tokens hash, last used hash, new token key, idempotency record,
 * current token key (any key when there is none), legacy token keys...
 * ARGV: team, member, new token record, member tokens entry, current token hash ('' for none),
 * idempotency fingerprint, idempotency answer.
 * Returns {'ok', dropped KEYS indices...} | 'no_team' | 'no_member' | 'stale' | {'idem_replay', record} | {'idem_reused'}.
 */
export const reissueTokenScript = new LuaScript(
  "reissue_token",
  "6f24e9f6efd0c9a47806a2e76a4299ed44934306",
  `${IDEM_LUA}${DROP_TOKENS_LUA}local seen = idem_seen(KEYS[6], ARGV[6])
if seen then return seen end
if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_team' end
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 0 then return 'no_member' end
local dropped = drop_tokens(KEYS[3], ARGV[2], ARGV[1], ARGV[5], 7, 8)
if not dropped then return 'stale' end
redis.call('SET', KEYS[5], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[4])
redis.call('HDEL', KEYS[4], ARGV[2])
idem_remember(KEYS[6], ARGV[6], ARGV[7])
return {'ok', unpack(dropped)}`,
);

/**
 * Removes a member and their token (DELETE /admin/teams/{team}/members/{member}).
 * KEYS: team, members set, member tokens hash, last used hash, current token key (any key when
 * there is none), legacy token keys... ARGV: team, member, current token hash ('' for none).
 * Returns {'ok', dropped KEYS indices...} | 'no_team' | 'no_member' | 'stale'.
 */
export const revokeMemberScript = new LuaScript(
  "revoke_member",
  "208f6e625ddd91201eba1ff047591cf47d319bf1",
  `${DROP_TOKENS_LUA}if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_team' end
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 0 then return 'no_member' end
local dropped = drop_tokens(KEYS[3], ARGV[2], ARGV[1], ARGV[3], 5, 6)
if not dropped then return 'stale' end
redis.call('SREM', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[4], ARGV[2])
return {'ok', unpack(dropped)}`,
);

/**
 * The last step of DELETE /admin/teams/{team}: its record and membership keys go, but only once no
 * member is left (the caller revoked each one first; a member added meanwhile answers 'members_left'
 * and the caller revokes again). KEYS: team, members set, member tokens hash, last used hash, agent key.
 * Returns 'ok' | 'no_team' | 'members_left'.
 */
export const deleteTeamScript = new LuaScript(
  "delete_team",
  "e2a0f553ff72288e92e3a94d46f7eaf9bbc01b80",
  `if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_team' end
if redis.call('SCARD', KEYS[2]) > 0 or redis.call('HLEN', KEYS[3]) > 0 then return 'members_left' end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return 'ok'`,
);
