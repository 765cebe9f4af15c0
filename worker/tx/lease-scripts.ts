import { LuaScript } from "../storage/lua-script.ts";

/**
 * Lua: `leave_lease(holds, leases, tx)`, the end of every apply and release script. Each hold it
 * was given is gone from `holds` by then; the lease ends only if no hold is left (one prepared
 * after the worker read them keeps it, for the next round or recovery). Returns the holds left.
 */
export const LEAVE_LEASE_LUA = `local function leave_lease(holds, leases, tx)
  local remaining = redis.call('SCARD', holds)
  if remaining == 0 then redis.call('ZREM', leases, tx) end
  return remaining
end
`;

/**
 * The participant's vote at commit: yes if every hold of the transaction is still in place (none
 * was released by recovery), and the lease is extended to cover applying the decision.
 * KEYS: tx holds, leases. ARGV: tx id, new lease end ms, number of holds expected.
 */
export const voteScript = new LuaScript(
  "vote",
  "2e4ed36b83c90ea5c6aaa536580d47b04f14b0a1",
  `if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 'no' end
if redis.call('SCARD', KEYS[1]) ~= tonumber(ARGV[3]) then return 'no' end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 'yes'`,
);

/** Extends a transaction's lease while it is active. KEYS: leases. ARGV: tx id, lease end ms. */
export const extendLeaseScript = new LuaScript(
  "extend_lease",
  "c326efd5071dad77dcb14486fbe99dedb99f32fc",
  `if redis.call('ZSCORE', KEYS[1], ARGV[1]) then redis.call('ZADD', KEYS[1], 'XX', ARGV[2], ARGV[1]) end
return 'ok'`,
);

/**
 * Drops a team from a store's holding-teams index, unless its score (latest lease end announced)
 * is later than `read at`: then a prepare announced itself after the sweep read the index, and its
 * lease may be about to be written. KEYS: holding teams. ARGV: team, read at ms. Returns 1 if dropped.
 */
export const forgetHoldingTeamScript = new LuaScript(
  "forget_holding_team",
  "5d1c8585eceb451954428127b1ce05356e9296e4",
  `local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) <= tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0`,
);
