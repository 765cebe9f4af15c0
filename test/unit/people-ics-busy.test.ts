import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { externalBusy } from "../../worker/people/ics-busy.ts";

/** An external calendar as Google Calendar's secret address serves it (2031-03-03 is a Monday). */
const GOOGLE = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
  "X-WR-TIMEZONE:Europe/Berlin",
  "BEGIN:VTIMEZONE",
  "TZID:Europe/Berlin",
  "BEGIN:STANDARD",
  "DTSTART:19701025T030000",
  "TZOFFSETFROM:+0200",
  "TZOFFSETTO:+0100",
  "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
  "END:STANDARD",
  "BEGIN:DAYLIGHT",
  "DTSTART:19700329T020000",
  "TZOFFSETFROM:+0100",
  "TZOFFSETTO:+0200",
  "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
  "END:DAYLIGHT",
  "END:VTIMEZONE",
  // Weekly on Mondays 09:00 Berlin, four times, the second moved to 14:00, the third left out.
  "BEGIN:VEVENT",
  "DTSTART;TZID=Europe/Berlin:20310303T090000",
  "DTEND;TZID=Europe/Berlin:20310303T100000",
  "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4",
  "EXDATE;TZID=Europe/Berlin:20310317T090000",
  "UID:weekly@google.com",
  "SUMMARY:Secret therapy",
  "BEGIN:VALARM",
  "ACTION:DISPLAY",
  "TRIGGER:-P0DT0H10M0S",
  "DTSTART:20000101T000000Z",
  "END:VALARM",
  "END:VEVENT",
  "BEGIN:VEVENT",
  "DTSTART;TZID=Europe/Berlin:20310310T140000",
  "DTEND;TZID=Europe/Berlin:20310310T150000",
  "RECURRENCE-ID;TZID=Europe/Berlin:20310310T090000",
  "UID:weekly@google.com",
  "SUMMARY:Secret therapy (moved)",
  "END:VEVENT",
  // A long folded line, UTC times, a DURATION.
  "BEGIN:VEVENT",
  "DTSTART:20310304T120000Z",
  "DURATION:PT1H30M",
  "UID:lunch@google.com",
  "SUMMARY:A long title that goes on and on and on and on and on and on and on and",
  "  on",
  "END:VEVENT",
  // Free (transparent), cancelled, and a whole day (busy on Berlin's day).
  "BEGIN:VEVENT",
  "DTSTART:20310305T120000Z",
  "DTEND:20310305T130000Z",
  "TRANSP:TRANSPARENT",
  "UID:free@google.com",
  "END:VEVENT",
  "BEGIN:VEVENT",
  "DTSTART:20310305T140000Z",
  "DTEND:20310305T150000Z",
  "STATUS:CANCELLED",
  "UID:cancelled@google.com",
  "END:VEVENT",
  "BEGIN:VEVENT",
  "DTSTART;VALUE=DATE:20310306",
  "DTEND;VALUE=DATE:20310307",
  "UID:allday@google.com",
  "END:VEVENT",
  // Outlook's Windows zone name: read in the calendar's zone. And garbage.
  "BEGIN:VEVENT",
  'DTSTART;TZID="W. Europe Standard Time":20310307T080000',
  'DTEND;TZID="W. Europe Standard Time":20310307T083000',
  "UID:outlook",
  "END:VEVENT",
  "BEGIN:VEVENT",
  "DTSTART:tomorrow",
  "UID:broken",
  "END:VEVENT",
  "END:VCALENDAR",
  "",
].join("\r\n");

const spans = (busy: Array<{ start: number; end: number }>) => busy.map((b) => [new Date(b.start).toISOString(), new Date(b.end).toISOString()]);
const FROM = Date.UTC(2031, 2, 1);
const TO = Date.UTC(2031, 3, 1);

describe("an external calendar's busy time", () => {
  it("expands recurring events, applies overrides and EXDATE, skips free and cancelled ones, reads zones", () => {
    const result = externalBusy(GOOGLE, FROM, TO);
    expect(spans(result.busy)).toEqual([
      ["2031-03-03T08:00:00.000Z", "2031-03-03T09:00:00.000Z"],
      ["2031-03-04T12:00:00.000Z", "2031-03-04T13:30:00.000Z"],
      ["2031-03-05T23:00:00.000Z", "2031-03-06T23:00:00.000Z"],
      ["2031-03-07T07:00:00.000Z", "2031-03-07T07:30:00.000Z"],
      ["2031-03-10T13:00:00.000Z", "2031-03-10T14:00:00.000Z"],
      ["2031-03-24T08:00:00.000Z", "2031-03-24T09:00:00.000Z"],
    ]);
    expect(result.skipped).toBe(1);
  });

  it("agrees with ical.js on the busy events' occurrences", () => {
    const calendar = new ICAL.Component(ICAL.parse(GOOGLE));
    for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
    const found: Array<{ start: number; end: number }> = [];
    for (const vevent of calendar.getAllSubcomponents("vevent")) {
      const event = new ICAL.Event(vevent);
      if (event.isRecurrenceException() || ["free@google.com", "cancelled@google.com", "outlook", "broken", "allday@google.com"].includes(event.uid)) continue;
      for (const exception of calendar.getAllSubcomponents("vevent").filter((v) => v.hasProperty("recurrence-id") && v.getFirstPropertyValue("uid") === event.uid)) event.relateException(exception);
      const iterator = event.iterator();
      for (let next = iterator.next(); next; next = iterator.next()) {
        const details = event.getOccurrenceDetails(next);
        found.push({ start: details.startDate.toJSDate().getTime(), end: details.endDate.toJSDate().getTime() });
      }
    }
    const ours = externalBusy(GOOGLE, FROM, TO).busy.filter((b) => !["2031-03-05T23:00:00.000Z", "2031-03-07T07:00:00.000Z"].includes(new Date(b.start).toISOString()));
    expect(spans(ours)).toEqual(spans(found.sort((a, b) => a.start - b.start)));
  });

  it("keeps only the horizon, expands a rule without end inside it, and never throws on garbage", () => {
    const endless = ["BEGIN:VCALENDAR", "BEGIN:VEVENT", "DTSTART:20310101T090000Z", "DTEND:20310101T093000Z", "RRULE:FREQ=DAILY", "UID:daily", "END:VEVENT", "END:VCALENDAR"].join("\r\n");
    expect(externalBusy(endless, Date.UTC(2031, 5, 1), Date.UTC(2031, 5, 4)).busy).toHaveLength(3);
    const unsupported = endless.replace("RRULE:FREQ=DAILY", "RRULE:FREQ=DAILY;BYHOUR=9,10");
    expect(externalBusy(unsupported, FROM - 90 * 86_400_000, TO)).toMatchObject({ events: 1, skipped: 1 });
    for (const junk of ["", "not a calendar", "BEGIN:VEVENT\r\nDTSTART:2031", "BEGIN:VEVENT\r\nDTSTART:20310101T090000Z\r\nDTEND:20300101T090000Z\r\nEND:VEVENT", "\u0000".repeat(100), "BEGIN:VEVENT\nDTSTART;TZID=\"unterminated:20310101T090000\nEND:VEVENT"]) {
      expect(() => externalBusy(junk, FROM, TO)).not.toThrow();
    }
  });
});
