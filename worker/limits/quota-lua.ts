/**
 * Lua: `quota_refusal(index, limit, name, pending)`, the per-team quota check of a create script,
 * run in the same atomic step as the write, so concurrent creates cannot overshoot. `index` is the
 * sorted set that lists the team's records (its ZCARD is their number; a delete's ZREM frees the
 * place); `limit` is the quota as text, '' when it is off; `pending` (text, optional) counts creates
 * already prepared by the same transaction, which are not in the index yet. Returns the script's
 * reply {'quota_exceeded', name, limit} when the team has no room left, else nil.
 */
export const QUOTA_LUA = `local function quota_refusal(index, limit, name, pending)
  if limit == '' then return nil end
  if redis.call('ZCARD', index) + tonumber(pending or '0') >= tonumber(limit) then return {'quota_exceeded', name, limit} end
  return nil
end
`;

/** A quota as a script argument: '' when it is off. */
export function quotaArg(limit: number | null): string {
  return limit === null ? "" : String(limit);
}
