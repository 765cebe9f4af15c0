import { MAX_RECURRENCE_LINE_LENGTH, MAX_RECURRENCE_LINES } from "../../../shared/calendar.ts";
import type { FieldProblem } from "../../request.ts";
import { canonicalZone, localToUtc } from "./zone-time.ts";

/**
 * An event's `recurrence`, the RFC 5545 lines Google Calendar's API takes ("RRULE:FREQ=WEEKLY;
 * BYDAY=MO", "EXDATE;TZID=Europe/Berlin:20260112T090000", "RDATE:20260110T100000Z"), read into
 * a rule and lists of instants. Only the parts listed here are taken; anything else is refused by
 * name, so a rule is never half understood.
 */

export { MAX_RECURRENCE_LINE_LENGTH, MAX_RECURRENCE_LINES };
/** EXDATE and RDATE values together (a line may list several, comma-separated). */
export const MAX_RECURRENCE_DATES = 500;
export const MAX_COUNT = 1000;
export const MAX_INTERVAL = 999;

export const FREQUENCIES = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"] as const;
export type Frequency = (typeof FREQUENCIES)[number];
export const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface RecurrenceRule {
  freq: Frequency;
  interval: number;
  /** pos 0 is every such weekday; 2 the second, -1 the last (of the month, or the year). */
  byDay?: Array<{ pos: number; day: Weekday }>;
  byMonthDay?: number[];
  byMonth?: number[];
  wkst?: Weekday;
  count?: number;
  /** The last instant an occurrence may start at (inclusive). */
  until?: number;
}

/** An EXDATE: one instant, or (VALUE=DATE) every occurrence that starts on that wall-clock day. */
export type ExcludedDate = { instant: number } | { day: number };

export interface Recurrence {
  rule: RecurrenceRule | null;
  exdates: ExcludedDate[];
  /** Extra starts, each lasting as long as the event. */
  rdates: number[];
}

const DAY_MS = 86_400_000;
const RULE_PARTS = ["FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "COUNT", "UNTIL", "WKST"] as const;
const DATE_VALUE = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/;
/** Local-ms bounds: the years API instants may take. */
const FIRST_YEAR = 1970;
const LAST_YEAR = 9999;

class LineProblem extends Error {}

/**
 * Reads the lines in `zone` (the event's time_zone: floating times and date-only values are its
 * wall clock). Problems name the line: `recurrence[0]`, `BYDAY: "XX" is not a weekday`.
 */
export function parseRecurrence(lines: readonly string[], zone: string): Recurrence | FieldProblem[] {
  if (lines.length > MAX_RECURRENCE_LINES) return [{ field: "recurrence", message: `has ${lines.length} lines; the most is ${MAX_RECURRENCE_LINES}` }];
  const recurrence: Recurrence = { rule: null, exdates: [], rdates: [] };
  const problems: FieldProblem[] = [];
  lines.forEach((line, index) => {
    const field = `recurrence[${index}]`;
    try {
      if (line.length > MAX_RECURRENCE_LINE_LENGTH) throw new LineProblem(`is ${line.length} characters long; the most is ${MAX_RECURRENCE_LINE_LENGTH}`);
      const { name, params, value } = splitLine(line);
      if (name === "RRULE") {
        if (Object.keys(params).length > 0) throw new LineProblem("RRULE takes no parameters");
        if (recurrence.rule !== null) throw new LineProblem("only one RRULE line is allowed");
        recurrence.rule = parseRule(value, zone);
      } else if (name === "EXDATE") {
        for (const date of parseDates(name, params, value, zone)) recurrence.exdates.push(date.dateOnly ? { day: date.local } : { instant: date.instant });
      } else if (name === "RDATE") {
        for (const date of parseDates(name, params, value, zone)) {
          if (date.dateOnly) throw new LineProblem("RDATE: a date without a time (VALUE=DATE) is not supported; give a date-time");
          recurrence.rdates.push(date.instant);
        }
      } else {
        throw new LineProblem(`${quote(name)} is not supported; a line is RRULE:, EXDATE or RDATE`);
      }
    } catch (error) {
      if (!(error instanceof LineProblem)) throw error;
      problems.push({ field, message: error.message });
    }
  });
  if (problems.length > 0) return problems;
  if (recurrence.exdates.length + recurrence.rdates.length > MAX_RECURRENCE_DATES) {
    return [{ field: "recurrence", message: `lists ${recurrence.exdates.length + recurrence.rdates.length} EXDATE and RDATE values; the most is ${MAX_RECURRENCE_DATES}` }];
  }
  return recurrence;
}

function splitLine(line: string): { name: string; params: Record<string, string>; value: string } {
  const colon = line.indexOf(":");
  if (colon < 0) throw new LineProblem('must be NAME:VALUE, such as "RRULE:FREQ=WEEKLY"');
  const [rawName, ...rawParams] = line.slice(0, colon).split(";");
  const name = rawName!.trim().toUpperCase();
  const params: Record<string, string> = {};
  for (const param of rawParams) {
    const eq = param.indexOf("=");
    if (eq <= 0) throw new LineProblem(`parameter ${quote(param)} must be NAME=VALUE`);
    const key = param.slice(0, eq).toUpperCase();
    if (key in params) throw new LineProblem(`parameter ${key} is given twice`);
    params[key] = param.slice(eq + 1);
  }
  return { name, params, value: line.slice(colon + 1).trim() };
}

function parseRule(text: string, zone: string): RecurrenceRule {
  const parts = new Map<string, string>();
  for (const part of text.split(";")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = (eq < 0 ? part : part.slice(0, eq)).toUpperCase();
    if (!(RULE_PARTS as readonly string[]).includes(key)) {
      throw new LineProblem(`${quote(key)} is not a supported rule part (${RULE_PARTS.join(", ")})`);
    }
    if (eq < 0) throw new LineProblem(`${key}: needs a value (${key}=...)`);
    if (parts.has(key)) throw new LineProblem(`${key}: is given twice`);
    parts.set(key, part.slice(eq + 1));
  }
  const freqText = parts.get("FREQ");
  if (freqText === undefined) throw new LineProblem("FREQ: is required (DAILY, WEEKLY, MONTHLY or YEARLY)");
  const freq = freqText.toUpperCase();
  if (!(FREQUENCIES as readonly string[]).includes(freq)) throw new LineProblem(`FREQ: ${quote(freqText)} is not supported (DAILY, WEEKLY, MONTHLY or YEARLY)`);
  const rule: RecurrenceRule = { freq: freq as Frequency, interval: 1 };

  const interval = parts.get("INTERVAL");
  if (interval !== undefined) rule.interval = wholeNumber("INTERVAL", interval, 1, MAX_INTERVAL);
  const count = parts.get("COUNT");
  if (count !== undefined) rule.count = wholeNumber("COUNT", count, 1, MAX_COUNT);
  const until = parts.get("UNTIL");
  if (until !== undefined) {
    if (count !== undefined) throw new LineProblem("COUNT and UNTIL: give one or the other, not both");
    const date = parseDate("UNTIL", until, zone);
    // A date alone means through the end of that day, on the event's wall clock.
    rule.until = date.dateOnly ? localToUtc(zone, date.local + DAY_MS) - 1 : date.instant;
  }
  const wkst = parts.get("WKST");
  if (wkst !== undefined) rule.wkst = weekday("WKST", wkst);

  const byMonth = parts.get("BYMONTH");
  if (byMonth !== undefined) rule.byMonth = list("BYMONTH", byMonth).map((v) => wholeNumber("BYMONTH", v, 1, 12, "is not a month (1 to 12)"));
  const byMonthDay = parts.get("BYMONTHDAY");
  if (byMonthDay !== undefined) {
    if (rule.freq === "WEEKLY") throw new LineProblem("BYMONTHDAY: is not allowed with FREQ=WEEKLY (RFC 5545)");
    rule.byMonthDay = list("BYMONTHDAY", byMonthDay).map((v) => {
      const day = signedNumber("BYMONTHDAY", v, 31, "is not a day of the month (1 to 31, or -31 to -1 from the end)");
      return day;
    });
    if (!monthDaysOccur(rule.byMonthDay, rule.byMonth)) {
      throw new LineProblem(`BYMONTHDAY: ${byMonthDay} never occurs${rule.byMonth ? ` in BYMONTH ${byMonth}` : ""}`);
    }
  }
  const byDay = parts.get("BYDAY");
  if (byDay !== undefined) {
    rule.byDay = list("BYDAY", byDay).map((v) => {
      const m = /^([+-]?\d{1,2})?([A-Za-z]{2})$/.exec(v);
      const day = m?.[2]?.toUpperCase();
      if (m === null || day === undefined || !(WEEKDAYS as readonly string[]).includes(day)) throw new LineProblem(`BYDAY: ${quote(v)} is not a weekday (MO, TU, WE, TH, FR, SA, SU, optionally with a position such as 2TU or -1FR)`);
      const pos = m[1] === undefined ? 0 : Number(m[1]);
      if (m[1] !== undefined) {
        if (rule.freq !== "MONTHLY" && rule.freq !== "YEARLY") throw new LineProblem(`BYDAY: ${quote(v)} has a position, which only FREQ=MONTHLY or YEARLY allows`);
        // Positions count within a month; "the 20th Monday of the year" is refused (calendar apps do not write it).
        if (rule.freq === "YEARLY" && rule.byMonth === undefined) throw new LineProblem(`BYDAY: ${quote(v)} has a position, which FREQ=YEARLY allows only with BYMONTH (the 2nd Tuesday of November: BYMONTH=11;BYDAY=2TU)`);
        if (pos === 0 || Math.abs(pos) > 5) throw new LineProblem(`BYDAY: ${quote(v)} has position ${m[1]}; it must be 1 to 5 or -5 to -1`);
        // A position and a month day together may match no day for years; refused rather than searched.
        if (rule.byMonthDay !== undefined) throw new LineProblem(`BYDAY: ${quote(v)} has a position, which cannot be combined with BYMONTHDAY`);
      }
      return { pos, day: day as Weekday };
    });
  }
  return rule;
}

function list(part: string, text: string): string[] {
  const values = text.split(",");
  if (values.some((v) => v === "")) throw new LineProblem(`${part}: ${quote(text)} has an empty value`);
  if (values.length > 366) throw new LineProblem(`${part}: lists ${values.length} values; the most is 366`);
  return values;
}

function wholeNumber(part: string, text: string, min: number, max: number, what = `must be a whole number from ${min} to ${max}`): number {
  if (!/^\d{1,6}$/.test(text) || Number(text) < min || Number(text) > max) throw new LineProblem(`${part}: ${quote(text)} ${what}`);
  return Number(text);
}

function signedNumber(part: string, text: string, most: number, what: string): number {
  if (!/^[+-]?\d{1,3}$/.test(text)) throw new LineProblem(`${part}: ${quote(text)} ${what}`);
  const n = Number(text);
  if (n === 0 || Math.abs(n) > most) throw new LineProblem(`${part}: ${quote(text)} ${what}`);
  return n;
}

function weekday(part: string, text: string): Weekday {
  const day = text.toUpperCase();
  if (!(WEEKDAYS as readonly string[]).includes(day)) throw new LineProblem(`${part}: ${quote(text)} is not a weekday (MO, TU, WE, TH, FR, SA, SU)`);
  return day as Weekday;
}

/** Whether some month (of BYMONTH, or any) has one of the days (February counted with 29). */
function monthDaysOccur(days: number[], months: number[] | undefined): boolean {
  const longest = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return (months ?? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]).some((month) => days.some((day) => Math.abs(day) <= longest[month - 1]!));
}

interface ParsedDate {
  dateOnly: boolean;
  /** The wall-clock time (local ms) as written; for a UTC value, that UTC time. */
  local: number;
  instant: number;
}

function parseDates(name: string, params: Record<string, string>, text: string, zone: string): ParsedDate[] {
  for (const key of Object.keys(params)) {
    if (key !== "TZID" && key !== "VALUE") throw new LineProblem(`${name}: parameter ${quote(key)} is not supported (TZID or VALUE)`);
  }
  const valueType = params.VALUE?.toUpperCase() ?? "DATE-TIME";
  if (valueType !== "DATE" && valueType !== "DATE-TIME") throw new LineProblem(`${name}: VALUE=${params.VALUE} is not supported (DATE or DATE-TIME)`);
  let dateZone = zone;
  if (params.TZID !== undefined) {
    const named = canonicalZone(params.TZID);
    if (named === null) throw new LineProblem(`${name}: TZID ${quote(params.TZID)} is not an IANA time zone`);
    dateZone = named;
  }
  return list(name, text).map((value) => {
    const date = parseDate(name, value, dateZone);
    if (date.dateOnly !== (valueType === "DATE")) {
      throw new LineProblem(valueType === "DATE" ? `${name}: ${quote(value)} is not a date (VALUE=DATE takes YYYYMMDD)` : `${name}: ${quote(value)} is a date without a time; add ;VALUE=DATE or give YYYYMMDDTHHMMSS`);
    }
    if (params.TZID !== undefined && value.endsWith("Z")) throw new LineProblem(`${name}: ${quote(value)} is in UTC (Z) and also names TZID; give one`);
    return date;
  });
}

/** YYYYMMDD, YYYYMMDDTHHMMSS (wall clock in `zone`) or YYYYMMDDTHHMMSSZ (UTC). */
function parseDate(part: string, text: string, zone: string): ParsedDate {
  const m = DATE_VALUE.exec(text);
  const problem = `${part}: ${quote(text)} is not a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS, Z for UTC)`;
  if (m === null) throw new LineProblem(problem);
  const [, y, mo, d, h, mi, s, z] = m;
  const year = Number(y), month = Number(mo), day = Number(d);
  const hour = Number(h ?? 0), minute = Number(mi ?? 0), second = Number(s ?? 0);
  if (year < FIRST_YEAR || year > LAST_YEAR) throw new LineProblem(`${part}: ${quote(text)} is outside the years ${FIRST_YEAR} to ${LAST_YEAR}`);
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(local);
  if (month < 1 || month > 12 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) throw new LineProblem(`${part}: ${quote(text)} is a date or time that does not exist`);
  const dateOnly = h === undefined;
  return { dateOnly, local, instant: z === "Z" ? local : localToUtc(zone, local) };
}

/** A value as the message quotes it; long ones cut (messages echo user input). */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
