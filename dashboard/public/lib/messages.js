// @ts-check
/**
 * What the page says when the API refuses something. The worker's errors are
 * `{"error": {"code", "message", "details"?}}`; most messages are already written for people, but
 * a refused booking deserves more: which event the slot collides with, by title and time.
 *
 * No DOM here.
 *
 * @typedef {import("./types.js").ApiErrorInfo} ApiErrorInfo
 * @typedef {{ id: string, title?: string, starts_at: string, ends_at: string }} SlotConflict
 * @typedef {{ locale?: string, timeZone?: string }} TimeFormat
 */

/** The id the worker puts on a slot that another member's transaction holds. */
export const HELD_BY_TRANSACTION = "(held by a transaction in progress)";

/**
 * "Mon 24 Nov, 10:00–11:00", or with both dates when the range crosses midnight.
 * @param {string} startsAt ISO instant
 * @param {string} endsAt ISO instant
 * @param {TimeFormat} [format] defaults to the browser's locale and time zone
 */
export function formatTimeRange(startsAt, endsAt, format = {}) {
  const start = new Date(startsAt), end = new Date(endsAt);
  const day = cachedFormat(format.locale, format.timeZone, "day", { weekday: "short", day: "numeric", month: "short" });
  const time = timeFormat(format.timeZone, format.locale);
  const sameDay = day.format(start) === day.format(new Date(end.getTime() - 1));
  return sameDay
    ? `${day.format(start)}, ${time.format(start)}–${time.format(end)}`
    : `${day.format(start)}, ${time.format(start)} – ${day.format(end)}, ${time.format(end)}`;
}

/** @type {Map<string, Intl.DateTimeFormat>} a week of 300 events formats 600 times: formatters are dear to make */
const formats = new Map();

/** @param {string | undefined} locale @param {string | undefined} timeZone @param {string} name @param {Intl.DateTimeFormatOptions} options */
function cachedFormat(locale, timeZone, name, options) {
  const key = `${locale ?? ""}|${timeZone ?? ""}|${name}`;
  let format = formats.get(key);
  if (format === undefined) formats.set(key, (format = new Intl.DateTimeFormat(locale, { ...options, timeZone })));
  return format;
}

/** "09:30" in `timeZone` (the browser's when undefined), 24-hour. @param {string} [timeZone] @param {string} [locale] */
export function timeFormat(timeZone, locale) {
  return cachedFormat(locale, timeZone, "time", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}

/** The conflicts of a 409 time_slot_taken, or an empty list when `error` is something else. */
export function slotConflicts(/** @type {ApiErrorInfo | null | undefined} */ error) {
  if (error?.code !== "time_slot_taken") return [];
  const details = /** @type {{ conflicts?: unknown } | undefined} */ (error.details);
  if (!Array.isArray(details?.conflicts)) return [];
  return /** @type {SlotConflict[]} */ (details.conflicts.filter((c) => typeof c?.id === "string" && typeof c?.starts_at === "string" && typeof c?.ends_at === "string"));
}

/**
 * Why a booking was refused, naming what it collides with:
 * `That time is taken: it overlaps “Design review” (Mon 24 Nov, 10:00–11:00).`
 * @param {ApiErrorInfo} error a 409 time_slot_taken
 * @param {TimeFormat} [format]
 */
export function conflictMessage(error, format = {}) {
  const conflicts = slotConflicts(error);
  if (conflicts.length === 0) return `That time is taken: ${error.message}`;
  const names = conflicts.map((conflict) => {
    const when = formatTimeRange(conflict.starts_at, conflict.ends_at, format);
    if (conflict.id === HELD_BY_TRANSACTION) return `a slot held by a transaction in progress (${when})`;
    return `“${conflict.title ?? conflict.id}” (${when})`;
  });
  return `That time is taken: it overlaps ${joinAnd(names)}.`;
}

/** "a", "a and b", "a, b and c". */
export function joinAnd(/** @type {string[]} */ items) {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/**
 * Any refusal as one sentence for the page. `what` names the thing acted on ("the event").
 * @param {ApiErrorInfo} error
 * @param {{ what?: string, format?: TimeFormat }} [context]
 */
export function describeError(error, context = {}) {
  const what = context.what ?? "it";
  switch (error.code) {
    case "time_slot_taken":
      return conflictMessage(error, context.format);
    case "precondition_failed":
      return `Someone changed ${what} meanwhile. The latest version is shown now; check it and try again.`;
    case "not_found":
      return `${capitalize(what)} no longer exists; someone may have deleted it.`;
    case "unauthorized":
      return "This team needs a token. Enter yours to continue.";
    case "network":
      return "The server cannot be reached. Check the connection; nothing was changed.";
    case "dependency_unavailable":
      return "The server's storage is unavailable right now; nothing was changed. Try again in a moment.";
    case "outcome_unknown":
      return `The server's storage did not answer in time, so ${what} may or may not have been saved. Check before trying again: changes that landed show up here.`;
    case "lock_conflict":
      return `${capitalize(what)} is part of a transaction in progress; try again in a moment.`;
    default:
      return error.message || `The request failed (${error.code}).`;
  }
}

function capitalize(/** @type {string} */ text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
