// @ts-check
/**
 * The focus panel's rules: which windows to ask GET /focus/stats and /focus/sessions for (today and
 * this week in the viewer's zone, not UTC days), the week's day totals as heat levels, and the
 * minutes per goal with the goals' titles.
 *
 * No DOM here.
 *
 * @typedef {import("../../../shared/focus.ts").FocusRound} FocusRound
 * @typedef {import("../../../shared/focus.ts").FocusStatsBucket} FocusStatsBucket
 * @typedef {import("./types.js").Goal} Goal
 * @typedef {{ dayNumber: number, rounds: number, minutes: number, level: number }} HeatDay
 */
import { DAYS_PER_WEEK, dayRange, startOfWeek, today } from "./week.js";
import { dayAndMinute } from "./zoned-time.js";

/** How many shades the heatmap has above "nothing" (levels 1-4). */
export const HEAT_LEVELS = 4;

/** Today [from, to) in `zone`, as ISO instants. @param {number} nowMs @param {string} zone */
export function todayWindow(nowMs, zone) {
  return dayRange(today(nowMs, zone), 1, zone);
}

/** This week (Monday to Monday) in `zone`: its first day number and [from, to). @param {number} nowMs @param {string} zone */
export function weekWindow(nowMs, zone) {
  const firstDay = startOfWeek(nowMs, zone);
  return { firstDay, ...dayRange(firstDay, DAYS_PER_WEEK, zone) };
}

/** Minutes with one decimal, as the API's focus_minutes. @param {number} ms */
export function minutesOf(ms) {
  return Math.round(ms / 6000) / 10;
}

/**
 * The week's rounds per day of their end in `zone` (as the API counts by end), each with its
 * minutes and a heat level: 0 for no rounds, else 1-4 by its share of the busiest day.
 * @param {readonly FocusRound[]} rounds @param {number} firstDay @param {string} zone
 * @returns {HeatDay[]}
 */
export function weekHeat(rounds, firstDay, zone) {
  const days = Array.from({ length: DAYS_PER_WEEK }, (_, i) => ({ dayNumber: firstDay + i, rounds: 0, ms: 0 }));
  for (const round of rounds) {
    const day = days[dayAndMinute(Date.parse(round.ended_at), zone).dayNumber - firstDay];
    if (day === undefined) continue;
    day.rounds++;
    day.ms += round.actual_ms;
  }
  const busiest = Math.max(0, ...days.map((day) => day.ms));
  return days.map(({ dayNumber, rounds: count, ms }) => ({
    dayNumber,
    rounds: count,
    minutes: minutesOf(ms),
    level: count === 0 ? 0 : busiest === 0 ? 1 : Math.max(1, Math.ceil((ms / busiest) * HEAT_LEVELS)),
  }));
}

/**
 * The `group_by=goal` buckets with a title each: the goal's title, "No goal" for rounds with none,
 * the id for a goal the page does not know (deleted since). Most minutes first.
 * @param {readonly FocusStatsBucket[]} groups @param {ReadonlyMap<string, Goal>} goals
 */
export function goalMinutes(groups, goals) {
  return groups
    .map((group) => ({ key: group.key, title: group.key === null ? "No goal" : goals.get(group.key)?.title ?? group.key, minutes: group.focus_minutes, rounds: group.rounds }))
    .sort((a, b) => b.minutes - a.minutes || a.title.localeCompare(b.title));
}

/** "1 round · 25 min", "3 rounds · 75.5 min". @param {number} rounds @param {number} minutes */
export function roundsAndMinutes(rounds, minutes) {
  return `${rounds} ${rounds === 1 ? "round" : "rounds"} · ${new Intl.NumberFormat("en", { maximumFractionDigits: 1 }).format(minutes)} min`;
}
