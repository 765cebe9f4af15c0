import { LuaScript } from "../storage/lua-script.ts";

/**
 * Compare-and-set of one goal. KEYS: goal, index, goal lock.
 * ARGV: id, record JSON, created_at ms, mode (create|update), expected version, channel, message.
 * Returns {'ok'} | {'exists'} | {'missing'} | {'stale', version} | {'locked', tx}.
 */
export const putGoalScript = new LuaScript(
  "put_goal",
  "54e6d7631f1d940bd8cd4c8c61b550d5ff2e0842",
  `local lock = redis.call('GET', KEYS[3])
if lock then return {'locked', cjson.decode(lock).tx} end
local current = redis.call('GET', KEYS[1])
if ARGV[4] == 'create' then
  if current then return {'exists'} end
else
  if not current then return {'missing'} end
  local version = tostring(cjson.decode(current).version)
  if version ~= ARGV[5] then return {'stale', version} end
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('PUBLISH', ARGV[6], ARGV[7])
return {'ok'}`,
);

/** KEYS: goal, index, goal lock. ARGV: id, expected version, channel, message. */
export const deleteGoalScript = new LuaScript(
  "delete_goal",
  "045454944aea8fcdde12a6aaf2a785fb6d506ab4",
  `local lock = redis.call('GET', KEYS[3])
if lock then return {'locked', cjson.decode(lock).tx} end
local current = redis.call('GET', KEYS[1])
if not current then return {'missing'} end
local version = tostring(cjson.decode(current).version)
if version ~= ARGV[2] then return {'stale', version} end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return {'ok'}`,
);

/**
 * Prepares one goal op of a transaction: validates it and locks the goal, atomically.
 * KEYS: goal, goal lock, tx locks, leases. ARGV: kind, lock record JSON, tx id, lease end ms,
 * expected version ('' for create). Returns {'ok'} | {'locked', tx} | {'exists'} | {'missing'} | {'stale'}.
 */
export const prepareGoalScript = new LuaScript(
  "prepare_goal",
  "1c7b1f28b36844665d7da2def717e8b27403e6fc",
  `local lock = redis.call('GET', KEYS[2])
if lock then return {'locked', cjson.decode(lock).tx} end
local current = redis.call('GET', KEYS[1])
if ARGV[1] == 'create' then
  if current then return {'exists'} end
else
  if not current then return {'missing'} end
  if tostring(cjson.decode(current).version) ~= ARGV[5] then return {'stale'} end
end
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], KEYS[2])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[3])
return {'ok'}`,
);

/**
 * Applies a committed transaction's goal ops; idempotent. KEYS: tx locks, leases, index.
 * ARGV: tx id, key prefix, channel, team, member, now.
 */
export const applyGoalLocksScript = new LuaScript(
  "apply_goal_locks",
  "8eaf3facb9c2e1c3977e2ea0d21501e7043d4959",
  `local prefix, count = ARGV[2], 0
for _, lockKey in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local raw = redis.call('GET', lockKey)
  if raw then
    local lock = cjson.decode(raw)
    if lock.tx == ARGV[1] then
      local goalKey = prefix .. 'goal:' .. lock.goal_id
      local head = '{"type":"goal.' .. lock.change .. '","team":' .. cjson.encode(ARGV[4]) .. ',"id":' .. cjson.encode(lock.goal_id) .. ',"by":' .. cjson.encode(ARGV[5]) .. ',"at":' .. cjson.encode(ARGV[6]) .. ',"tx":' .. cjson.encode(ARGV[1])
      if lock.kind == 'delete' then
        redis.call('DEL', goalKey)
        redis.call('ZREM', KEYS[3], lock.goal_id)
        redis.call('PUBLISH', ARGV[3], head .. '}')
      else
        redis.call('SET', goalKey, lock.goal)
        redis.call('ZADD', KEYS[3], lock.created_ms, lock.goal_id)
        redis.call('PUBLISH', ARGV[3], head .. ',"goal":' .. lock.goal .. '}')
      end
      redis.call('DEL', lockKey)
      count = count + 1
    end
  end
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return count`,
);

/** Releases an aborted transaction's goal locks; idempotent. KEYS: tx locks, leases. ARGV: tx id. */
export const releaseGoalLocksScript = new LuaScript(
  "release_goal_locks",
  "475d821016ff2e6edfcac0a210c4402d2268c025",
  `local count = 0
for _, lockKey in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local raw = redis.call('GET', lockKey)
  if raw and cjson.decode(raw).tx == ARGV[1] then
    redis.call('DEL', lockKey)
    count = count + 1
  end
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return count`,
);
