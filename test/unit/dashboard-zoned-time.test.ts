import { describe, expect, it } from "vitest";
// See dashboard-countdown.test.ts for why the import needs ts-ignore here.
// @ts-ignore
import { dayAndMinute, dayNumberOf, isKnownZone, offsetLabel, weekdayOf, zonedInstant, zoneOffsetMs } from "../../dashboard/public/lib/zoned-time.js";
// @ts-ignore
import { calendarColor, calendarsInOrder } from "../../dashboard/public/lib/calendar-colors.js";

describe("wall-clock time in a named zone", () => {
  it("knows each zone's offset, summer and winter", () => {
    expect(zoneOffsetMs(Date.parse("2026-01-15T12:00:00Z"), "Europe/Berlin")).toBe(3_600_000);
    expect(zoneOffsetMs(Date.parse("2026-07-15T12:00:00Z"), "Europe/Berlin")).toBe(7_200_000);
    expect(offsetLabel(Date.parse("2026-01-15T12:00:00Z"), "America/New_York")).toBe("UTC−5");
    expect(offsetLabel(Date.parse("2026-01-15T12:00:00Z"), "Asia/Kolkata")).toBe("UTC+5:30");
    expect(offsetLabel(0, "UTC")).toBe("UTC");
  });

  it("turns a day and minute in a zone into the instant, across DST gaps and repeats", () => {
    const march29 = dayNumberOf(2026, 3, 29); // Berlin skips 02:00-03:00
    expect(new Date(zonedInstant(march29, 60, "Europe/Berlin")).toISOString()).toBe("2026-03-29T00:00:00.000Z");
    expect(new Date(zonedInstant(march29, 180, "Europe/Berlin")).toISOString()).toBe("2026-03-29T01:00:00.000Z");
    expect(new Date(zonedInstant(march29, 150, "Europe/Berlin")).toISOString()).toBe("2026-03-29T01:30:00.000Z"); // in the gap: after it
    const october25 = dayNumberOf(2026, 10, 25); // Berlin repeats 02:00-03:00
    expect(new Date(zonedInstant(october25, 150, "Europe/Berlin")).toISOString()).toBe("2026-10-25T00:30:00.000Z"); // the first 02:30
    expect(dayAndMinute(Date.parse("2026-10-25T01:30:00Z"), "Europe/Berlin")).toEqual({ dayNumber: october25, minute: 150 }); // the second
  });

  it("counts days and weekdays on the calendar", () => {
    expect(dayNumberOf(1970, 1, 1)).toBe(0);
    expect(weekdayOf(dayNumberOf(2026, 11, 23))).toBe(0); // a Monday
    expect(weekdayOf(dayNumberOf(2026, 11, 29))).toBe(6);
    expect(weekdayOf(-1)).toBe(2); // 31 Dec 1969, a Wednesday
  });

  it("tells known zones from made-up ones", () => {
    expect(isKnownZone("Europe/Berlin")).toBe(true);
    expect(isKnownZone("Mars/Olympus")).toBe(false);
  });
});

describe("calendar colours", () => {
  it("give the team's calendar the first colour and every other name a stable other one", () => {
    expect(calendarColor("team")).toBe(0);
    for (const name of ["design", "ops", "a", "release-train"]) {
      expect(calendarColor(name)).toBe(calendarColor(name));
      expect(calendarColor(name)).toBeGreaterThanOrEqual(1);
      expect(calendarColor(name)).toBeLessThan(8);
    }
    expect(new Set(["design", "ops", "hiring", "sales", "support"].map(calendarColor)).size).toBeGreaterThan(2);
  });

  it("list the team's calendar first, the others by name, once each", () => {
    expect(calendarsInOrder(["ops", "design", "ops"])).toEqual(["team", "design", "ops"]);
  });
});
