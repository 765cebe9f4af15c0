import { LuaScript } from "../storage/lua-script.ts";

/**
 * Compare-and-set of one goal. KEYS: goal, index.
 * ARGV: id, record JSON, created_at ms, mode (create|update), expected version, channel, message.
 * Returns {'ok'} | {'exists'} | {'missing'} | {'stale', version}.
 */
export const putGoalScript = new LuaScript(
  "put_goal",
  "02cc6d056de0085636b167852ca0985f1edd4949",
  `local current = redis.call('GET', KEYS[1])
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

/** KEYS: goal, index. ARGV: id, expected version, channel, message. */
export const deleteGoalScript = new LuaScript(
  "delete_goal",
  "c3f9a68dd783742ff7562110527c45fe3c16548c",
  `local current = redis.call('GET', KEYS[1])
if not current then return {'missing'} end
local version = tostring(cjson.decode(current).version)
if version ~= ARGV[2] then return {'stale', version} end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return {'ok'}`,
);
