import { LuaScript } from "../storage/lua-script.ts";
import { EMIT_LUA, FEED_LOCALS_LUA, FEED_REPLY_LUA } from "./feed.ts";

/**
 * Stores the team timer and announces it in one step, so the feed and the state never disagree.
 * KEYS: timer, feed stream, feed seq. ARGV: record JSON, channel, message, '1'. Returns {'ok', seq}.
 * Only the team's hub writes it (one Durable Object per team), so no compare-and-set is needed.
 */
export const putTimerScript = new LuaScript(
  "put_timer",
  "34161b4c90fd36d02cec51d89d9897a90931a8ed",
  `${FEED_LOCALS_LUA}${EMIT_LUA}${FEED_REPLY_LUA}redis.call('SET', KEYS[1], ARGV[1])
emit(ARGV[2], ARGV[3])
return feed_reply({'ok'})`,
);
