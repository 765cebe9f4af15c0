import { WEEKDAYS, type Recurrence, type RecurrenceRule } from "./recurrence-lines.ts";
import { localToUtc, utcToLocal } from "./zone-time.ts";

/**
 * A series' occurrences in a window. The rule is walked on the wall clock (day numbers, no zone,
 * never the process's TZ); each wall-clock start then becomes an instant in the series' zone by
 * RFC 5545 §3.3.5 (zone-time.ts). So a 09:00 standup stays at 09:00 across DST, and a 02:30 that
 * a spring-forward day skips happens at 03:30.
 *
 * Our own walk rather than a library's: for the parts we take (recurrence-lines.ts) it is short,
 * and the candidates got parts of it wrong. ical.js moves a yearly Feb 29 to Mar 1, skips the
 * first February of MONTHLY;BYMONTH=2, and yields BYDAY=20MO weekly; rrule-temporal drops an
 * occurrence that falls in a DST gap and bundles a 180 kB Temporal polyfill (52 kB gzipped, and
 * about 0.3 ms an occurrence). Both stay as the second opinions of the differential test.
 *
 * Per RFC 5545: DTSTART is always the first occurrence and counts toward COUNT; COUNT and UNTIL
 * bound the rule's occurrences; RDATE adds starts; EXDATE removes starts (after COUNT).
 */

export interface Series {
  /** The first occurrence's start (ms); its wall-clock time in `zone` is the series' DTSTART. */
  start: number;
  durationMs: number;
  zone: string;
  recurrence: Recurrence;
}

export interface Occurrence {
  start: number;
  end: number;
}

/** Occurrences overlapping [from, to), by start, at most `limit`; `more` when some were left off. */
export interface Expansion {
  occurrences: Occurrence[];
  more: boolean;
}

/** No zone is offset by more than this from UTC (the most is +14 h; margin for old local mean times). */
const MAX_OFFSET_MS = 26 * 3_600_000;
/**
 * The periods one expansion may walk (from the window, or from DTSTART when COUNT needs counting):
 * 54 years of days, 380 of weeks. The sparsest rule taken (a Monday Feb 29, DAILY) recurs within
 * 28 years; a rule that never recurs (DAILY;INTERVAL=7;BYDAY=TU from a Monday) is refused at write.
 */
export const MAX_RULE_STEPS = 20_000;

export class ExpansionTooLong extends Error {}

export function expandSeries(series: Series, window: { from: number; to: number }, limit: number): Expansion {
  const { from, to } = window;
  const { exdates, rdates } = series.recurrence;
  const excluded = new Set<number>();
  const excludedDays = new Set<number>();
  for (const exdate of exdates) {
    if ("instant" in exdate) excluded.add(exdate.instant);
    else excludedDays.add(exdate.day);
  }
  // EXDATE values are whole seconds; one names the occurrence starting within its second (a series may start at 09:00:00.250).
  const isExcluded = (start: number) => excluded.has(start - (start % 1000)) || (excludedDays.size > 0 && excludedDays.has(dayOf(utcToLocal(series.zone, start))));
  // Starts early enough to end inside the window (so one already under way counts), before its end.
  const after = from - series.durationMs + 1;
  const extra = rdates.filter((start) => start >= after && start < to).sort((a, b) => a - b);

  // The rule's starts and the RDATEs, merged in order, until one more than the limit is found.
  const starts: number[] = [];
  let e = 0;
  const take = (start: number) => {
    if (starts[starts.length - 1] !== start && !isExcluded(start)) starts.push(start);
  };
  for (const start of ruleStarts(series, after, to)) {
    while (e < extra.length && extra[e]! <= start) take(extra[e++]!);
    take(start);
    if (starts.length > limit) break;
  }
  while (e < extra.length && starts.length <= limit) take(extra[e++]!);
  return {
    occurrences: starts.slice(0, limit).map((start) => ({ start, end: start + series.durationMs })),
    more: starts.length > limit,
  };
}

/**
 * The rule's starts up to `before`, DTSTART first: those from `after` on. DTSTART is always the
 * first occurrence and counts toward COUNT, whether or not it matches the rule (RFC 5545 §3.8.5.3).
 */
function* ruleStarts(series: Series, after: number, before: number): Generator<number> {
  const rule = series.recurrence.rule;
  if (series.start >= after && series.start < before) yield series.start;
  if (rule === null) return;
  const dtstart = utcToLocal(series.zone, series.start);
  const timeOfDay = dtstart - dayOf(dtstart);
  // Without COUNT nothing before the window needs counting: start a period or so before it.
  const firstPeriod = rule.count === undefined ? Math.max(0, periodNear(rule, dtstart, after - MAX_OFFSET_MS) - 1) : 0;
  let count = 1;
  for (let period = firstPeriod; period - firstPeriod <= MAX_RULE_STEPS; period++) {
    for (const day of periodDays(rule, dtstart, period)) {
      const local = day * DAY_MS + timeOfDay;
      if (local <= dtstart) continue; // DTSTART itself is counted above
      if (rule.count !== undefined && count >= rule.count) return;
      count++;
      if (local + MAX_OFFSET_MS < after) continue; // well before the window: spare the zone lookup
      const instant = localToUtc(series.zone, local);
      if (rule.until !== undefined && instant > rule.until) return;
      if (instant >= before) return;
      if (instant >= after) yield instant;
    }
    if (periodStart(rule, dtstart, period) * DAY_MS > LAST_LOCAL) return;
  }
  throw new ExpansionTooLong(`the rule takes more than ${MAX_RULE_STEPS} steps to reach the window`);
}

const DAY_MS = 86_400_000;
/** Wall-clock times past the last instant the API speaks of (9999-12-31) are never reached. */
const LAST_LOCAL = Date.UTC(9999, 11, 31) + 2 * DAY_MS;

/** Day numbers (days since 1970-01-01) and weekdays (0 = MO ... 6 = SU), on the wall clock. */
const weekdayOf = (day: number) => (new Date(day * DAY_MS).getUTCDay() + 6) % 7;
const dayNumber = (year: number, month: number, date: number) => Date.UTC(year, month - 1, date) / DAY_MS;
const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The index of the rule's period (every INTERVAL days, weeks, months or years from DTSTART's) that holds `local`. */
function periodNear(rule: RecurrenceRule, dtstart: number, local: number): number {
  const start = new Date(dtstart), at = new Date(local);
  let units: number;
  switch (rule.freq) {
    case "DAILY": units = dayOf(local) / DAY_MS - dayOf(dtstart) / DAY_MS; break;
    case "WEEKLY": units = Math.floor((dayOf(local) / DAY_MS - weekStart(rule, dayOf(dtstart) / DAY_MS)) / 7); break;
    case "MONTHLY": units = (at.getUTCFullYear() - start.getUTCFullYear()) * 12 + at.getUTCMonth() - start.getUTCMonth(); break;
    case "YEARLY": units = at.getUTCFullYear() - start.getUTCFullYear(); break;
  }
  return Math.floor(units / rule.interval);
}

function weekStart(rule: RecurrenceRule, day: number): number {
  const wkst = WEEKDAYS.indexOf(rule.wkst ?? "MO");
  return day - ((weekdayOf(day) - wkst + 7) % 7);
}

/** The first day of period `period` (a bound for stopping). */
function periodStart(rule: RecurrenceRule, dtstart: number, period: number): number {
  const start = new Date(dtstart);
  const first = dayOf(dtstart) / DAY_MS;
  switch (rule.freq) {
    case "DAILY": return first + period * rule.interval;
    case "WEEKLY": return weekStart(rule, first) + period * rule.interval * 7;
    case "MONTHLY": return Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + period * rule.interval, 1) / DAY_MS;
    case "YEARLY": return dayNumber(start.getUTCFullYear() + period * rule.interval, 1, 1);
  }
}

/**
 * The days of one period that the rule picks, in order (RFC 5545 §3.3.10's table for these parts):
 * BYMONTH limits every frequency; BYMONTHDAY and BYDAY limit DAILY, BYDAY expands WEEKLY, both
 * expand MONTHLY and YEARLY (BYDAY then limits BYMONTHDAY). Parts the rule leaves out come from DTSTART.
 */
function periodDays(rule: RecurrenceRule, dtstart: number, period: number): number[] {
  const start = new Date(dtstart);
  const first = dayOf(dtstart) / DAY_MS;
  const inMonths = (day: number) => rule.byMonth === undefined || rule.byMonth.includes(new Date(day * DAY_MS).getUTCMonth() + 1);
  const weekdays = weekdaySet(rule);
  switch (rule.freq) {
    case "DAILY": {
      const day = first + period * rule.interval;
      const date = new Date(day * DAY_MS);
      if (!inMonths(day)) return [];
      if (weekdays !== null && !weekdays.has(weekdayOf(day))) return [];
      if (rule.byMonthDay !== undefined) {
        const n = daysInMonth(date.getUTCFullYear(), date.getUTCMonth() + 1);
        if (!rule.byMonthDay.some((d) => (d > 0 ? d : n + d + 1) === date.getUTCDate())) return [];
      }
      return [day];
    }
    case "WEEKLY": {
      const monday = weekStart(rule, first) + period * rule.interval * 7;
      const picked = weekdays ?? new Set([weekdayOf(first)]);
      const days: number[] = [];
      for (let day = monday; day < monday + 7; day++) if (picked.has(weekdayOf(day)) && inMonths(day)) days.push(day);
      return days;
    }
    case "MONTHLY": {
      const month = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + period * rule.interval, 1));
      const year = month.getUTCFullYear(), m = month.getUTCMonth() + 1;
      if (rule.byMonth !== undefined && !rule.byMonth.includes(m)) return [];
      return monthDays(rule, year, m, start.getUTCDate());
    }
    case "YEARLY": {
      const year = start.getUTCFullYear() + period * rule.interval;
      const spread = rule.byMonthDay !== undefined || rule.byDay !== undefined;
      const months = rule.byMonth !== undefined ? [...rule.byMonth].sort((a, b) => a - b) : spread ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] : [start.getUTCMonth() + 1];
      return months.flatMap((m) => monthDays(rule, year, m, start.getUTCDate()));
    }
  }
}

/** The days of one month the rule picks: by BYMONTHDAY (limited by BYDAY), else by BYDAY, else DTSTART's date. */
function monthDays(rule: RecurrenceRule, year: number, month: number, startDate: number): number[] {
  const n = daysInMonth(year, month);
  const firstDay = dayNumber(year, month, 1);
  let dates: number[];
  if (rule.byMonthDay !== undefined) {
    dates = rule.byMonthDay.map((d) => (d > 0 ? d : n + d + 1)).filter((d) => d >= 1 && d <= n);
    const weekdays = weekdaySet(rule);
    if (weekdays !== null) dates = dates.filter((d) => weekdays.has(weekdayOf(firstDay + d - 1)));
  } else if (rule.byDay !== undefined) {
    dates = [];
    for (const { pos, day } of rule.byDay) {
      const weekday = WEEKDAYS.indexOf(day);
      const offset = (weekday - weekdayOf(firstDay) + 7) % 7;
      const all: number[] = [];
      for (let d = 1 + offset; d <= n; d += 7) all.push(d);
      if (pos === 0) dates.push(...all);
      else {
        const picked = pos > 0 ? all[pos - 1] : all[all.length + pos];
        if (picked !== undefined) dates.push(picked);
      }
    }
  } else {
    dates = startDate <= n ? [startDate] : [];
  }
  return [...new Set(dates)].sort((a, b) => a - b).map((d) => firstDay + d - 1);
}

/** BYDAY's weekdays (positions aside), made once per rule: a walk asks for them every period. */
const weekdaySets = new WeakMap<RecurrenceRule, Set<number> | null>();
function weekdaySet(rule: RecurrenceRule): Set<number> | null {
  let set = weekdaySets.get(rule);
  if (set === undefined) {
    set = rule.byDay === undefined ? null : new Set(rule.byDay.map((d) => WEEKDAYS.indexOf(d.day)));
    weekdaySets.set(rule, set);
  }
  return set;
}

function dayOf(local: number): number {
  return Math.floor(local / DAY_MS) * DAY_MS;
}
