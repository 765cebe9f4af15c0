import { describe, expect, it } from "vitest";
import { ExpansionTooLong, expandSeries } from "../../worker/calendar/recurrence/expand.ts";
import { MAX_COUNT, MAX_RECURRENCE_LINES, parseRecurrence } from "../../worker/calendar/recurrence/recurrence-lines.ts";
import { canonicalZone } from "../../worker/calendar/recurrence/zone-time.ts";

const problems = (lines: string[], zone = "UTC") => {
  const result = parseRecurrence(lines, zone);
  return Array.isArray(result) ? result.map((p) => `${p.field}: ${p.message}`) : [];
};

describe("recurrence lines", () => {
  it("reads the parts Google Calendar writes", () => {
    const result = parseRecurrence(["RRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=2TU,-1FR;COUNT=10", "EXDATE;TZID=Europe/Berlin:20260113T090000,20260210T090000", "EXDATE:20260310T080000Z", "EXDATE;VALUE=DATE:20260414", "RDATE;TZID=Europe/Berlin:20260120T090000"], "Europe/Berlin");
    expect(Array.isArray(result)).toBe(false);
    if (Array.isArray(result)) return;
    expect(result.rule).toEqual({ freq: "MONTHLY", interval: 2, byDay: [{ pos: 2, day: "TU" }, { pos: -1, day: "FR" }], count: 10 });
    expect(result.exdates).toEqual([{ instant: Date.UTC(2026, 0, 13, 8) }, { instant: Date.UTC(2026, 1, 10, 8) }, { instant: Date.UTC(2026, 2, 10, 8) }, { day: Date.UTC(2026, 3, 14) }]);
    expect(result.rdates).toEqual([Date.UTC(2026, 0, 20, 8)]);
  });

  it("names the line and the part of each problem", () => {
    expect(problems(["RRULE:FREQ=WEEKLY;BYDAY=XX"])).toEqual(['recurrence[0]: BYDAY: "XX" is not a weekday (MO, TU, WE, TH, FR, SA, SU, optionally with a position such as 2TU or -1FR)']);
    expect(problems(["RRULE:FREQ=WEEKLY", "RRULE:FREQ=HOURLY"])).toEqual(["recurrence[1]: only one RRULE line is allowed"]);
    expect(problems(["RRULE:FREQ=HOURLY"])).toEqual(['recurrence[0]: FREQ: "HOURLY" is not supported (DAILY, WEEKLY, MONTHLY or YEARLY)']);
    expect(problems(["RRULE:INTERVAL=2"])).toEqual(["recurrence[0]: FREQ: is required (DAILY, WEEKLY, MONTHLY or YEARLY)"]);
    expect(problems(["RRULE:FREQ=DAILY;BYSETPOS=1"])[0]).toMatch(/^recurrence\[0\]: "BYSETPOS" is not a supported rule part/);
    expect(problems(["RRULE:FREQ=DAILY;COUNT=3;UNTIL=20260101T000000Z"])).toEqual(["recurrence[0]: COUNT and UNTIL: give one or the other, not both"]);
    expect(problems([`RRULE:FREQ=DAILY;COUNT=${MAX_COUNT + 1}`])[0]).toMatch(/^recurrence\[0\]: COUNT: "1001" must be a whole number from 1 to 1000/);
    expect(problems(["RRULE:FREQ=WEEKLY;BYDAY=2TU"])).toEqual(['recurrence[0]: BYDAY: "2TU" has a position, which only FREQ=MONTHLY or YEARLY allows']);
    expect(problems(["RRULE:FREQ=MONTHLY;BYDAY=6TU"])[0]).toMatch(/position 6; it must be 1 to 5/);
    expect(problems(["RRULE:FREQ=YEARLY;BYDAY=20MO"])[0]).toMatch(/FREQ=YEARLY allows only with BYMONTH/);
    expect(problems(["RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"])).toEqual(["recurrence[0]: BYMONTHDAY: 30 never occurs in BYMONTH 2"]);
    expect(problems(["RRULE:FREQ=MONTHLY;BYMONTH=13"])[0]).toMatch(/BYMONTH: "13" is not a month/);
    expect(problems(["RRULE:FREQ=WEEKLY;BYMONTHDAY=1"])[0]).toMatch(/BYMONTHDAY: is not allowed with FREQ=WEEKLY/);
    expect(problems(["EXDATE;TZID=Mars/Olympus:20260101T000000"])).toEqual(['recurrence[0]: EXDATE: TZID "Mars/Olympus" is not an IANA time zone']);
    expect(problems(["EXDATE:20260230T000000"])[0]).toMatch(/does not exist/);
    expect(problems(["EXDATE:20260101"])[0]).toMatch(/add ;VALUE=DATE/);
    expect(problems(["RDATE;VALUE=PERIOD:20260101T000000Z/PT1H"])[0]).toMatch(/VALUE=PERIOD is not supported/);
    expect(problems(["DTSTART:20260101T000000Z"])[0]).toMatch(/"DTSTART" is not supported; a line is RRULE:, EXDATE or RDATE/);
    expect(problems(["no colon"])[0]).toMatch(/must be NAME:VALUE/);
  });

  it("bounds hostile sizes", () => {
    expect(problems(Array.from({ length: MAX_RECURRENCE_LINES + 1 }, () => "EXDATE:20260101T000000Z"))).toEqual([`recurrence: has ${MAX_RECURRENCE_LINES + 1} lines; the most is ${MAX_RECURRENCE_LINES}`]);
    expect(problems([`EXDATE:${Array.from({ length: 501 }, () => "20260101T000000Z").join(",")}`])[0]).toMatch(/^recurrence\[0\]: is \d+ characters long/);
    expect(problems(Array.from({ length: 30 }, () => `EXDATE:${Array.from({ length: 20 }, () => "20260101T000000Z").join(",")}`))).toEqual(["recurrence: lists 600 EXDATE and RDATE values; the most is 500"]);
    // A quoted value is cut, so a message never echoes a long input whole.
    expect(problems([`RRULE:FREQ=${"X".repeat(500)}`])[0]!.length).toBeLessThan(150);
  });

  it("knows IANA zones and refuses offsets and junk", () => {
    expect(canonicalZone("europe/berlin")).toBe("Europe/Berlin");
    expect(canonicalZone("Australia/Lord_Howe")).toBe("Australia/Lord_Howe");
    expect(canonicalZone("+05:00")).toBeNull();
    expect(canonicalZone("Mars/Olympus")).toBeNull();
    expect(canonicalZone("Europe/Berlin\u0000")).toBeNull();
  });

  it("a rule whose periods never reach its months is found out in bounded time", () => {
    const result = parseRecurrence(["RRULE:FREQ=MONTHLY;INTERVAL=2;BYMONTH=5"], "UTC");
    if (Array.isArray(result)) throw new Error("fixture");
    const started = performance.now();
    // From June, every other month is June, August, ... December, February, April: never May.
    expect(() => expandSeries({ start: Date.UTC(2026, 5, 1), durationMs: 60_000, zone: "UTC", recurrence: result }, { from: Date.UTC(2026, 5, 1), to: Date.UTC(9999, 0) }, 2)).toThrow(ExpansionTooLong);
    expect(performance.now() - started).toBeLessThan(2000);
    // From January it is January, March, May: found at once.
    const fromJanuary = expandSeries({ start: Date.UTC(2026, 0, 1), durationMs: 60_000, zone: "UTC", recurrence: result }, { from: 0, to: Date.UTC(9999, 0) }, 2);
    expect(fromJanuary.occurrences.map((o) => o.start)).toEqual([Date.UTC(2026, 0, 1), Date.UTC(2026, 4, 1)]);
  });
});
