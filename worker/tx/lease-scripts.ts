import { LuaScript } from "../storage/lua-script.ts";

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
