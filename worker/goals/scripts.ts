import { IDEM_LUA } from "../idempotency/lua.ts";
import { EMIT_LUA, FEED_LOCALS_LUA, FEED_REPLY_LUA } from "../live/feed.ts";
import { LuaScript } from "../storage/lua-script.ts";
import { LEAVE_LEASE_LUA } from "../tx/lease-scripts.ts";
import { RECORD_FIELD_LUA } from "../storage/record-field-lua.ts";
import { QUOTA_LUA } from "../limits/quota-lua.ts";

/**
 * Lua: `changing_refusal(goal_key, lock_key, expected)`: why a goal cannot be changed from version
 * `expected` (locked by a transaction, missing, stale), or nil when it can.
 */
const CHANGING_REFUSAL_LUA = `${RECORD_FIELD_LUA}local function changing_refusal(goal_key, lock_key, expected)
  local lock = redis.call('GET', lock_key)
  if lock then return {'locked', cjson.decode(lock).tx} end
  local current = redis.call('GET', goal_key)
  if not current then return {'missing'} end
  local version = tostring(record_field(current, 'version'))
  if version ~= expected then return {'stale', version} end
  return nil
end
`;

/**
 * Compare-and-set of one goal. KEYS: goal, index, goal lock, idempotency record, feed stream, feed seq.
 * ARGV: id, record JSON, created_at ms, mode (create|update), expected version, channel, message,
 *       idempotency fingerprint ('' for none), idempotency answer, goals quota ('' for none), feed inline
 *       (last: FEED_LOCALS_LUA reads it there).
 * Returns {'ok', feed...} | {'exists'} | {'missing'} | {'stale', version} | {'locked', tx}
 *       | {'idem_replay', record} | {'idem_reused'} (see IDEM_LUA: checked first, stored with the write)
 *       | {'quota_exceeded', 'goals', limit} (a create only: the index counts the team's goals; see QUOTA_LUA).
 */
export const putGoalScript = new LuaScript(
  "put_goal",
  "8fbedb6284d031d66ed7e668c7fdc2a67b579f94",
  `${FEED_LOCALS_LUA}${EMIT_LUA}${FEED_REPLY_LUA}${RECORD_FIELD_LUA}${IDEM_LUA}${QUOTA_LUA}local seen = idem_seen(KEYS[4], ARGV[8])
if seen then return seen end
local lock = redis.call('GET', KEYS[3])
if lock then return {'locked', cjson.decode(lock).tx} end
local current = redis.call('GET', KEYS[1])
if ARGV[4] == 'create' then
  if current then return {'exists'} end
  local full = quota_refusal(KEYS[2], ARGV[10], 'goals')
  if full then return full end
else
  if not current then return {'missing'} end
  local version = tostring(record_field(current, 'version'))
  if version ~= ARGV[5] then return {'stale', version} end
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
idem_remember(KEYS[4], ARGV[8], ARGV[9])
emit(ARGV[6], ARGV[7])
return feed_reply({'ok'})`,
);

/** KEYS: goal, index, goal lock, check-ins, feed stream, feed seq. ARGV: id, expected version, channel, message, feed inline. */
export const deleteGoalScript = new LuaScript(
  "delete_goal",
  "c10de6856a5cdf23c52730c78e3ff868e3fa07c0",
  `${FEED_LOCALS_LUA}${EMIT_LUA}${FEED_REPLY_LUA}${CHANGING_REFUSAL_LUA}local refused = changing_refusal(KEYS[1], KEYS[3], ARGV[2])
if refused then return refused end
redis.call('DEL', KEYS[1], KEYS[4])
redis.call('ZREM', KEYS[2], ARGV[1])
emit(ARGV[3], ARGV[4])
return feed_reply({'ok'})`,
);

/**
 * Prepares one goal op of a transaction: validates it and locks the goal, atomically.
 * KEYS: goal, goal lock, tx locks, leases, index. ARGV: kind, lock record JSON, tx id, lease end ms,
 * expected version ('' for create), goals quota ('' for none), goal creates this transaction prepared before.
 * Returns {'ok'} | {'locked', tx} | {'exists'} | {'missing'} | {'stale'} | {'quota_exceeded', 'goals', limit}
 * (a create, counted against the goals the team has now; see QUOTA_LUA).
 */
export const prepareGoalScript = new LuaScript(
  "prepare_goal",
  "94fa540accce67768d8418d673866d30c78ef8e5",
  `${RECORD_FIELD_LUA}${QUOTA_LUA}local lock = redis.call('GET', KEYS[2])
if lock then return {'locked', cjson.decode(lock).tx} end
local current = redis.call('GET', KEYS[1])
if ARGV[1] == 'create' then
  if current then return {'exists'} end
  local full = quota_refusal(KEYS[5], ARGV[6], 'goals', ARGV[7])
  if full then return full end
else
  if not current then return {'missing'} end
  if tostring(record_field(current, 'version')) ~= ARGV[5] then return {'stale'} end
end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], KEYS[2])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
return {'ok'}`,
);

/**
 * Applies a committed transaction's goal ops; idempotent. The worker reads the tx's lock keys first.
 * KEYS: tx locks, leases, index, then per lock: goal lock, goal, its check-ins; then feed stream, feed seq.
 * ARGV: tx id, channel, team, member, now, feed inline. Returns {count, remaining, feed...}:
 * `remaining` locks were added after the worker read them (the lease stays until none is left).
 */
export const applyGoalLocksScript = new LuaScript(
  "apply_goal_locks",
  "c2586d6c2c61e5bdd8fe47216f36f7d5dcd06ec4",
  `${FEED_LOCALS_LUA}${EMIT_LUA}${FEED_REPLY_LUA}${LEAVE_LEASE_LUA}local count = 0
for i = 4, #KEYS - 2, 3 do
  local lockKey, goalKey = KEYS[i], KEYS[i + 1]
  local raw = redis.call('GET', lockKey)
  if raw then
    local lock = cjson.decode(raw)
    if lock.tx == ARGV[1] then
      local head = '{"type":"goal.' .. lock.change .. '","team":' .. cjson.encode(ARGV[3]) .. ',"id":' .. cjson.encode(lock.goal_id) .. ',"by":' .. cjson.encode(ARGV[4]) .. ',"at":' .. cjson.encode(ARGV[5]) .. ',"tx":' .. cjson.encode(ARGV[1])
      if lock.kind == 'delete' then
        redis.call('DEL', goalKey, KEYS[i + 2])
        redis.call('ZREM', KEYS[3], lock.goal_id)
        emit(ARGV[2], head .. '}')
      else
        redis.call('SET', goalKey, lock.goal)
        redis.call('ZADD', KEYS[3], lock.created_ms, lock.goal_id)
        emit(ARGV[2], head .. ',"goal":' .. lock.goal .. '}')
      end
      redis.call('DEL', lockKey)
      count = count + 1
    end
  end
  redis.call('SREM', KEYS[1], lockKey)
end
local remaining = leave_lease(KEYS[1], KEYS[2], ARGV[1])
return feed_reply({count, remaining})`,
);

/**
 * Releases an aborted transaction's goal locks; idempotent. KEYS: tx locks, leases, then the
 * tx's goal locks (read by the worker first). ARGV: tx id. Returns {count, remaining}.
 */
export const releaseGoalLocksScript = new LuaScript(
  "release_goal_locks",
  "9bf5e6974529cd482d4e8a91fdae2a885250b47f",
  `${LEAVE_LEASE_LUA}local count = 0
for i = 3, #KEYS do
  local raw = redis.call('GET', KEYS[i])
  if raw and cjson.decode(raw).tx == ARGV[1] then
    redis.call('DEL', KEYS[i])
    count = count + 1
  end
  redis.call('SREM', KEYS[1], KEYS[i])
end
local remaining = leave_lease(KEYS[1], KEYS[2], ARGV[1])
return {count, remaining}`,
);

/**
 * A check-in: compare-and-set of the goal (the key-result values, progress and health it sets) and
 * the check-in appended to the goal's list, in one step. KEYS: goal, goal lock, check-ins,
 * idempotency record, feed stream, feed seq. ARGV: expected version, goal JSON, check-in JSON,
 * channel, message, idempotency fingerprint ('' for none), idempotency answer, feed inline.
 * Returns {'ok', how many check-ins the goal has, feed...} | {'missing'} | {'stale', version}
 *       | {'locked', tx} | {'idem_replay', record} | {'idem_reused'} (see IDEM_LUA).
 */
export const checkInGoalScript = new LuaScript(
  "check_in_goal",
  "62b226da8f454451163aff14dd8d132f8c72b7ff",
  `${FEED_LOCALS_LUA}${EMIT_LUA}${FEED_REPLY_LUA}${IDEM_LUA}${CHANGING_REFUSAL_LUA}local seen = idem_seen(KEYS[4], ARGV[6])
if seen then return seen end
local refused = changing_refusal(KEYS[1], KEYS[2], ARGV[1])
if refused then return refused end
redis.call('SET', KEYS[1], ARGV[2])
local count = redis.call('RPUSH', KEYS[3], ARGV[3])
idem_remember(KEYS[4], ARGV[6], ARGV[7])
emit(ARGV[4], ARGV[5])
return feed_reply({'ok', count})`,
);
