// @ts-check
/**
 * Each calendar's colour: one of a fixed palette (style.css, `[data-color="0".."7"]`, tuned for
 * contrast in light and dark), picked from the calendar's name so every member sees the same colour
 * for it without anything stored. The team's own calendar always has the first.
 *
 * No DOM here.
 */

export const PALETTE_SIZE = 8;
const TEAM_CALENDAR = "team";

/** @param {string} calendar */
export function calendarColor(calendar) {
  if (calendar === TEAM_CALENDAR) return 0;
  // FNV-1a: small, stable across browsers, spreads similar names apart.
  let hash = 0x811c9dc5;
  for (let i = 0; i < calendar.length; i++) {
    hash ^= calendar.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return 1 + (hash % (PALETTE_SIZE - 1));
}

/** The calendars to list in the legend: the team's first, then the others by name. @param {Iterable<string>} names */
export function calendarsInOrder(names) {
  const others = [...new Set(names)].filter((name) => name !== TEAM_CALENDAR).sort((a, b) => a.localeCompare(b));
  return [TEAM_CALENDAR, ...others];
}
