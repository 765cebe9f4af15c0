// @ts-check
/**
 * The calendar's three views and the days each shows: a day; a week, Monday to Sunday; a month,
 * as the six weeks (Monday first) that hold its first day, so every month has the same shape.
 * Days are day numbers (lib/zoned-time.js); the *anchor* is the day the view is about.
 *
 * No DOM here.
 *
 * @typedef {"day" | "week" | "month"} CalendarViewName
 */
import { dayDate, dayNumberOf, weekdayOf } from "./zoned-time.js";

export const VIEWS = /** @type {const} */ (["day", "week", "month"]);
export const MONTH_DAYS = 42;

/** @param {unknown} name @returns {name is CalendarViewName} */
export function isView(name) {
  return typeof name === "string" && /** @type {readonly string[]} */ (VIEWS).includes(name);
}

/** The days a view of `anchor` shows. @param {CalendarViewName} view @param {number} anchor */
export function viewDays(view, anchor) {
  if (view === "day") return { firstDay: anchor, dayCount: 1 };
  if (view === "week") return { firstDay: anchor - weekdayOf(anchor), dayCount: 7 };
  const first = firstOfMonth(anchor);
  return { firstDay: first - weekdayOf(first), dayCount: MONTH_DAYS };
}

/** The anchor one step (a day, a week, a month) before or after. @param {CalendarViewName} view @param {number} anchor @param {1 | -1} direction */
export function stepAnchor(view, anchor, direction) {
  if (view === "day") return anchor + direction;
  if (view === "week") return anchor + 7 * direction;
  const date = dayDate(anchor);
  const month = date.getUTCMonth() + direction;
  // Day of month kept where the other month has it (31 Jan → 28 Feb), so stepping back returns.
  const year = date.getUTCFullYear() + Math.floor(month / 12), monthIndex = ((month % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
  return dayNumberOf(year, monthIndex + 1, Math.min(date.getUTCDate(), lastDay));
}

/** The day number of the 1st of the month holding `day`. @param {number} day */
export function firstOfMonth(day) {
  const date = dayDate(day);
  return dayNumberOf(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

/** True when `day` is in the same month as `anchor`. @param {number} day @param {number} anchor */
export function inMonthOf(day, anchor) {
  return firstOfMonth(day) === firstOfMonth(anchor);
}
