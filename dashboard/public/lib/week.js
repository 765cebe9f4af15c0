// @ts-check
/**
 * The week view's geometry: which days a week has, and where each event sits in them. Days and
 * hours are wall-clock time in the zone the member chose (by default the browser's); events are UTC
 * instants from the API. Days are day numbers (lib/zoned-time.js), so a day with a DST change is
 * still one day, and its midnights come from that zone's rules.
 *
 * No DOM here.
 *
 * @typedef {import("./types.js").CalendarEvent} CalendarEvent
 * @typedef {{
 *   event: CalendarEvent,
 *   day: number,
 *   startMinute: number,
 *   endMinute: number,
 *   continuesBefore: boolean,
 *   continuesAfter: boolean,
 *   column: number,
 *   span: number,
 *   columns: number,
 * }} Placement
 *   One event's piece in one day: minutes from that day's midnight in the zone, and its place among
 *   the events it overlaps (events on different calendars may overlap; one calendar's never do):
 *   left edge at column / columns, width span / columns.
 */
import { packColumns } from "./column-layout.js";
import { dayAndMinute, dayNumberOf, weekdayOf, wallClock, zonedInstant } from "./zoned-time.js";

const MINUTE_MS = 60_000;
export const DAYS_PER_WEEK = 7;
export const MINUTES_PER_DAY = 24 * 60;

/** The day number of the Monday of the week holding instant `ms` in `zone`. Weeks start on Monday (ISO 8601). */
export function startOfWeek(/** @type {number} */ ms, /** @type {string} */ zone) {
  const { dayNumber } = dayAndMinute(ms, zone);
  return dayNumber - weekdayOf(dayNumber);
}

/** The day number of today in `zone`. */
export function today(/** @type {number} */ nowMs, /** @type {string} */ zone) {
  return dayAndMinute(nowMs, zone).dayNumber;
}

/** The window to ask GET /events for: [from, to) as ISO instants, for `dayCount` days from `firstDay`. */
export function dayRange(/** @type {number} */ firstDay, /** @type {number} */ dayCount, /** @type {string} */ zone) {
  return { from: new Date(zonedInstant(firstDay, 0, zone)).toISOString(), to: new Date(zonedInstant(firstDay + dayCount, 0, zone)).toISOString() };
}

/**
 * Where each event falls in the `dayCount` days from `firstDay`. Events outside them are left out;
 * an event across midnight gives one placement per day it touches.
 * @param {Iterable<CalendarEvent>} events
 * @param {number} firstDay day number
 * @param {number} dayCount
 * @param {string} zone
 * @returns {Placement[][]} one list per day, sorted by start
 */
export function layoutDays(events, firstDay, dayCount, zone) {
  const bounds = Array.from({ length: dayCount + 1 }, (_, day) => zonedInstant(firstDay + day, 0, zone));
  const rangeStart = bounds[0] ?? 0, rangeEnd = bounds[dayCount] ?? 0;
  /** @type {Placement[][]} */
  const days = Array.from({ length: dayCount }, () => []);
  for (const event of events) {
    const start = Date.parse(event.starts_at);
    const end = Date.parse(event.ends_at);
    if (!(end > start) || end <= rangeStart || start >= rangeEnd) continue;
    // The first day it touches, from the midnights already known (no time zone lookup per event).
    let firstTouched = 0;
    while (firstTouched < dayCount - 1 && (bounds[firstTouched + 1] ?? Infinity) <= start) firstTouched++;
    for (let day = firstTouched; day < dayCount; day++) {
      const from = bounds[day] ?? 0, to = bounds[day + 1] ?? 0;
      if (start >= to) continue;
      if (end <= from) break;
      days[day]?.push({
        event,
        day,
        startMinute: Math.max(0, (start - from) / MINUTE_MS),
        endMinute: Math.min((to - from) / MINUTE_MS, (end - from) / MINUTE_MS),
        continuesBefore: start < from,
        continuesAfter: end > to,
        column: 0,
        span: 1,
        columns: 1,
      });
    }
  }
  for (const placements of days) {
    placements.sort((a, b) => a.startMinute - b.startMinute || b.endMinute - a.endMinute || a.event.id.localeCompare(b.event.id));
    const slots = packColumns(placements.map((placement) => ({ start: placement.startMinute, end: placement.endMinute, placement })));
    for (const [{ placement }, slot] of slots) Object.assign(placement, slot);
  }
  return days;
}

/** The instant of a slot: `minute` minutes after midnight of day number `day` in `zone`. */
export function slotInstant(/** @type {number} */ day, /** @type {number} */ minute, /** @type {string} */ zone) {
  return zonedInstant(day, minute, zone);
}

/** An instant as a `<input type="datetime-local">` value in `zone`: "2026-11-24T09:30". */
export function toLocalInputValue(/** @type {number} */ ms, /** @type {string} */ zone) {
  const wall = wallClock(ms, zone);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${wall.year}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}`;
}

/** A `datetime-local` value (wall clock in `zone`) as the UTC instant the API wants, or null when empty or invalid. */
export function fromLocalInputValue(/** @type {string} */ value, /** @type {string} */ zone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (match === null) return null;
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0] = match.slice(1).map((part) => Number(part ?? "0"));
  // Date.UTC rolls impossible dates over (Feb 30 → Mar 2); the form should say so instead.
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  const ms = zonedInstant(dayNumberOf(y, mo, d), h * 60 + mi + s / 60, zone);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
