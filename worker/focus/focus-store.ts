/**
 * Where focus history lives: in the team's slot of the main store, each round once under its id
 * (a hash: id → round JSON) and indexed by end time (a sorted set), written in the same script as
 * the timer change that ended it, so a round is recorded if and only if that change is stored, and
 * a round already there (a retried change, a second master's report of it) is never written again.
 * The same step adds the round to its day's totals (focus-days.ts), so stats never read the rounds.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import type { FocusRound } from "../../shared/focus.ts";
import { EMIT_LUA, FEED_LOCALS_LUA, FEED_REPLY_LUA, feedKeys, numbered, type FeedEntry } from "../live/feed.ts";
import { LuaScript } from "../storage/lua-script.ts";
import { roundDayFields, roundTotals } from "./focus-days.ts";

export const FOCUS_CHANNEL = "focus";

export const focusKeys = (team: string) => ({
  rounds: `gs:{${team}}:focus:rounds`,
  byEnd: `gs:{${team}}:focus:by-end`,
  /** Per-day totals (focus-days.ts), kept with the rounds once `daysVersion` holds FOCUS_DAYS_VERSION. */
  days: `gs:{${team}}:focus:days`,
  daysVersion: `gs:{${team}}:focus:days-version`,
});

/**
 * The form of the per-day totals. A team whose version key is missing (rounds recorded before the
 * totals existed) or older has its totals rebuilt from the rounds on the next stats read
 * (focus-days-store.ts); until then rounds are recorded without them. A change of what the totals
 * hold bumps this, and every team rebuilds once.
 */
export const FOCUS_DAYS_VERSION = "1";

/**
 * KEYS: timer, rounds hash, by-end zset, days hash, days version, feed stream, feed seq. ARGV:
 * record JSON ('' leaves the timer as it is), timer channel, timer message, focus channel, days
 * version, then per round id, end ms, round JSON, focus.completed message, completed (0/1), focus ms,
 * n, the n day fields it adds to; last '1'. Each new round goes out as focus.completed, then the
 * timer change, and adds to its day's totals if they are kept. Returns {'ok', n, the n ids newly
 * recorded..., seq...}.
 */
export const putTimerAndRoundsScript = new LuaScript(
  "put_timer_and_rounds",
  "0bf2a260c84f914342fda54382907ff741742eda",
  `${FEED_LOCALS_LUA}${EMIT_LUA}${FEED_REPLY_LUA}local keep_days = redis.call('GET', KEYS[5]) == ARGV[5]
local function add_to_day(field, completed, ms)
  local rounds, done, total = 0, 0, 0
  local raw = redis.call('HGET', KEYS[4], field)
  if raw then
    local r, c, m = string.match(raw, '^(%d+) (%d+) (%d+)$')
    if r then rounds, done, total = tonumber(r), tonumber(c), tonumber(m) end
  end
  redis.call('HSET', KEYS[4], field, string.format('%.0f %.0f %.0f', rounds + 1, done + completed, total + ms))
end
local recorded = {}
local i = 6
while i < #ARGV do
  local fields = tonumber(ARGV[i + 6])
  if redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 2]) == 1 then
    redis.call('ZADD', KEYS[3], ARGV[i + 1], ARGV[i])
    if keep_days then
      for k = 1, fields do add_to_day(ARGV[i + 6 + k], tonumber(ARGV[i + 4]), tonumber(ARGV[i + 5])) end
    end
    emit(ARGV[4], ARGV[i + 3])
    table.insert(recorded, ARGV[i])
  end
  i = i + 7 + fields
end
if ARGV[1] ~= '' then
  redis.call('SET', KEYS[1], ARGV[1])
  emit(ARGV[2], ARGV[3])
end
local head = {'ok', #recorded}
for _, id in ipairs(recorded) do table.insert(head, id) end
return feed_reply(head)`,
);

export interface TimerWrite {
  readonly key: string;
  readonly recordJson: string;
  readonly channel: string;
  readonly message: string;
}

/** Records `rounds` (those already there are skipped) and, if given, the timer change, in one step; answers the feed entries written, in order. */
export async function putTimerAndRounds(redis: Redis, team: string, timer: TimerWrite | null, rounds: readonly FocusRound[]): Promise<{ recorded: number; entries: FeedEntry[] }> {
  const feed = feedKeys(team);
  const keys = focusKeys(team);
  const args: string[] = [timer?.recordJson ?? "", timer?.channel ?? "", timer?.message ?? "", FOCUS_CHANNEL, FOCUS_DAYS_VERSION];
  for (const round of rounds) {
    const totals = roundTotals(round);
    const fields = roundDayFields(round);
    args.push(round.id, String(Date.parse(round.ended_at)), JSON.stringify(round), focusCompletedMessage(round), String(totals.completed), String(totals.focusMs), String(fields.length), ...fields);
  }
  args.push("1");
  const reply = (await putTimerAndRoundsScript.run(redis, [timer?.key ?? keys.rounds, keys.rounds, keys.byEnd, keys.days, keys.daysVersion, feed.stream, feed.seq], args)) as unknown[];
  const count = Number(reply[1]);
  const newIds = reply.slice(2, 2 + count).map(String);
  const seqs = reply.slice(2 + count).map(Number);
  const byId = new Map(rounds.map((round) => [round.id, round]));
  // In the script's order: the new rounds' focus.completed, then the timer change.
  const texts = [...newIds.map((id) => focusCompletedMessage(byId.get(id)!)), ...(timer === null ? [] : [timer.message])];
  return { recorded: count, entries: seqs.map((seq, i) => ({ seq, text: numbered(seq, texts[i]!) })) };
}

export function focusCompletedMessage(round: FocusRound): string {
  return JSON.stringify({ type: "focus.completed", team: round.team, at: round.ended_at, by: round.recorded_by, round });
}
