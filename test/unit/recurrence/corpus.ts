import { expandSeries } from "../../../worker/calendar/recurrence/expand.ts";
import { parseRecurrence } from "../../../worker/calendar/recurrence/recurrence-lines.ts";

/**
 * The expansion corpus: RFC 5545 §3.8.5.3's examples, DST gaps and overlaps, month ends and leap
 * days. `expect` is each occurrence's start, as wall-clock text in the zone ("1997-09-02 09:00")
 * or as a UTC instant ("2026-03-08T07:30Z") where the instant is the point. The test checks
 * wall-clock text through Intl's UTC-to-zone direction, which our code does not use to place starts.
 */
export interface CorpusCase {
  name: string;
  zone: string;
  /** DTSTART as wall-clock text in `zone`, YYYY-MM-DDTHH:MM. */
  start: string;
  lines: string[];
  /** How many occurrences to take (from the start on); defaults to expect's length. */
  take?: number;
  expect: string[];
}

const NY = "America/New_York";
const at9 = (...days: string[]) => days.map((d) => `${d} 09:00`);

export const corpus: CorpusCase[] = [
  // RFC 5545 §3.8.5.3, all DTSTART;TZID=America/New_York at 09:00 (1997 EDT until Oct 26).
  { name: "daily for 10", zone: NY, start: "1997-09-02T09:00", lines: ["RRULE:FREQ=DAILY;COUNT=10"], expect: at9("1997-09-02", "1997-09-03", "1997-09-04", "1997-09-05", "1997-09-06", "1997-09-07", "1997-09-08", "1997-09-09", "1997-09-10", "1997-09-11") },
  { name: "every 10 days, 5 times", zone: NY, start: "1997-09-02T09:00", lines: ["RRULE:FREQ=DAILY;INTERVAL=10;COUNT=5"], expect: at9("1997-09-02", "1997-09-12", "1997-09-22", "1997-10-02", "1997-10-12") },
  { name: "weekly for 10, across the end of DST (still 09:00)", zone: NY, start: "1997-09-02T09:00", lines: ["RRULE:FREQ=WEEKLY;COUNT=10"], expect: ["1997-09-02T13:00Z", "1997-09-09T13:00Z", "1997-09-16T13:00Z", "1997-09-23T13:00Z", "1997-09-30T13:00Z", "1997-10-07T13:00Z", "1997-10-14T13:00Z", "1997-10-21T13:00Z", "1997-10-28T14:00Z", "1997-11-04T14:00Z"] },
  {
    name: "every other week on MO, WE, FR until Dec 24 (WKST=SU)", zone: NY, start: "1997-09-01T09:00", lines: ["RRULE:FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR"],
    take: 100,
    expect: at9("1997-09-01", "1997-09-03", "1997-09-05", "1997-09-15", "1997-09-17", "1997-09-19", "1997-09-29", "1997-10-01", "1997-10-03", "1997-10-13", "1997-10-15", "1997-10-17", "1997-10-27", "1997-10-29", "1997-10-31", "1997-11-10", "1997-11-12", "1997-11-14", "1997-11-24", "1997-11-26", "1997-11-28", "1997-12-08", "1997-12-10", "1997-12-12", "1997-12-22"),
  },
  { name: "weekly on TU, TH for five weeks", zone: NY, start: "1997-09-02T09:00", lines: ["RRULE:FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH"], expect: at9("1997-09-02", "1997-09-04", "1997-09-09", "1997-09-11", "1997-09-16", "1997-09-18", "1997-09-23", "1997-09-25", "1997-09-30", "1997-10-02") },
  { name: "monthly on the first Friday", zone: NY, start: "1997-09-05T09:00", lines: ["RRULE:FREQ=MONTHLY;COUNT=10;BYDAY=1FR"], expect: at9("1997-09-05", "1997-10-03", "1997-11-07", "1997-12-05", "1998-01-02", "1998-02-06", "1998-03-06", "1998-04-03", "1998-05-01", "1998-06-05") },
  { name: "every other month on the first and last Sunday", zone: NY, start: "1997-09-07T09:00", lines: ["RRULE:FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU"], expect: at9("1997-09-07", "1997-09-28", "1997-11-02", "1997-11-30", "1998-01-04", "1998-01-25", "1998-03-01", "1998-03-29", "1998-05-03", "1998-05-31") },
  { name: "monthly on the second-to-last Monday", zone: NY, start: "1997-09-22T09:00", lines: ["RRULE:FREQ=MONTHLY;COUNT=6;BYDAY=-2MO"], expect: at9("1997-09-22", "1997-10-20", "1997-11-17", "1997-12-22", "1998-01-19", "1998-02-16") },
  { name: "monthly on the third-to-last day", zone: NY, start: "1997-09-28T09:00", lines: ["RRULE:FREQ=MONTHLY;BYMONTHDAY=-3"], take: 6, expect: at9("1997-09-28", "1997-10-29", "1997-11-28", "1997-12-29", "1998-01-29", "1998-02-26") },
  { name: "monthly on the 2nd and 15th", zone: NY, start: "1997-09-02T09:00", lines: ["RRULE:FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15"], expect: at9("1997-09-02", "1997-09-15", "1997-10-02", "1997-10-15", "1997-11-02", "1997-11-15", "1997-12-02", "1997-12-15", "1998-01-02", "1998-01-15") },
  { name: "monthly on the first and last day", zone: NY, start: "1997-09-30T09:00", lines: ["RRULE:FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1"], expect: at9("1997-09-30", "1997-10-01", "1997-10-31", "1997-11-01", "1997-11-30", "1997-12-01", "1997-12-31", "1998-01-01", "1998-01-31", "1998-02-01") },
  { name: "every 18 months on the 10th to 15th", zone: NY, start: "1997-09-10T09:00", lines: ["RRULE:FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15"], expect: at9("1997-09-10", "1997-09-11", "1997-09-12", "1997-09-13", "1997-09-14", "1997-09-15", "1999-03-10", "1999-03-11", "1999-03-12", "1999-03-13") },
  { name: "every Tuesday, every other month", zone: NY, start: "1997-09-02T09:00", lines: ["RRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=TU"], take: 13, expect: at9("1997-09-02", "1997-09-09", "1997-09-16", "1997-09-23", "1997-09-30", "1997-11-04", "1997-11-11", "1997-11-18", "1997-11-25", "1998-01-06", "1998-01-13", "1998-01-20", "1998-01-27") },
  { name: "yearly in June and July", zone: NY, start: "1997-06-10T09:00", lines: ["RRULE:FREQ=YEARLY;COUNT=10;BYMONTH=6,7"], expect: at9("1997-06-10", "1997-07-10", "1998-06-10", "1998-07-10", "1999-06-10", "1999-07-10", "2000-06-10", "2000-07-10", "2001-06-10", "2001-07-10") },
  { name: "every other year in January to March", zone: NY, start: "1997-03-10T09:00", lines: ["RRULE:FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3"], expect: at9("1997-03-10", "1999-01-10", "1999-02-10", "1999-03-10", "2001-01-10", "2001-02-10", "2001-03-10", "2003-01-10", "2003-02-10", "2003-03-10") },
  // "Every 20th Monday of the year" (BYDAY=20MO without BYMONTH) is refused by recurrence-lines.
  { name: "every Thursday in March", zone: NY, start: "1997-03-13T09:00", lines: ["RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=TH"], take: 11, expect: at9("1997-03-13", "1997-03-20", "1997-03-27", "1998-03-05", "1998-03-12", "1998-03-19", "1998-03-26", "1999-03-04", "1999-03-11", "1999-03-18", "1999-03-25") },
  { name: "Friday the 13th, DTSTART excluded", zone: NY, start: "1997-09-02T09:00", lines: ["RRULE:FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", "EXDATE;TZID=America/New_York:19970902T090000"], take: 5, expect: at9("1998-02-13", "1998-03-13", "1998-11-13", "1999-08-13", "2000-10-13") },
  { name: "the first Saturday after the first Sunday", zone: NY, start: "1997-09-13T09:00", lines: ["RRULE:FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13"], take: 10, expect: at9("1997-09-13", "1997-10-11", "1997-11-08", "1997-12-13", "1998-01-10", "1998-02-07", "1998-03-07", "1998-04-11", "1998-05-09", "1998-06-13") },
  { name: "US presidential election day", zone: NY, start: "1996-11-05T09:00", lines: ["RRULE:FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8"], take: 3, expect: at9("1996-11-05", "2000-11-07", "2004-11-02") },
  { name: "an invalid date (Feb 30) is skipped", zone: NY, start: "2007-01-15T09:00", lines: ["RRULE:FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5"], expect: at9("2007-01-15", "2007-01-30", "2007-02-15", "2007-03-15", "2007-03-30") },
  { name: "WKST=MO", zone: NY, start: "1997-08-05T09:00", lines: ["RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO"], expect: at9("1997-08-05", "1997-08-10", "1997-08-19", "1997-08-24") },
  { name: "WKST=SU", zone: NY, start: "1997-08-05T09:00", lines: ["RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU"], expect: at9("1997-08-05", "1997-08-17", "1997-08-19", "1997-08-31") },

  // DST gaps (the wall-clock time does not exist: it moves forward by the gap) and overlaps (the first).
  { name: "New York gap: 02:30 on Mar 8 2026 is 03:30 EDT", zone: NY, start: "2026-03-06T02:30", lines: ["RRULE:FREQ=DAILY;COUNT=4"], expect: ["2026-03-06T07:30Z", "2026-03-07T07:30Z", "2026-03-08T07:30Z", "2026-03-09T06:30Z"] },
  { name: "New York overlap: 01:30 on Nov 1 2026 is the first, EDT", zone: NY, start: "2026-10-30T01:30", lines: ["RRULE:FREQ=DAILY;COUNT=4"], expect: ["2026-10-30T05:30Z", "2026-10-31T05:30Z", "2026-11-01T05:30Z", "2026-11-02T06:30Z"] },
  { name: "a 09:00 weekly standup stays at 09:00 across spring-forward", zone: NY, start: "2026-03-02T09:00", lines: ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3"], expect: ["2026-03-02T14:00Z", "2026-03-09T13:00Z", "2026-03-16T13:00Z"] },
  { name: "Berlin gap on Mar 29 2026", zone: "Europe/Berlin", start: "2026-03-28T02:30", lines: ["RRULE:FREQ=DAILY;COUNT=3"], expect: ["2026-03-28T01:30Z", "2026-03-29T01:30Z", "2026-03-30T00:30Z"] },
  { name: "Berlin overlap on Oct 25 2026", zone: "Europe/Berlin", start: "2026-10-24T02:30", lines: ["RRULE:FREQ=DAILY;COUNT=3"], expect: ["2026-10-24T00:30Z", "2026-10-25T00:30Z", "2026-10-26T01:30Z"] },
  { name: "London gap on Mar 29 2026", zone: "Europe/London", start: "2026-03-28T01:30", lines: ["RRULE:FREQ=DAILY;COUNT=3"], expect: ["2026-03-28T01:30Z", "2026-03-29T01:30Z", "2026-03-30T00:30Z"] },
  { name: "Lord Howe's 30-minute gap on Oct 4 2026: 02:15 is 02:45", zone: "Australia/Lord_Howe", start: "2026-10-03T02:15", lines: ["RRULE:FREQ=DAILY;COUNT=3"], expect: ["2026-10-02T15:45Z", "2026-10-03T15:45Z", "2026-10-04T15:15Z"] },
  { name: "Lord Howe's 30-minute overlap on Apr 5 2026", zone: "Australia/Lord_Howe", start: "2026-04-04T01:45", lines: ["RRULE:FREQ=DAILY;COUNT=3"], expect: ["2026-04-03T14:45Z", "2026-04-04T14:45Z", "2026-04-05T15:15Z"] },
  { name: "Sydney gap on Oct 4 2026", zone: "Australia/Sydney", start: "2026-10-03T02:30", lines: ["RRULE:FREQ=DAILY;COUNT=3"], expect: ["2026-10-02T16:30Z", "2026-10-03T16:30Z", "2026-10-04T15:30Z"] },
  { name: "Chatham's 02:45 gap on Sep 27 2026", zone: "Pacific/Chatham", start: "2026-09-26T03:00", lines: ["RRULE:FREQ=DAILY;COUNT=3"], expect: ["2026-09-25T14:15Z", "2026-09-26T14:15Z", "2026-09-27T13:15Z"] },
  { name: "Sao Paulo's midnight gap on Nov 4 2018", zone: "America/Sao_Paulo", start: "2018-11-03T00:30", lines: ["RRULE:FREQ=DAILY;COUNT=3"], expect: ["2018-11-03T03:30Z", "2018-11-04T03:30Z", "2018-11-05T02:30Z"] },
  { name: "Kolkata (+05:30, no DST)", zone: "Asia/Kolkata", start: "2026-03-01T09:00", lines: ["RRULE:FREQ=MONTHLY;COUNT=3"], expect: ["2026-03-01T03:30Z", "2026-04-01T03:30Z", "2026-05-01T03:30Z"] },
  { name: "an EXDATE in UTC removes the overlap day's occurrence", zone: NY, start: "2026-10-30T01:30", lines: ["RRULE:FREQ=DAILY;COUNT=4", "EXDATE:20261101T053000Z"], expect: ["2026-10-30T05:30Z", "2026-10-31T05:30Z", "2026-11-02T06:30Z"] },

  // Month ends and leap days.
  { name: "monthly on the 31st skips shorter months", zone: "UTC", start: "2026-01-31T09:00", lines: ["RRULE:FREQ=MONTHLY;COUNT=5"], expect: at9("2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31", "2026-08-31") },
  { name: "the last day of every month", zone: "Europe/Berlin", start: "2027-12-31T18:00", lines: ["RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=4"], expect: ["2027-12-31 18:00", "2028-01-31 18:00", "2028-02-29 18:00", "2028-03-31 18:00"] },
  { name: "yearly on Feb 29 only in leap years", zone: "Europe/Berlin", start: "2024-02-29T09:00", lines: ["RRULE:FREQ=YEARLY;COUNT=3"], expect: at9("2024-02-29", "2028-02-29", "2032-02-29") },
  { name: "monthly on the 29th: February only in leap years", zone: "UTC", start: "2027-12-29T09:00", lines: ["RRULE:FREQ=MONTHLY;BYMONTHDAY=29;COUNT=4"], expect: at9("2027-12-29", "2028-01-29", "2028-02-29", "2028-03-29") },
  { name: "UNTIL is inclusive", zone: "UTC", start: "2026-01-01T09:00", lines: ["RRULE:FREQ=DAILY;UNTIL=20260103T090000Z"], expect: at9("2026-01-01", "2026-01-02", "2026-01-03") },
  { name: "a date-only UNTIL includes that whole day", zone: "Asia/Tokyo", start: "2026-01-01T23:00", lines: ["RRULE:FREQ=DAILY;UNTIL=20260103"], expect: ["2026-01-01 23:00", "2026-01-02 23:00", "2026-01-03 23:00"] },
  { name: "RDATE adds and EXDATE;VALUE=DATE removes a day", zone: "Europe/Berlin", start: "2026-01-05T09:00", lines: ["RRULE:FREQ=WEEKLY;COUNT=3", "EXDATE;VALUE=DATE:20260112", "RDATE;TZID=Europe/Berlin:20260110T100000"], expect: ["2026-01-05 09:00", "2026-01-10 10:00", "2026-01-19 09:00"] },
  { name: "a DTSTART off the rule is the first occurrence and counts", zone: "UTC", start: "2026-01-07T09:00", lines: ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=3"], expect: at9("2026-01-07", "2026-01-12", "2026-01-19") },
];

/** The corpus's starts as UTC ISO text, in order; what the TZ check compares across processes. */
export function expandCorpus(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of corpus) out[c.name] = expandCase(c).map((ms) => new Date(ms).toISOString());
  return out;
}

export function expandCase(c: CorpusCase): number[] {
  const recurrence = parseRecurrence(c.lines, c.zone);
  if (Array.isArray(recurrence)) throw new Error(`${c.name}: ${JSON.stringify(recurrence)}`);
  const start = startOf(c);
  const take = c.take ?? c.expect.length;
  return expandSeries({ start, durationMs: 3_600_000, zone: c.zone, recurrence }, { from: 0, to: Date.UTC(9999, 0) }, take).occurrences.map((o) => o.start);
}

/** The case's DTSTART as an instant; the wall-clock time of each case's start exists (no gap). */
function startOf(c: CorpusCase): number {
  const local = Date.parse(`${c.start}:00Z`);
  // Search the offsets for the instant whose wall clock is `start` (earliest, as RFC 5545 reads it).
  for (let offset = 15 * 60; offset >= -15 * 60; offset -= 15) {
    const instant = local - offset * 60_000;
    if (wallClock(c.zone, instant) === c.start.replace("T", " ")) return instant;
  }
  throw new Error(`${c.name}: ${c.start} does not exist in ${c.zone}`);
}

/** The wall-clock time at an instant, "YYYY-MM-DD HH:MM", through Intl (zone data from ICU). */
export function wallClock(zone: string, instant: number): string {
  return new Date(instant).toLocaleString("sv-SE", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}
