import { LuaScript } from "../storage/lua-script.ts";

/**
 * The overlap check and the write in one atomic step.
 * KEYS: event, target cal start, target cal end, team start, previous cal start, previous cal end,
 *       team max length
 * ARGV: id, record JSON, start ms, end ms, mode (create|update), expected version ('' for create),
 *       max conflicts to report, channel, message
 * Returns {'ok'} | {'exists'} | {'missing'} | {'stale', version} | {'conflict', id, json, id, json, ...}
 *
 * Entries on one calendar never overlap, so sorted by start they are also sorted by end: the only
 * entry starting before the new start that can overlap is the last one, and every entry starting
 * inside [start, end) overlaps. Two range reads, whatever the calendar's size.
 */
export const putEventScript = new LuaScript(
  "put_event",
  "4e61c971dc2918b89b15e43c54f467107712eeef",
  `local id = ARGV[1]
local current = redis.call('GET', KEYS[1])
if ARGV[5] == 'create' then
  if current then return {'exists'} end
else
  if not current then return {'missing'} end
  local version = tostring(cjson.decode(current).version)
  if version ~= ARGV[6] then return {'stale', version} end
end
local s, e, max = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[7])
local conflicts = {}
local before = redis.call('ZREVRANGEBYSCORE', KEYS[2], '(' .. ARGV[3], '-inf', 'LIMIT', 0, 1)
if before[1] and before[1] ~= id and tonumber(redis.call('ZSCORE', KEYS[3], before[1])) > s then
  table.insert(conflicts, before[1])
end
local inside = redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[3], '(' .. ARGV[4], 'LIMIT', 0, max + 1)
for _, other in ipairs(inside) do
  if other ~= id and #conflicts < max then table.insert(conflicts, other) end
end
if #conflicts > 0 then
  local reply = {'conflict'}
  for _, other in ipairs(conflicts) do
    table.insert(reply, other)
    table.insert(reply, redis.call('GET', string.sub(KEYS[1], 1, #KEYS[1] - #id) .. other) or '')
  end
  return reply
end
if KEYS[5] ~= KEYS[2] then
  redis.call('ZREM', KEYS[5], id)
  redis.call('ZREM', KEYS[6], id)
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], s, id)
redis.call('ZADD', KEYS[3], e, id)
redis.call('ZADD', KEYS[4], s, id)
if e - s > tonumber(redis.call('GET', KEYS[7]) or '0') then redis.call('SET', KEYS[7], e - s) end
redis.call('PUBLISH', ARGV[8], ARGV[9])
return {'ok'}`,
);

/**
 * KEYS: event, cal start, cal end, team start. ARGV: id, expected version, channel, message.
 * Returns {'ok'} | {'missing'} | {'stale', version}. The slot is free the moment this returns.
 */
export const deleteEventScript = new LuaScript(
  "delete_event",
  "413fd306df7ea30059ade2b89041a257716608d2",
  `local current = redis.call('GET', KEYS[1])
if not current then return {'missing'} end
local version = tostring(cjson.decode(current).version)
if version ~= ARGV[2] then return {'stale', version} end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return {'ok'}`,
);
