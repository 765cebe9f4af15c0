/**
 * Instants as the API speaks them: ISO 8601 date-times, compared as UTC milliseconds.
 * `2026-01-15T14:00:00Z` and `2026-01-15T16:00:00+02:00` are the same instant. A date-time without
 * an offset (as in the original README's examples) is read as UTC.
 */
const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}:?\d{2})?$/;

/** Earliest and latest instants accepted anywhere (1970-01-01 to 9999-12-31, UTC). */
export const MIN_INSTANT_MS = 0;
export const MAX_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Milliseconds since the epoch, or a sentence saying what is wrong with the text. */
export function parseInstant(text: string): number | string {
  const m = ISO_DATETIME.exec(text);
  if (m === null) return "must be an ISO 8601 date-time such as 2026-01-15T14:00:00Z";
  const [, y, mo, d, h, mi, s = "0", frac = "0", offset] = m;
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12) return `has month ${mo}, which does not exist`;
  if (day < 1 || day > daysInMonth(year, month)) return `has day ${d}, which ${y}-${mo} does not have`;
  if (hour > 23 || minute > 59 || second > 59) return "has a time of day that does not exist";
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, Number(frac.padEnd(3, "0").slice(0, 3)));
  if (offset !== undefined && offset.toUpperCase() !== "Z") {
    const sign = offset[0] === "-" ? -1 : 1;
    const digits = offset.slice(1).replace(":", "");
    const offsetHours = Number(digits.slice(0, 2)), offsetMinutes = Number(digits.slice(2));
    if (offsetHours > 23 || offsetMinutes > 59) return `has an offset ${offset} that does not exist`;
    ms -= sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  if (ms < MIN_INSTANT_MS || ms > MAX_INSTANT_MS) return "is outside the years 1970 to 9999";
  return ms;
}

/** The canonical form every answer uses: UTC, millisecond precision, `Z`. */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString();
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Half-open intervals [start, end) overlap when each starts before the other ends. */
export function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

/**
 * Durations as people write them: "90s", "25m", "1h", "1h30m", "500ms", "2d".
 * Throws on anything else, so a typo in a setting fails loudly instead of becoming zero.
 */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const trimmed = text.trim();
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== trimmed) {
    throw new Error(`"${text}" is not a duration; write it like 25m, 1h30m, 90s or 500ms`);
  }
  return Math.round(parts.reduce((total, [, n, unit]) => total + Number(n) * units[unit!]!, 0));
}
