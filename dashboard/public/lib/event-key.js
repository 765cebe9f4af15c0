// @ts-check
/**
 * Which entry of the calendar an event is. Every occurrence of a series in `GET /events` has the
 * series' id as its `id` (each with its own `occurrence_start`), so the id alone would keep only one
 * occurrence of a week; a single event is its id.
 *
 * @typedef {import("./types.js").CalendarEvent} CalendarEvent
 */

/** @param {Pick<CalendarEvent, "id" | "occurrence_start">} event */
export function eventKey(event) {
  return event.occurrence_start === undefined ? event.id : `${event.id}@${Date.parse(event.occurrence_start)}`;
}

/** A series' own record (its `recurrence` lines) or one of its occurrences. @param {CalendarEvent} event */
export function isSeries(event) {
  return event.recurrence !== undefined || event.series_id !== undefined;
}
