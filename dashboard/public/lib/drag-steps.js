// @ts-check
/**
 * Dragging and keyboard nudging on the time grid, in 15-minute steps: where a pointer lands, and
 * what a move or a resize makes of an event's times. Pure: the view measures, this decides.
 *
 * No DOM here.
 */

export const STEP_MINUTES = 15;
const MINUTE_MS = 60_000;
const DAY_MINUTES = 24 * 60;

/** The minute of the day a point `offsetPx` below a day's top names, rounded to the nearest step, within the day. */
export function snapMinute(/** @type {number} */ offsetPx, /** @type {number} */ hourHeightPx, step = STEP_MINUTES) {
  const minute = Math.round(((offsetPx / hourHeightPx) * 60) / step) * step;
  return Math.min(DAY_MINUTES, Math.max(0, minute));
}

/** A new booking dragged from `anchor` to `current` (minutes of one day): at least one step long, in either direction. */
export function dragSelection(/** @type {number} */ anchor, /** @type {number} */ current, step = STEP_MINUTES) {
  const start = Math.min(anchor, current), end = Math.max(anchor, current);
  if (end - start >= step) return { startMinute: start, endMinute: end };
  return { startMinute: Math.min(anchor, DAY_MINUTES - step), endMinute: Math.min(anchor, DAY_MINUTES - step) + step };
}

/**
 * An event moved by whole steps (and days): same length, new start.
 * @param {{ starts_at: string, ends_at: string }} event @param {number} deltaMinutes @returns {{ starts_at: string, ends_at: string }}
 */
export function moved(event, deltaMinutes) {
  const delta = Math.round(deltaMinutes / STEP_MINUTES) * STEP_MINUTES * MINUTE_MS;
  return { starts_at: new Date(Date.parse(event.starts_at) + delta).toISOString(), ends_at: new Date(Date.parse(event.ends_at) + delta).toISOString() };
}

/**
 * An event whose end moved by whole steps: never shorter than one step.
 * @param {{ starts_at: string, ends_at: string }} event @param {number} deltaMinutes @returns {{ starts_at: string, ends_at: string }}
 */
export function resized(event, deltaMinutes) {
  const start = Date.parse(event.starts_at);
  const end = Date.parse(event.ends_at) + Math.round(deltaMinutes / STEP_MINUTES) * STEP_MINUTES * MINUTE_MS;
  return { starts_at: event.starts_at, ends_at: new Date(Math.max(end, start + STEP_MINUTES * MINUTE_MS)).toISOString() };
}
