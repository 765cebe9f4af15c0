import { describe, expect, it } from "vitest";
import type { Event } from "../../shared/calendar.ts";
import { buildEvent } from "../../worker/calendar/event-record.ts";
import { cancelledSeries, overriddenSeries, seriesEntries } from "../../worker/calendar/occurrences.ts";
import { splitSeries } from "../../worker/calendar/split.ts";

/** The pure parts of changing series (issue #17): splits, overrides and cancellations, without Redis. */
const NOW = "2030-01-01T00:00:00.000Z";
const meta = (id: string) => ({ id, created_by: "ana", created_at: NOW, updated_at: NOW, version: 1 });

function series(fields: { starts_at: string; recurrence: string[]; time_zone?: string; ends_at?: string }): Event {
  const event = buildEvent({ title: "s", ...fields }, meta("s"));
  if (Array.isArray(event)) throw new Error(JSON.stringify(event));
  return event;
}

describe("splitSeries", () => {
  it("refuses (naming from_occurrence) a split at a start a DST gap moved: the part after would run an hour late", () => {
    // 02:30 in Berlin does not exist on 2031-03-30: that day's occurrence is at 03:30 (01:30Z).
    const daily = series({ starts_at: "2031-03-28T01:30:00Z", time_zone: "Europe/Berlin", recurrence: ["RRULE:FREQ=DAILY;COUNT=5"] });
    const moved = Date.parse("2031-03-30T01:30:00Z");
    const result = splitSeries(daily, moved, { title: "later" }, meta("t"), NOW);
    expect(Array.isArray(result) && result[0]!.field).toBe("from_occurrence");
    // The next day's 02:30 is real: splitting there works, and keeps every occurrence.
    const next = Date.parse("2031-03-31T00:30:00Z");
    const split = splitSeries(daily, next, { title: "later" }, meta("t"), NOW);
    if (Array.isArray(split)) throw new Error(JSON.stringify(split));
    expect(split.before.recurrence).toEqual(["RRULE:FREQ=DAILY;UNTIL=20310331T002959Z"]);
    expect(split.following.recurrence).toEqual(["RRULE:FREQ=DAILY;COUNT=2"]);
    expect([...seriesEntries(split.before), ...seriesEntries(split.following)].map((e) => new Date(e.start).toISOString())).toEqual(
      ["2031-03-28T01:30", "2031-03-29T01:30", "2031-03-30T01:30", "2031-03-31T00:30", "2031-04-01T00:30"].map((t) => `${t}:00.000Z`),
    );
  });

  it("refuses a split at an RDATE amid an RRULE, and moves RDATEs and EXDATEs to the part they name", () => {
    const weekly = series({ starts_at: "2031-03-03T09:00:00Z", recurrence: ["RRULE:FREQ=WEEKLY;COUNT=4", "RDATE:20310305T090000Z,20310320T090000Z", "EXDATE:20310310T090000Z,20310324T090000Z"] });
    const atRdate = splitSeries(weekly, Date.parse("2031-03-05T09:00:00Z"), {}, meta("t"), NOW);
    expect(Array.isArray(atRdate) && atRdate[0]!.message).toContain("RDATE");
    const split = splitSeries(weekly, Date.parse("2031-03-17T09:00:00Z"), {}, meta("t"), NOW);
    if (Array.isArray(split)) throw new Error(JSON.stringify(split));
    expect(split.before.recurrence).toEqual(["RRULE:FREQ=WEEKLY;UNTIL=20310317T085959Z", "EXDATE:20310310T090000Z", "RDATE:20310305T090000Z"]);
    expect(split.following.recurrence).toEqual(["RRULE:FREQ=WEEKLY;COUNT=2", "EXDATE:20310324T090000Z", "RDATE:20310320T090000Z"]);
  });
});

describe("overrides and cancellations", () => {
  it("an override moved onto the next occurrence is refused; cancelling that one first lets it", () => {
    const daily = series({ starts_at: "2031-03-03T09:00:00Z", recurrence: ["RRULE:FREQ=DAILY;COUNT=3"] });
    const first = Date.parse("2031-03-03T09:00:00Z");
    const onto = overriddenSeries(daily, first, { starts_at: "2031-03-04T09:30:00Z" }, NOW);
    expect(Array.isArray(onto) && onto[0]!.field).toBe("starts_at");
    const cancelled = cancelledSeries(daily, Date.parse("2031-03-04T09:00:00Z"), NOW);
    if (Array.isArray(cancelled)) throw new Error(JSON.stringify(cancelled));
    const moved = overriddenSeries(cancelled, first, { starts_at: "2031-03-04T09:30:00Z" }, NOW);
    if (Array.isArray(moved)) throw new Error(JSON.stringify(moved));
    expect(seriesEntries(moved).map((e) => [new Date(e.occurrenceStart).toISOString(), new Date(e.start).toISOString()])).toEqual([
      ["2031-03-03T09:00:00.000Z", "2031-03-04T09:30:00.000Z"],
      ["2031-03-05T09:00:00.000Z", "2031-03-05T09:00:00.000Z"],
    ]);
  });
});
