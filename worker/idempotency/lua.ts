import { IDEMPOTENCY_TTL_SECONDS } from "./keys.ts";

/**
 * Lua for a write script guarded by an Idempotency-Key. `key` is the key's record (from the
 * script's KEYS), `fp` the request's fingerprint ('' without a key), `answer` the answer to store
 * (JSON with the fingerprint in it):
 *   idem_seen(key, fp)                first thing: nil (go on), {'idem_replay', record} (same
 *                                     request seen: answer it again, change nothing) or
 *                                     {'idem_reused'} (the key was used for another body)
 *   idem_remember(key, fp, answer)    in the same step as the change: stores `answer` for 24 h
 */
export const IDEM_LUA = `local function idem_seen(key, fp)
  if fp == '' then return nil end
  local raw = redis.call('GET', key)
  if not raw then return nil end
  local ok, record = pcall(cjson.decode, raw)
  if ok and type(record) == 'table' and record.fingerprint == fp and record.status then return {'idem_replay', raw} end
  return {'idem_reused'}
end
local function idem_remember(key, fp, answer)
  if fp ~= '' then redis.call('SET', key, answer, 'EX', ${IDEMPOTENCY_TTL_SECONDS}) end
end
`;
