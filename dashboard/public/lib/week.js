// @ts-check
/**
 * The week view's geometry: which days a week has, and where each event sits in them. Days are the
 * browser's local days (a member in Berlin sees Berlin's Monday); events are UTC instants from the
 * API. Day boundaries come from local-date arithmetic, so a day with a DST change is still one day.
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
 *   lane: number,
 *   lanes: number,
 * }} Placement
 *   One event's piece in one day: minutes from that day's local midnight, and its lane among the
 *   events it overlaps (events on different calendars may overlap; one calendar's never do).
 */

const MINUTE_MS = 60_000;
export const DAYS_PER_WEEK = 7;
export const MINUTES_PER_DAY = 24 * 60;

/** Local midnight of the Monday of the week holding `date`. Weeks start on Monday (ISO 8601). */
export function startOfWeek(/** @type {Date} */ date) {
  const daysSinceMonday = (date.getDay() + 6) % 7;
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() - daysSinceMonday);
}

/** The same week's Monday moved by `weeks` (negative for earlier weeks). */
export function addWeeks(/** @type {Date} */ weekStart, /** @type {number} */ weeks) {
  return new Date(weekStart.getFullYear(), weekStart.getMonth(), weekStart.getDate() + weeks * DAYS_PER_WEEK);
}

/** Local midnight starting day `day` of the week (day 7 is the midnight that ends the week). */
export function dayStart(/** @type {Date} */ weekStart, /** @type {number} */ day) {
  return new Date(weekStart.getFullYear(), weekStart.getMonth(), weekStart.getDate() + day);
}

/** The local midnights that start each day of the week (7 dates). */
export function weekDays(/** @type {Date} */ weekStart) {
  return Array.from({ length: DAYS_PER_WEEK }, (_, day) => dayStart(weekStart, day));
}

/** The window to ask GET /events for: [from, to) as ISO instants. */
export function weekRange(/** @type {Date} */ weekStart) {
  return { from: weekStart.toISOString(), to: dayStart(weekStart, DAYS_PER_WEEK).toISOString() };
}

/**
 * Where each event of `events` falls in the week starting at `weekStart`. Events outside the week
 * are left out; an event across midnight gives one placement per day it touches.
 * @param {Iterable<CalendarEvent>} events
 * @param {Date} weekStart
 * @returns {Placement[][]} one list per day, sorted by start
 */
export function layoutWeek(events, weekStart) {
  const bounds = Array.from({ length: DAYS_PER_WEEK + 1 }, (_, day) => dayStart(weekStart, day).getTime());
  /** @type {Placement[][]} */
  const days = Array.from({ length: DAYS_PER_WEEK }, () => []);
  for (const event of events) {
    const start = Date.parse(event.starts_at);
    const end = Date.parse(event.ends_at);
    if (!(end > start)) continue;
    days.forEach((placements, day) => {
      const from = bounds[day] ?? 0, to = bounds[day + 1] ?? 0;
      if (end <= from || start >= to) return;
      placements.push({
        event,
        day,
        startMinute: Math.max(0, (start - from) / MINUTE_MS),
        endMinute: Math.min((to - from) / MINUTE_MS, (end - from) / MINUTE_MS),
        continuesBefore: start < from,
        continuesAfter: end > to,
        lane: 0,
        lanes: 1,
      });
    });
  }
  for (const placements of days) {
    placements.sort((a, b) => a.startMinute - b.startMinute || b.endMinute - a.endMinute || a.event.id.localeCompare(b.event.id));
    assignLanes(placements);
  }
  return days;
}

/**
 * Side by side where events overlap: each cluster of overlapping events shares its width among as
 * many lanes as it needs, and each event takes the first lane free at its start.
 * @param {Placement[]} sorted by start
 */
function assignLanes(sorted) {
  /** @type {Placement[]} */
  let cluster = [];
  let clusterEnd = -Infinity;
  /** @type {number[]} */
  let laneEnds = [];
  const closeCluster = () => {
    for (const placement of cluster) placement.lanes = laneEnds.length;
    cluster = [];
    laneEnds = [];
  };
  for (const placement of sorted) {
    if (placement.startMinute >= clusterEnd) closeCluster();
    let lane = laneEnds.findIndex((laneEnd) => laneEnd <= placement.startMinute);
    if (lane === -1) lane = laneEnds.push(0) - 1;
    laneEnds[lane] = placement.endMinute;
    placement.lane = lane;
    cluster.push(placement);
    clusterEnd = cluster.length === 1 ? placement.endMinute : Math.max(clusterEnd, placement.endMinute);
  }
  closeCluster();
}

/** The instant of a slot: local `minute` minutes after midnight of day `day` of the week. */
export function slotInstant(/** @type {Date} */ weekStart, /** @type {number} */ day, /** @type {number} */ minute) {
  return new Date(weekStart.getFullYear(), weekStart.getMonth(), weekStart.getDate() + day, 0, minute);
}

/** A Date as a `<input type="datetime-local">` value in local time: "2026-11-24T09:30". */
export function toLocalInputValue(/** @type {Date} */ date) {
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A `datetime-local` value (local time, no zone) as the UTC instant the API wants, or null when empty or invalid. */
export function fromLocalInputValue(/** @type {string} */ value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (match === null) return null;
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0] = match.slice(1).map((part) => Number(part ?? "0"));
  const date = new Date(y, mo - 1, d, h, mi, s);
  // Date rolls impossible dates over (Feb 30 → Mar 2); the form should say so instead.
  if (date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** True when `date` falls in the week starting at `weekStart`. */
export function isInWeek(/** @type {Date} */ weekStart, /** @type {Date} */ date) {
  return date >= weekStart && date < dayStart(weekStart, DAYS_PER_WEEK);
}
