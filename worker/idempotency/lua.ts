import { IDEMPOTENCY_TTL_SECONDS } from "./keys.ts";

/**
 * Lua for a write script guarded by an Idempotency-Key. The including script sets the locals
 * IDEM_KEY (its key's record, from KEYS), IDEM_FP (the request's fingerprint, '' without a key)
 * and IDEM_ANSWER (the answer to store, JSON with the fingerprint in it) before calling:
 *   idem_seen()      first thing: nil (go on), {'idem_replay', record} (same request seen: answer
 *                    it again, change nothing) or {'idem_reused'} (the key was used for another body)
 *   idem_remember()  in the same step as the change: stores IDEM_ANSWER for 24 h
 */
export const IDEM_LUA = `local function idem_seen()
  if IDEM_FP == '' then return nil end
  local raw = redis.call('GET', IDEM_KEY)
  if not raw then return nil end
  local ok, record = pcall(cjson.decode, raw)
  if ok and type(record) == 'table' and record.fingerprint == IDEM_FP and record.status then return {'idem_replay', raw} end
  return {'idem_reused'}
end
local function idem_remember()
  if IDEM_FP ~= '' then redis.call('SET', IDEM_KEY, IDEM_ANSWER, 'EX', ${IDEMPOTENCY_TTL_SECONDS}) end
end
`;
