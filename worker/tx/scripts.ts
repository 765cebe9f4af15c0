import { LuaScript } from "../storage/lua-script.ts";

/**
 * Compare-and-set of a JSON record on its `version` field. KEYS: record. ARGV: expected version
 * ('' = must not exist), new JSON, seconds to keep it (0 = forever). Returns 'ok' | 'stale'.
 */
export const putRecordScript = new LuaScript(
  "put_record",
  "51fc433bb9e5fc9ce9287141bb4ef3157b14c62c",
  `local current = redis.call('GET', KEYS[1])
if ARGV[1] == '' then
  if current then return 'stale' end
elseif not current or tostring(cjson.decode(current).version) ~= ARGV[1] then
  return 'stale'
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
