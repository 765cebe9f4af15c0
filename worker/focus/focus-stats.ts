/**
 * Focus figures from recorded rounds: per day (UTC, by the round's end), member or goal, and for
 * all of them together. Pure: rounds in, figures out. The route reads per-day totals instead
 * (focus-days.ts); this is the definition they are checked against.
 */
import type { FocusRound, FocusStatsBucket } from "../../shared/focus.ts";

export type GroupBy = "day" | "member" | "goal";

export const DAY_MS = 86_400_000;

export function dayOf(instant: string | number): string {
  return new Date(typeof instant === "number" ? instant : Date.parse(instant)).toISOString().slice(0, 10);
}

/**
 * `lastDay` (YYYY-MM-DD) is where a current streak is counted back from: a streak is a run of days
 * each with a completed round; the current one ends on lastDay, or the day before while lastDay has none yet.
 */
export function focusStats(rounds: readonly FocusRound[], groupBy: GroupBy, lastDay: string): { total: FocusStatsBucket; groups: FocusStatsBucket[] } {
  const groups = new Map<string | null, FocusRound[]>();
  for (const round of rounds) for (const key of keysOf(round, groupBy)) groups.set(key, [...(groups.get(key) ?? []), round]);
  return { total: bucket(null, rounds, lastDay), groups: orderKeys([...groups.keys()]).map((key) => bucket(key, groups.get(key)!, lastDay)) };
}

/** Groups in key order, the null key (rounds with no goal) last. */
export function orderKeys(keys: (string | null)[]): (string | null)[] {
  return keys.sort((x, y) => (x === null ? 1 : y === null ? -1 : x < y ? -1 : x > y ? 1 : 0));
}

function keysOf(round: FocusRound, groupBy: GroupBy): (string | null)[] {
  if (groupBy === "day") return [dayOf(round.ended_at)];
  if (groupBy === "goal") return [round.goal];
  return [...new Set(round.members)];
}

function bucket(key: string | null, rounds: readonly FocusRound[], lastDay: string): FocusStatsBucket {
  const focusMs = rounds.reduce((sum, r) => sum + r.actual_ms, 0);
  const completed = rounds.filter((r) => r.ended === "completed");
  return bucketOf(key, rounds.length, completed.length, focusMs, new Set(completed.map((r) => dayOf(r.ended_at))), lastDay);
}

/** A bucket's figures from its sums and the days (YYYY-MM-DD) on which it has a completed round. */
export function bucketOf(key: string | null, rounds: number, completed: number, focusMs: number, completedDays: Iterable<string>, lastDay: string): FocusStatsBucket {
  // Days as whole numbers since the epoch: a neighbour is one off, not a date to format.
  const numbers = new Set<number>();
  for (const day of completedDays) numbers.add(Date.parse(day) / DAY_MS);
  return {
    key,
    rounds,
    rounds_completed: completed,
    focus_ms: focusMs,
    focus_minutes: Math.round(focusMs / 600) / 100,
    longest_streak_days: longestStreak(numbers),
    current_streak_days: currentStreak(numbers, Date.parse(lastDay) / DAY_MS),
  };
}

function longestStreak(days: ReadonlySet<number>): number {
  let longest = 0;
  for (const day of days) {
    if (days.has(day - 1)) continue; // not the start of a run
    let length = 1;
    while (days.has(day + length)) length++;
    longest = Math.max(longest, length);
  }
  return longest;
}

function currentStreak(days: ReadonlySet<number>, lastDay: number): number {
  const end = days.has(lastDay) ? lastDay : lastDay - 1;
  let length = 0;
  while (days.has(end - length)) length++;
  return length;
}
