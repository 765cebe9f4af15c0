import { LuaScript } from "../storage/lua-script.ts";
import { RECORD_FIELD_LUA } from "../storage/record-field-lua.ts";

/**
 * Compare-and-set of a transaction's record on its `version` field, keeping the team's index of
 * open transactions (sorted set: tx id -> idle deadline ms) in step. KEYS: record, open index.
 * ARGV: expected version ('' = must not exist), new JSON, seconds to keep it (0 = forever), tx id,
 * idle deadline ms ('' = no longer open: leaves the index), open-transactions quota ('' for none),
 * now ms. A new open transaction is refused when the team already has `quota` whose deadline is
 * still ahead (past ones are dropped first: an abandoned transaction stops counting when it
 * times out, even before anything resolves it). Returns 'ok' | 'stale' | 'quota_exceeded'.
 */
export const putRecordScript = new LuaScript(
  "put_record",
  "1bcfb723053974cc574c73a59a5e4018d2a533c6",
  `${RECORD_FIELD_LUA}local current = redis.call('GET', KEYS[1])
if ARGV[1] == '' then
  if current then return 'stale' end
elseif not current or tostring(record_field(current, 'version')) ~= ARGV[1] then
  return 'stale'
end
if ARGV[5] == '' then
  redis.call('ZREM', KEYS[2], ARGV[4])
else
  if ARGV[1] == '' and ARGV[6] ~= '' then
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[7])
    if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[6]) then return 'quota_exceeded' end
  end
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
end
if ARGV[3] ~= '0' then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) else redis.call('SET', KEYS[1], ARGV[2]) end
return 'ok'`,
);

/**
 * Records a transaction's decision unless one exists, and returns the one that stands: first
 * writer wins, in one round trip. KEYS: decision. ARGV: wanted decision, seconds to keep it.
 */
export const decideScript = new LuaScript(
  "decide",
  "a8014377902b522dc50fd2f40b21fd51b615cda6",
  `local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return ARGV[1]`,
);
