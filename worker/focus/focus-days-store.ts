/**
 * Reading the per-day totals (focus-days.ts), and building them for a team whose rounds were
 * recorded before they existed: the first stats read finds no version key, reads every round once,
 * and stores their totals in one script, but only if no round was recorded meanwhile (the rounds
 * hash only grows, so an unchanged count is an unchanged set). From then on put_timer_and_rounds
 * keeps them up to date in the step that records each round.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import type { FocusRound } from "../../shared/focus.ts";
import { LuaScript } from "../storage/lua-script.ts";
import { daysAsFields, daysFromFields, dayTotalsOf, GOAL_FIELD, MEMBER_FIELD, NO_GOAL_FIELD, TEAM_FIELD, type DaysTotals } from "./focus-days.ts";
import type { GroupBy } from "./focus-stats.ts";
import { FOCUS_DAYS_VERSION, focusKeys } from "./focus-store.ts";

/**
 * KEYS: rounds hash, days hash, days version. ARGV: version, how many rounds the totals count, then
 * field, value pairs. Replaces the totals and sets the version, unless they are current already or
 * the rounds hash no longer holds that many rounds. Returns 'built', 'current' or 'changed'.
 */
export const putFocusDaysScript = new LuaScript(
  "put_focus_days",
  "bc088dc24c6f7e08fd89bd831f3d665843a127e2",
  `if redis.call('GET', KEYS[3]) == ARGV[1] then return 'current' end
if redis.call('HLEN', KEYS[1]) ~= tonumber(ARGV[2]) then return 'changed' end
redis.call('DEL', KEYS[2])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('SET', KEYS[3], ARGV[1])
return 'built'`,
);

/**
 * KEYS: days version, days hash, by-end zset, rounds hash. ARGV: version, first day, last day (as
 * text), the field kinds wanted (e.g. 'tm'), then min, max score pairs of windows whose rounds are
 * wanted too. Returns {'stale'} when the totals are missing or of another version, else {'ok', the
 * wanted fields of the days as a JSON list [field, value, ...], then the windows' round JSON...}:
 * everything a stats read needs in one step and one reply value per round, since the gateway's
 * cost goes by the values a reply holds (a year's fields one by one cost it ~90 ms).
 */
export const readFocusDaysScript = new LuaScript(
  "read_focus_days",
  "5368749ce6f380fe616f8b79d4310c53e811f517",
  `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'stale'} end
local flat = redis.call('HGETALL', KEYS[2])
local kept = {}
for i = 1, #flat, 2 do
  local day = string.sub(flat[i], 1, 10)
  if day >= ARGV[2] and day <= ARGV[3] and string.find(ARGV[4], string.sub(flat[i], 12, 12), 1, true) then
    table.insert(kept, flat[i])
    table.insert(kept, flat[i + 1])
  end
end
local reply = {'ok', '[]'}
if #kept > 0 then reply[2] = cjson.encode(kept) end
for w = 5, #ARGV - 1, 2 do
  local ids = redis.call('ZRANGEBYSCORE', KEYS[3], ARGV[w], ARGV[w + 1])
  for first = 1, #ids, 500 do
    local rounds = redis.call('HMGET', KEYS[4], unpack(ids, first, math.min(first + 499, #ids)))
    for _, raw in ipairs(rounds) do
      if raw then table.insert(reply, raw) end
    end
  end
end
return reply`,
);

/** Tries at building before a stats read gives up on the totals and reads the rounds. */
const BUILD_ATTEMPTS = 3;
const SCAN_COUNT = 1000;

/** The hash field kinds (focus-days.ts) each grouping reads, besides the team's. */
const KINDS: Record<GroupBy, string> = { day: TEAM_FIELD, member: TEAM_FIELD + MEMBER_FIELD, goal: TEAM_FIELD + GOAL_FIELD + NO_GOAL_FIELD };

/** Rounds that ended in [from, to) (epoch ms). */
export interface Window {
  readonly from: number;
  readonly to: number;
}

/**
 * The totals of the days fromDay..toDay (YYYY-MM-DD, inclusive) as `groupBy` needs them, built first
 * if missing, and the rounds that ended in `windows`; null when the totals could not be built
 * (rounds kept arriving as they were counted).
 */
export async function readDays(redis: Redis, team: string, groupBy: GroupBy, fromDay: string, toDay: string, windows: readonly Window[]): Promise<{ days: DaysTotals; rounds: FocusRound[] } | null> {
  const keys = focusKeys(team);
  const args = [FOCUS_DAYS_VERSION, fromDay, toDay, KINDS[groupBy], ...windows.flatMap((w) => [String(w.from), `(${w.to}`])];
  for (let attempt = 0; attempt <= BUILD_ATTEMPTS; attempt++) {
    const reply = (await readFocusDaysScript.run(redis, [keys.daysVersion, keys.days, keys.byEnd, keys.rounds], args)) as string[];
    if (reply[0] === "ok") {
      const rounds = reply.slice(2).map((raw) => JSON.parse(raw) as FocusRound);
      return { days: daysFromFields(pairsOf(JSON.parse(reply[1]!)), fromDay, toDay), rounds };
    }
    if (attempt < BUILD_ATTEMPTS && (await buildDays(redis, team)) === "changed") continue;
  }
  return null;
}

async function buildDays(redis: Redis, team: string): Promise<string> {
  const keys = focusKeys(team);
  const rounds = new Map<string, FocusRound>();
  let cursor = "0";
  do {
    const [next, flat] = (await redis.hscan(keys.rounds, cursor, { count: SCAN_COUNT })) as [string | number, string[]];
    for (const [id, raw] of pairsOf(flat)) rounds.set(id, JSON.parse(raw) as FocusRound);
    cursor = String(next);
  } while (cursor !== "0");
  const fields = Object.entries(daysAsFields(dayTotalsOf(rounds.values()))).flat();
  return String(await putFocusDaysScript.run(redis, [keys.rounds, keys.days, keys.daysVersion], [FOCUS_DAYS_VERSION, rounds.size, ...fields]));
}

/** A hash as field, value pairs: without automatic deserialisation (store-client.ts) HGETALL and HSCAN answer a flat list. */
function pairsOf(reply: unknown): [string, string][] {
  if (Array.isArray(reply)) {
    const pairs: [string, string][] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) pairs.push([String(reply[i]), String(reply[i + 1])]);
    return pairs;
  }
  if (reply !== null && typeof reply === "object") return Object.entries(reply).map(([field, value]) => [field, String(value)]);
  return [];
}
