/**
 * Wall-clock times in IANA time zones, through Intl (workerd and Node carry the full ICU zone
 * data). A wall-clock time is written as "local ms": Date.UTC of its fields, a number that names
 * no instant until a zone is applied. Nothing here reads the process's own zone (TZ), so results
 * are the same wherever it runs.
 */

const DAY_MS = 86_400_000;

/** IANA names only ("Europe/Berlin", "UTC"); Intl also takes offsets like "+05:00", which are no zone. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's canonical name ("europe/berlin" -> "Europe/Berlin"), or null if it is no IANA zone. */
export function canonicalZone(name: string): string | null {
  if (name.length > 64 || !ZONE_NAME.test(name)) return null;
  try {
    return formatterFor(name).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The zone's offset from UTC at `instant` (ms; positive east of Greenwich), to the second. */
export function offsetAt(zone: string, instant: number): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return utcToLocal(zone, whole) - whole;
}

/** The wall-clock time (local ms) in `zone` at `instant`. */
export function utcToLocal(zone: string, instant: number): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(instant)) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  // Instants here lie in the years 1970-9999 (and a day either side), so the year needs no era.
  const local = Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour!, fields.minute!, fields.second!);
  return local + (instant - Math.floor(instant / 1000) * 1000);
}

/**
 * The instant a wall-clock time names in `zone`, as RFC 5545 §3.3.5 reads a DATE-TIME with TZID:
 * a time that occurs twice (the clocks went back) is the first of the two; a time that does not
 * exist (the clocks went forward) is read with the offset in force before the gap, so 02:30 on a
 * spring-forward day at 02:00 becomes 03:30 (Temporal's "compatible" disambiguation).
 * The offsets are looked up at week-aligned UTC midnights around the day, so a series' occurrences
 * share them: this assumes no zone changes its offset and back within two weeks, which the zone
 * data bears out; where the two differ, the day's own offsets decide.
 */
export function localToUtc(zone: string, local: number): number {
  const day = Math.floor(local / DAY_MS);
  const week = Math.floor((day - 1) / 7) * 7;
  const steady = offsetAtMidnight(zone, week);
  if (steady === offsetAtMidnight(zone, week + 14)) return local - steady;
  const before = offsetAtMidnight(zone, day - 1);
  const after = offsetAtMidnight(zone, day + 2);
  if (before === after) return local - before;
  const valid = [local - before, local - after].filter((instant) => utcToLocal(zone, instant) === local);
  if (valid.length > 0) return Math.min(...valid);
  return local - before;
}

/**
 * Offsets at UTC midnights, remembered per zone: a series' occurrences share them (a daily one
 * needs one new lookup a day), and Intl's formatToParts costs tens of microseconds a call.
 */
const midnightOffsets = new Map<string, Map<number, number>>();
const MAX_REMEMBERED = 50_000;

function offsetAtMidnight(zone: string, day: number): number {
  let offsets = midnightOffsets.get(zone);
  if (offsets === undefined) midnightOffsets.set(zone, (offsets = new Map()));
  let offset = offsets.get(day);
  if (offset === undefined) {
    if (offsets.size >= MAX_REMEMBERED) offsets.clear();
    offset = offsetAt(zone, day * DAY_MS);
    offsets.set(day, offset);
  }
  return offset;
}
