/**
 * Where focus history lives: in the team's slot of the main store, each round once under its id
 * (a hash: id → round JSON) and indexed by end time (a sorted set), written in the same script as
 * the timer change that ended it, so a round is recorded if and only if that change is stored, and
 * a round already there (a retried change, a second master's report of it) is never written again.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import type { FocusRound } from "../../shared/focus.ts";
import { EMIT_LUA, FEED_LOCALS_LUA, FEED_REPLY_LUA, feedKeys, numbered, type FeedEntry } from "../live/feed.ts";
import { LuaScript } from "../storage/lua-script.ts";

export const FOCUS_CHANNEL = "focus";

export const focusKeys = (team: string) => ({ rounds: `gs:{${team}}:focus:rounds`, byEnd: `gs:{${team}}:focus:by-end` });

/**
 * KEYS: timer, rounds hash, by-end zset, feed stream, feed seq. ARGV: record JSON ('' leaves the
 * timer as it is), timer channel, timer message, focus channel, then per round id, end ms, round
 * JSON, focus.completed message; last '1'. Each new round goes out as focus.completed, then the
 * timer change. Returns {'ok', n, the n ids newly recorded..., seq...}.
 */
export const putTimerAndRoundsScript = new LuaScript(
  "put_timer_and_rounds",
  "8edbdc3ccf06562a8e2ba53d755e4713ade0a4b0",
  `${FEED_LOCALS_LUA}${EMIT_LUA}${FEED_REPLY_LUA}local recorded = {}
for i = 5, #ARGV - 1, 4 do
  if redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 2]) == 1 then
    redis.call('ZADD', KEYS[3], ARGV[i + 1], ARGV[i])
    emit(ARGV[4], ARGV[i + 3])
    table.insert(recorded, ARGV[i])
  end
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
  const args: string[] = [timer?.recordJson ?? "", timer?.channel ?? "", timer?.message ?? "", FOCUS_CHANNEL];
  for (const round of rounds) args.push(round.id, String(Date.parse(round.ended_at)), JSON.stringify(round), focusCompletedMessage(round));
  args.push("1");
  const reply = (await putTimerAndRoundsScript.run(redis, [timer?.key ?? keys.rounds, keys.rounds, keys.byEnd, feed.stream, feed.seq], args)) as unknown[];
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
