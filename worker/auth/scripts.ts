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
  "61e7755209cb75405aa83cf65acae7630a1fb214",
  `local IDEM_KEY, IDEM_FP, IDEM_ANSWER = KEYS[#KEYS], ARGV[#ARGV - 1], ARGV[#ARGV]
${IDEM_LUA}local seen = idem_seen()
if seen then return seen end
if redis.call('EXISTS', KEYS[1]) == 1 then return 'team_exists' end
redis.call('SET', KEYS[1], ARGV[1])
local n = #KEYS - 4
for i = 1, n do
  redis.call('SADD', KEYS[2], ARGV[1 + i])
  redis.call('SET', KEYS[3 + i], ARGV[1 + n + i])
  redis.call('HSET', KEYS[3], ARGV[1 + i], ARGV[1 + 2 * n + i])
end
idem_remember()
return 'ok'`,
);

/**
 * KEYS: team, members set, member tokens hash, token key, idempotency record. ARGV: member name,
 * token record, member tokens entry, idempotency fingerprint, idempotency answer.
 * Returns 'ok' | 'no_team' | 'member_exists' | {'idem_replay', record} | {'idem_reused'}.
 */
export const addMemberScript = new LuaScript(
  "add_member",
  "bf1e40a709f199b4c678929ac32a15c1753398be",
  `local IDEM_KEY, IDEM_FP, IDEM_ANSWER = KEYS[5], ARGV[4], ARGV[5]
${IDEM_LUA}local seen = idem_seen()
if seen then return seen end
if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_team' end
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 'member_exists' end
redis.call('SET', KEYS[4], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
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

/**
 * Deletes the member's current token (named by the member tokens hash) and any tokens found for
 * them that predate that hash (extra KEYS, deleted only if their record still names the member).
 * Shared by reissue and revoke. Sets local `revoked` to the hashes deleted.
 */
const DROP_TOKENS_LUA = `local function drop_tokens(tokens_key, member, team, prefix, legacy_from, legacy_to)
  local revoked = {}
  local current = redis.call('HGET', tokens_key, member)
  if current then
    local hash = cjson.decode(current).hash
    redis.call('DEL', prefix .. hash)
    revoked[#revoked + 1] = hash
  end
  for i = legacy_from, legacy_to do
    local raw = redis.call('GET', KEYS[i])
    if raw then
      local ok, record = pcall(cjson.decode, raw)
      if ok and record.team == team and record.member == member then
        redis.call('DEL', KEYS[i])
        revoked[#revoked + 1] = string.sub(KEYS[i], #prefix + 1)
      end
    end
  end
  redis.call('HDEL', tokens_key, member)
  return revoked
end
`;

/**
 * A new token for a member, the old one deleted in the same step (POST
 * /admin/teams/{team}/members/{member}/token and POST /me/token).
 * KEYS: team, members set, member tokens hash, last used hash, new token key, idempotency record,
 * legacy token keys... ARGV: team, member, new token record, member tokens entry, token key
 * prefix, idempotency fingerprint, idempotency answer.
 * Returns {'ok', revoked hashes...} | 'no_team' | 'no_member' | {'idem_replay', record} | {'idem_reused'}.
 */
export const reissueTokenScript = new LuaScript(
  "reissue_token",
  "60edefe53bb60eb5d4729b5b2a2c21f5b835bcae",
  `local IDEM_KEY, IDEM_FP, IDEM_ANSWER = KEYS[6], ARGV[6], ARGV[7]
${IDEM_LUA}${DROP_TOKENS_LUA}local seen = idem_seen()
if seen then return seen end
if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_team' end
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 0 then return 'no_member' end
local revoked = drop_tokens(KEYS[3], ARGV[2], ARGV[1], ARGV[5], 7, #KEYS)
redis.call('SET', KEYS[5], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[4])
redis.call('HDEL', KEYS[4], ARGV[2])
idem_remember()
return {'ok', unpack(revoked)}`,
);

/**
 * Removes a member and their token (DELETE /admin/teams/{team}/members/{member}).
 * KEYS: team, members set, member tokens hash, last used hash, legacy token keys...
 * ARGV: team, member, token key prefix. Returns {'ok', revoked hashes...} | 'no_team' | 'no_member'.
 */
export const revokeMemberScript = new LuaScript(
  "revoke_member",
  "7f2c05c4415bdf91ca7974ee3adfe51f3469f5c3",
  `${DROP_TOKENS_LUA}if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_team' end
if redis.call('SREM', KEYS[2], ARGV[2]) == 0 then return 'no_member' end
local revoked = drop_tokens(KEYS[3], ARGV[2], ARGV[1], ARGV[3], 5, #KEYS)
redis.call('HDEL', KEYS[4], ARGV[2])
return {'ok', unpack(revoked)}`,
);
