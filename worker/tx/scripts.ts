import { LuaScript } from "../storage/lua-script.ts";
import { RECORD_FIELD_LUA } from "../storage/record-field-lua.ts";

/**
 * Compare-and-set of a JSON record on its `version` field. KEYS: record. ARGV: expected version
 * ('' = must not exist), new JSON, seconds to keep it (0 = forever). Returns 'ok' | 'stale'.
 */
export const putRecordScript = new LuaScript(
  "put_record",
  "2017984adf9f34b4ceff11f79259a21933219032",
  `${RECORD_FIELD_LUA}local current = redis.call('GET', KEYS[1])
if ARGV[1] == '' then
  if current then return 'stale' end
elseif not current or tostring(record_field(current, 'version')) ~= ARGV[1] then
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
