import { describe, expect, it } from "vitest";
// See dashboard-countdown.test.ts for why the import needs ts-ignore here.
// @ts-ignore
import { describeRepeat, repeatLines, startParts } from "../../dashboard/public/lib/repeat-rule.js";

const BERLIN = "Europe/Berlin";
// Monday 2026-11-30 00:30 in Berlin is still Sunday 23:30 in UTC: the zone decides the weekday.
const MONDAY_EARLY = Date.parse("2026-11-29T23:30:00Z");
const never = { kind: "never" } as const;
type Kind = Parameters<typeof repeatLines>[0]["kind"];

describe("the repeat picker as RFC 5545 lines", () => {
  it("takes the weekday and day of month the view's zone shows", () => {
    expect(startParts(MONDAY_EARLY, BERLIN)).toEqual({ weekday: 0, day: 30, nth: 5 });
    expect(startParts(MONDAY_EARLY, "UTC")).toEqual({ weekday: 6, day: 29, nth: 5 });
  });

  it("builds each kind of rule", () => {
    const start = Date.parse("2026-12-08T09:00:00Z"); // Tuesday the 8th: the second Tuesday
    const lines = (kind: Kind) => repeatLines({ kind, startMs: start, zone: BERLIN, end: never });
    expect(lines("none")).toEqual([]);
    expect(lines("daily")).toEqual(["RRULE:FREQ=DAILY"]);
    expect(lines("weekdays")).toEqual(["RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"]);
    expect(lines("weekly")).toEqual(["RRULE:FREQ=WEEKLY;BYDAY=TU"]);
    expect(lines("monthly-day")).toEqual(["RRULE:FREQ=MONTHLY;BYMONTHDAY=8"]);
    expect(lines("monthly-weekday")).toEqual(["RRULE:FREQ=MONTHLY;BYDAY=2TU"]);
    // A fifth Monday is "the last Monday": not every month has a fifth.
    expect(repeatLines({ kind: "monthly-weekday", startMs: MONDAY_EARLY, zone: BERLIN, end: never })).toEqual(["RRULE:FREQ=MONTHLY;BYDAY=-1MO"]);
  });

  it("ends after N times or on a date (UNTIL in UTC), and refuses a bad end", () => {
    const start = Date.parse("2026-12-08T09:00:00Z");
    expect(repeatLines({ kind: "weekly", startMs: start, zone: BERLIN, end: { kind: "count", count: 4 } })).toEqual(["RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=4"]);
    expect(repeatLines({ kind: "daily", startMs: start, zone: BERLIN, end: { kind: "until", untilMs: Date.parse("2026-12-31T22:59:59Z") } })).toEqual(["RRULE:FREQ=DAILY;UNTIL=20261231T225959Z"]);
    expect(repeatLines({ kind: "daily", startMs: start, zone: BERLIN, end: { kind: "count", count: 0 } })).toEqual({ error: "The number of times is a whole number from 1 to 1000." });
    expect(repeatLines({ kind: "daily", startMs: start, zone: BERLIN, end: { kind: "until", untilMs: start - 1 } })).toEqual({ error: "The last day must be on or after the first." });
  });

  it("takes custom text line by line, adding RRULE: where it is missing", () => {
    expect(repeatLines({ kind: "custom", startMs: 0, zone: BERLIN, end: never, custom: " FREQ=WEEKLY;BYDAY=MO,TH \nEXDATE:20261210T080000Z\n" })).toEqual(["RRULE:FREQ=WEEKLY;BYDAY=MO,TH", "EXDATE:20261210T080000Z"]);
    expect(repeatLines({ kind: "custom", startMs: 0, zone: BERLIN, end: never, custom: "  " })).toEqual({ error: "Type the repeat rule, such as FREQ=WEEKLY;BYDAY=MO,TH." });
  });
});

describe("a series said in words", () => {
  it("says the common rules and how they end", () => {
    expect(describeRepeat(["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4"], BERLIN)).toBe("Weekly on Monday, 4 times");
    expect(describeRepeat(["RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR"], BERLIN)).toBe("Weekly on Monday, Wednesday and Friday");
    expect(describeRepeat(["RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"], BERLIN)).toBe("Every weekday");
    expect(describeRepeat(["RRULE:FREQ=DAILY;COUNT=1"], BERLIN)).toBe("Daily, once");
    expect(describeRepeat(["RRULE:FREQ=MONTHLY;BYMONTHDAY=8"], BERLIN)).toBe("Monthly on day 8");
    expect(describeRepeat(["RRULE:FREQ=MONTHLY;BYDAY=-1MO", "EXDATE:20261228T080000Z"], BERLIN)).toBe("Monthly on the last Monday");
    expect(describeRepeat(["RRULE:FREQ=DAILY;UNTIL=20261231T225959Z"], BERLIN)).toBe("Daily, until 31 Dec 2026");
  });

  it("shows any other rule as written", () => {
    expect(describeRepeat(["RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"], BERLIN)).toBe("Repeats: FREQ=WEEKLY;INTERVAL=2;BYDAY=MO");
    expect(describeRepeat(["RDATE:20261210T080000Z"], BERLIN)).toBe("Repeats on chosen dates");
  });
});
