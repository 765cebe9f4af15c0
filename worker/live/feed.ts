import type { Redis } from "@upstash/redis/cloudflare";
import type { Env } from "../env.ts";
import { LuaScript } from "../storage/lua-script.ts";
import type { Participant } from "../storage/stores.ts";

/**
 * The team feed: every change, numbered 1, 2, 3... per team, in a capped Redis Stream in the main
 * store. Reconnecting clients replay it from their last `seq` (see team-hub.ts); the same messages
 * go out on Redis channels for outside subscribers.
 *
 * When a participant's data lives in the main store (the default), its write scripts append to the
 * feed in the same atomic step as the write, so an acknowledged change is always in the feed.
 * When it has its own Redis, the script hands the messages back and the worker appends them after.
 */

/** Changes kept for replay per team; a client further behind is told to reload. */
export const FEED_MAX_LENGTH = 5000;

export const feedKeys = (team: string) => ({ stream: `gs:{${team}}:feed`, seq: `gs:{${team}}:feed:seq` });

/**
 * Lua: `emit(channel, message)` numbers a JSON object message, appends it to the stream and
 * publishes it, or (feed elsewhere) keeps it in `feed_deferred` for the caller to append.
 * Expects `FEED_STREAM`, `FEED_SEQ` and `FEED_INLINE` to be set by the script that includes it.
 */
export const EMIT_LUA = `local feed_seqs, feed_deferred = {}, {}
local function emit(channel, message)
  if FEED_INLINE ~= '1' then
    table.insert(feed_deferred, channel)
    table.insert(feed_deferred, message)
    return
  end
  local seq = redis.call('INCR', FEED_SEQ)
  local numbered = '{"seq":' .. seq .. ',' .. string.sub(message, 2)
  redis.call('XADD', FEED_STREAM, 'MAXLEN', '~', ${FEED_MAX_LENGTH}, seq .. '-0', 'm', numbered)
  redis.call('PUBLISH', channel, numbered)
  table.insert(feed_seqs, seq)
end
`;

/** The feed's keys and mode as Lua locals: the calling script passes them as its last two KEYS and last ARGV. */
export const FEED_LOCALS_LUA = `local FEED_STREAM, FEED_SEQ, FEED_INLINE = KEYS[#KEYS - 1], KEYS[#KEYS], ARGV[#ARGV]
`;

/**
 * Lua: `feed_reply(head)` appends to a script's reply what became of its changes: their seqs when
 * the feed is inline, else channel/message pairs for the worker to append (see settleChanges).
 */
export const FEED_REPLY_LUA = `local function feed_reply(head)
  local source = feed_seqs
  if FEED_INLINE ~= '1' then source = feed_deferred end
  for _, item in ipairs(source) do table.insert(head, item) end
  return head
end
`;

/** KEYS: stream, seq. ARGV: channel, message, channel, message, ..., '1'. Returns the seqs given. */
export const appendFeedScript = new LuaScript(
  "append_feed",
  "2630c80d553a322b54d936ab5df98451e7117116",
  `${FEED_LOCALS_LUA}${EMIT_LUA}for i = 1, #ARGV - 1, 2 do emit(ARGV[i], ARGV[i + 1]) end
return feed_seqs`,
);

/** A change's message before it is numbered: a JSON object text, and the channel it goes out on. */
export interface PendingChange {
  channel: string;
  message: string;
}

/** A numbered change, as stored in the stream and sent to sockets. */
export interface FeedEntry {
  seq: number;
  text: string;
}

/** Whether a participant's scripts can write the feed in the same step (its Redis is the main one). */
export function feedInline(env: Env, participant: Participant): boolean {
  const own = participant === "calendar" ? env.CALENDAR_REDIS_REST_URL : env.GOALS_REDIS_REST_URL;
  return !own || own === env.UPSTASH_REDIS_REST_URL;
}

/** Inserts the seq the way the Lua does, so the worker can deliver what a script numbered without reading it back. */
export function numbered(seq: number, message: string): string {
  return `{"seq":${seq},${message.slice(1)}`;
}

/** Appends changes to the team's feed in the main store; returns them numbered. */
export async function appendToFeed(redis: Redis, team: string, changes: PendingChange[]): Promise<FeedEntry[]> {
  if (changes.length === 0) return [];
  const k = feedKeys(team);
  const seqs = (await appendFeedScript.run(redis, [k.stream, k.seq], [...changes.flatMap((c) => [c.channel, c.message]), "1"])) as number[];
  return seqs.map((seq, i) => ({ seq: Number(seq), text: numbered(Number(seq), changes[i]!.message) }));
}

/** Entries after `afterSeq`, oldest first, at most `count`. */
export async function readFeed(redis: Redis, team: string, afterSeq: number, count: number): Promise<FeedEntry[]> {
  const raw = (await redis.xrange(feedKeys(team).stream, `(${afterSeq}-0`, "+", count)) as unknown;
  return parseRange(raw);
}

/** The seq of the newest change (0 for a team with none yet). */
export async function latestSeq(redis: Redis, team: string): Promise<number> {
  return Number((await redis.get<string | number>(feedKeys(team).seq)) ?? 0);
}

/** @upstash/redis shapes XRANGE as { id: { field: value } } (or an array of [id, [field, value]] pairs without parsing). */
function parseRange(raw: unknown): FeedEntry[] {
  const entries: FeedEntry[] = [];
  if (Array.isArray(raw)) {
    for (const item of raw as Array<[string, string[]]>) {
      const fields = item[1];
      const at = fields.indexOf("m");
      if (at >= 0) entries.push({ seq: Number(item[0].split("-")[0]), text: String(fields[at + 1]) });
    }
  } else if (raw !== null && typeof raw === "object") {
    for (const [id, fields] of Object.entries(raw as Record<string, Record<string, unknown>>)) {
      const m = fields.m;
      entries.push({ seq: Number(id.split("-")[0]), text: typeof m === "string" ? m : JSON.stringify(m) });
    }
  }
  return entries.sort((a, b) => a.seq - b.seq);
}
