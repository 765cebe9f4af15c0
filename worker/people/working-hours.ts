import { localToUtc, utcToLocal } from "../calendar/recurrence/zone-time.ts";
import type { WeeklyHours, Weekday } from "../../shared/people.ts";
import { clipIntervals, mergeIntervals, type Interval } from "./intervals.ts";

const DAY_MS = 86_400_000;
/** Date.getUTCDay's numbering (0 is Sunday) for RFC 5545's day names. */
const DAY_NUMBER: Record<Weekday, number> = { SU: 0, MO: 1, TU: 2, WE: 3, TH: 4, FR: 5, SA: 6 };

/** "09:30" -> ms after midnight; "24:00" is the end of the day. */
export function clockMs(text: string): number {
  const [hours, minutes] = text.split(":").map(Number);
  return (hours! * 60 + minutes!) * 60_000;
}

/**
 * A weekly pattern's working time inside [from, to), as UTC instants: each period on each of its
 * days, on the wall clock of the pattern's zone (09:00 stays 09:00 across DST). A wall-clock time
 * the clocks skip or repeat is read as zone-time.ts reads it (RFC 5545's rule), and a period the
 * change leaves empty is dropped.
 */
export function workingIntervals(hours: WeeklyHours, from: number, to: number): Interval[] {
  if (to <= from) return [];
  const zone = hours.time_zone;
  // Local days covering the window, a day either side for zones far from UTC.
  const firstDay = Math.floor(utcToLocal(zone, from) / DAY_MS) - 1;
  const lastDay = Math.floor(utcToLocal(zone, to) / DAY_MS) + 1;
  const periods = hours.weekly.map((p) => ({ days: new Set(p.days.map((d) => DAY_NUMBER[d])), start: clockMs(p.start), end: clockMs(p.end) }));
  const found: Interval[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const midnight = day * DAY_MS;
    const weekday = new Date(midnight).getUTCDay();
    for (const period of periods) {
      if (!period.days.has(weekday)) continue;
      found.push({ start: localToUtc(zone, midnight + period.start), end: localToUtc(zone, midnight + period.end) });
    }
  }
  return clipIntervals(mergeIntervals(found), from, to);
}
