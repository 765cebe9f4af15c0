import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ICAL from "ical.js";
import nodeIcal, { type VEvent } from "node-ical";
import { describe, expect, it } from "vitest";
import type { Event } from "../../shared/calendar.ts";
import { buildEvent, occurrencesOf } from "../../worker/calendar/event-record.ts";
import { calendarFeed } from "../../worker/calendar/ics.ts";

/**
 * The feed writes a stored series as one VEVENT (RRULE with COUNT, EXDATE, RDATE, TZID and a
 * VTIMEZONE); three independent readers, ical.js, node-ical and khal (Python's icalendar and
 * dateutil; `npm test` installs it), must expand it into exactly the
 * occurrences the API lists (occurrencesOf), start and end, across DST.
 */
// `npm test` installs khal (dev/test-prerequisites.ts); only a bare `vitest run` without it skips, never CI.
const hasKhal = spawnSync("khal", ["--version"]).status === 0 || process.env.CI === "true";
const meta = { id: "s", created_by: "ana", created_at: "2031-01-01T00:00:00.000Z", updated_at: "2031-01-01T00:00:00.000Z", version: 1 };

function series(id: string, fields: { starts_at: string; ends_at: string; time_zone?: string; recurrence: string[] }): Event {
  const event = buildEvent({ title: id, ...fields }, { ...meta, id });
  if (Array.isArray(event)) throw new Error(`${id}: ${event.map((p) => `${p.field}: ${p.message}`).join("; ")}`);
  return event;
}

const CASES: Event[] = [
  // Weekly in Berlin across both DST changes of 2031, with an EXDATE given on the wall clock.
  series("weekly-berlin", { starts_at: "2031-03-03T08:00:00Z", ends_at: "2031-03-03T09:00:00Z", time_zone: "Europe/Berlin", recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20311110T235959Z", "EXDATE;TZID=Europe/Berlin:20310317T090000"] }),
  // The last Friday of each month in New York, ended by COUNT, with an extra date and a whole-day EXDATE.
  series("last-friday-ny", { starts_at: "2031-01-31T20:00:00Z", ends_at: "2031-01-31T21:30:00Z", time_zone: "America/New_York", recurrence: ["RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=12", "RDATE;TZID=America/New_York:20310402T150000", "EXDATE;VALUE=DATE:20310627"] }),
  // Every other day in UTC, UNTIL a date.
  series("daily-utc", { starts_at: "2031-05-01T12:00:00Z", ends_at: "2031-05-01T12:15:00Z", recurrence: ["RRULE:FREQ=DAILY;INTERVAL=2;UNTIL=20310620"] }),
  // A half-hour zone, yearly on given months and days.
  series("kolkata", { starts_at: "2031-01-15T04:00:00Z", ends_at: "2031-01-15T05:00:00Z", time_zone: "Asia/Kolkata", recurrence: ["RRULE:FREQ=YEARLY;BYMONTH=1,7;BYMONTHDAY=15;COUNT=6"] }),
];

const listed = (event: Event) => occurrencesOf(event).map((o) => [new Date(o.start).toISOString(), new Date(o.end).toISOString()]);
const text = calendarFeed("t", CASES);

describe("the feed's series, read back", () => {
  it("is one VEVENT per series with RRULE (COUNT), and a VTIMEZONE for each zone", () => {
    expect(text.match(/BEGIN:VEVENT/g)).toHaveLength(CASES.length + 1);
    for (const zone of new Set(CASES.flatMap((c) => (c.time_zone === undefined ? [] : [c.time_zone])))) expect(text).toContain(`BEGIN:VTIMEZONE\r\nTZID:${zone}\r\n`);
    expect(text).toContain("RRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=");
    expect(text).toContain("EXDATE;TZID=Europe/Berlin:20310317T090000\r\n");
    // node-ical ignores RDATE, so an RDATE start is an event of its own.
    expect(text).not.toContain("RDATE");
    expect(text).toContain(`UID:last-friday-ny-${Date.parse("2031-04-02T19:00:00Z")}@t.groupsync`);
    expect(text).not.toContain("UNTIL=");
  });

  /** What a reader found, per series: an RDATE's event (UID <id>-<start ms>@...) counts toward its series. */
  const bySeries = (found: Array<{ uid: string; start: Date; end: Date }>) => {
    const map: Record<string, string[][]> = {};
    for (const o of found) (map[o.uid.split("@")[0]!.replace(/-\d+$/, "")] ??= []).push([o.start.toISOString(), o.end.toISOString()]);
    for (const list of Object.values(map)) list.sort((a, b) => a[0]!.localeCompare(b[0]!));
    return map;
  };
  const expected = Object.fromEntries(CASES.map((c) => [c.id, listed(c)]));

  it("ical.js expands each series into the occurrences we list", () => {
    const calendar = new ICAL.Component(ICAL.parse(text));
    for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
    const found: Array<{ uid: string; start: Date; end: Date }> = [];
    for (const vevent of calendar.getAllSubcomponents("vevent")) {
      const event = new ICAL.Event(vevent);
      const iterator = event.iterator();
      for (let next = iterator.next(); next && found.length < 5000; next = iterator.next()) {
        const details = event.getOccurrenceDetails(next);
        found.push({ uid: event.uid, start: details.startDate.toJSDate(), end: details.endDate.toJSDate() });
      }
    }
    expect(bySeries(found)).toEqual(expected);
  });

  it("node-ical expands each series into the occurrences we list", () => {
    const parsed = nodeIcal.sync.parseICS(text);
    const vevents = Object.values(parsed).filter((c): c is VEvent => c !== undefined && c.type === "VEVENT");
    const found = vevents.flatMap((vevent) =>
      nodeIcal.expandRecurringEvent(vevent, { from: new Date("2030-01-01T00:00:00Z"), to: new Date("2040-01-01T00:00:00Z") }).map((i) => ({ uid: vevent.uid, start: new Date(i.start), end: new Date(i.end) })),
    );
    expect(bySeries(found)).toEqual(expected);
  });

  it.skipIf(!hasKhal)("khal lists the occurrences we list", () => {
    const dir = mkdtempSync(join(tmpdir(), "groupsync-khal-"));
    try {
      writeFileSync(join(dir, "feed.ics"), text);
      const config = join(dir, "config");
      const formats = ["timeformat = %H:%M:%S", "dateformat = %Y-%m-%d", "longdateformat = %Y-%m-%d", "datetimeformat = %Y-%m-%dT%H:%M:%S", "longdatetimeformat = %Y-%m-%dT%H:%M:%S"];
      writeFileSync(config, ["[calendars]", "[[feed]]", `path = ${join(dir, "cal")}`, "[locale]", "local_timezone = UTC", "default_timezone = UTC", ...formats, ""].join("\n"));
      execFileSync("khal", ["-c", config, "import", "--batch", "-a", "feed", join(dir, "feed.ics")]);
      const listing = execFileSync("khal", ["-c", config, "list", "--format", "{start} {end} {title}", "--day-format", "", "2030-01-01", "2040-01-01"], { encoding: "utf8" });
      const found = listing
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => {
          const [start, end, title] = line.trim().split(" ");
          return { uid: `${title}@t.groupsync`, start: new Date(`${start}Z`), end: new Date(`${end}Z`) };
        });
      expect(bySeries(found)).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000); // khal is a Python program: its start alone can take seconds on a loaded machine
});
