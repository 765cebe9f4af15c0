/**
 * Focus figures from recorded rounds: per day (UTC, by the round's end), member or goal, and for
 * all of them together. Pure: rounds in, figures out (the route reads the rounds).
 */
import type { FocusRound, FocusStatsBucket } from "../../shared/focus.ts";

export type GroupBy = "day" | "member" | "goal";

const DAY_MS = 86_400_000;

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
  const ordered = [...groups.keys()].sort((x, y) => (x === null ? 1 : y === null ? -1 : x < y ? -1 : x > y ? 1 : 0));
  return { total: bucket(null, rounds, lastDay), groups: ordered.map((key) => bucket(key, groups.get(key)!, lastDay)) };
}

function keysOf(round: FocusRound, groupBy: GroupBy): (string | null)[] {
  if (groupBy === "day") return [dayOf(round.ended_at)];
  if (groupBy === "goal") return [round.goal];
  return [...new Set(round.members)];
}

function bucket(key: string | null, rounds: readonly FocusRound[], lastDay: string): FocusStatsBucket {
  const focusMs = rounds.reduce((sum, r) => sum + r.actual_ms, 0);
  const completed = rounds.filter((r) => r.ended === "completed");
  const days = new Set(completed.map((r) => dayOf(r.ended_at)));
  return {
    key,
    rounds: rounds.length,
    rounds_completed: completed.length,
    focus_ms: focusMs,
    focus_minutes: Math.round(focusMs / 600) / 100,
    longest_streak_days: longestStreak(days),
    current_streak_days: currentStreak(days, lastDay),
  };
}

function longestStreak(days: ReadonlySet<string>): number {
  let longest = 0;
  for (const day of days) {
    if (days.has(dayOf(Date.parse(day) - DAY_MS))) continue; // not the start of a run
    let length = 1;
    while (days.has(dayOf(Date.parse(day) + length * DAY_MS))) length++;
    longest = Math.max(longest, length);
  }
  return longest;
}

function currentStreak(days: ReadonlySet<string>, lastDay: string): number {
  let at = Date.parse(lastDay);
  if (!days.has(lastDay)) at -= DAY_MS;
  let length = 0;
  while (days.has(dayOf(at - length * DAY_MS))) length++;
  return length;
}
