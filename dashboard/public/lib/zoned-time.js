// @ts-check
/**
 * Wall-clock time in a named IANA time zone, for any zone (not only the browser's): the calendar
 * shows days and hours in the zone the member picked, while the API speaks UTC instants.
 *
 * A day is a *day number*: whole days since 1970-01-01 on the calendar (not an instant), so adding
 * days is plain arithmetic and a DST change never makes a day drift.
 *
 * No DOM here.
 *
 * @typedef {{ year: number, month: number, day: number, hour: number, minute: number, second: number }} WallClock
 *   month 1-12
 */

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** @type {Map<string, Intl.DateTimeFormat>} formatToParts is the only portable zone lookup; formatters are dear, so kept */
const partsFormatters = new Map();

function partsFormatter(/** @type {string} */ zone) {
  let formatter = partsFormatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
    });
    partsFormatters.set(zone, formatter);
  }
  return formatter;
}

/** The zone this browser is in ("Europe/Berlin"), or UTC when it does not say. */
export function browserZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** True when `zone` is an IANA zone this browser knows. @param {string} zone */
export function isKnownZone(zone) {
  try {
    partsFormatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock in `zone` at instant `ms`. @param {number} ms @param {string} zone @returns {WallClock} */
export function wallClock(ms, zone) {
  /** @type {Record<string, number>} */
  const parts = {};
  for (const part of partsFormatter(zone).formatToParts(ms)) if (part.type !== "literal") parts[part.type] = Number(part.value);
  return { year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1, hour: (parts.hour ?? 0) % 24, minute: parts.minute ?? 0, second: parts.second ?? 0 };
}

/** How far `zone`'s wall clock is ahead of UTC at instant `ms`, in ms (Berlin in winter: 3 600 000). */
export function zoneOffsetMs(/** @type {number} */ ms, /** @type {string} */ zone) {
  const wall = wallClock(ms, zone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant a wall-clock time in `zone` names. In the hour a DST change skips, the time after
 * the gap; in the hour it repeats, the first of the two.
 * @param {number} dayNumber @param {number} minute minutes after that day's midnight (may pass 1440) @param {string} zone
 */
export function zonedInstant(dayNumber, minute, zone) {
  const asUtc = dayNumber * DAY_MS + minute * MINUTE_MS;
  // The offsets half a day either side: zones change offset at most once in a day.
  const before = asUtc - zoneOffsetMs(asUtc - DAY_MS / 2, zone);
  const after = asUtc - zoneOffsetMs(asUtc + DAY_MS / 2, zone);
  const valid = [before, after].filter((candidate) => candidate + zoneOffsetMs(candidate, zone) === asUtc);
  // None valid: the time is in a skipped hour, and the offset before the gap moves it past it.
  return valid.length === 0 ? before : Math.min(...valid);
}

/** The day number of a calendar date. @param {number} year @param {number} month 1-12 @param {number} day */
export function dayNumberOf(year, month, day) {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

/** Which day (number) and minute of it instant `ms` falls on in `zone`. @param {number} ms @param {string} zone */
export function dayAndMinute(ms, zone) {
  const wall = wallClock(ms, zone);
  return { dayNumber: dayNumberOf(wall.year, wall.month, wall.day), minute: wall.hour * 60 + wall.minute + wall.second / 60 };
}

/** The calendar date of a day number, as a Date at UTC midnight (format it with timeZone "UTC"). @param {number} dayNumber */
export function dayDate(dayNumber) {
  return new Date(dayNumber * DAY_MS);
}

/** 0 = Monday … 6 = Sunday. @param {number} dayNumber */
export function weekdayOf(dayNumber) {
  // 1970-01-01 was a Thursday (3 counted from Monday).
  return (((dayNumber + 3) % 7) + 7) % 7;
}

/** "UTC+1", "UTC−3:30", "UTC" at instant `ms`. @param {number} ms @param {string} zone */
export function offsetLabel(ms, zone) {
  const minutes = Math.round(zoneOffsetMs(ms, zone) / MINUTE_MS);
  if (minutes === 0) return "UTC";
  const sign = minutes > 0 ? "+" : "−";
  const abs = Math.abs(minutes);
  const hours = Math.floor(abs / 60), rest = abs % 60;
  return `UTC${sign}${hours}${rest === 0 ? "" : `:${String(rest).padStart(2, "0")}`}`;
}
