import { describe, expect, it } from "vitest";
// See dashboard-countdown.test.ts for why the import needs ts-ignore here.
// @ts-ignore
import { inMonthOf, isView, stepAnchor, viewDays } from "../../dashboard/public/lib/calendar-views.js";
// @ts-ignore
import { dayNumberOf, weekdayOf } from "../../dashboard/public/lib/zoned-time.js";

const TUESDAY_1_DEC = dayNumberOf(2026, 12, 1);

describe("calendar views", () => {
  it("a day view shows that day; a week view its Monday to Sunday", () => {
    expect(viewDays("day", TUESDAY_1_DEC)).toEqual({ firstDay: TUESDAY_1_DEC, dayCount: 1 });
    expect(viewDays("week", TUESDAY_1_DEC)).toEqual({ firstDay: dayNumberOf(2026, 11, 30), dayCount: 7 });
  });

  it("a month view shows six weeks from the Monday on or before the 1st", () => {
    const { firstDay, dayCount } = viewDays("month", dayNumberOf(2026, 12, 20));
    expect(firstDay).toBe(dayNumberOf(2026, 11, 30));
    expect(weekdayOf(firstDay)).toBe(0);
    expect(dayCount).toBe(42);
    // February 2027 starts on a Monday: the month view starts on the 1st itself.
    expect(viewDays("month", dayNumberOf(2027, 2, 14)).firstDay).toBe(dayNumberOf(2027, 2, 1));
    expect(inMonthOf(dayNumberOf(2026, 11, 30), TUESDAY_1_DEC)).toBe(false);
    expect(inMonthOf(dayNumberOf(2026, 12, 31), TUESDAY_1_DEC)).toBe(true);
  });

  it("steps by a day, a week or a month, keeping the day of month where it can", () => {
    expect(stepAnchor("day", TUESDAY_1_DEC, -1)).toBe(TUESDAY_1_DEC - 1);
    expect(stepAnchor("week", TUESDAY_1_DEC, 1)).toBe(TUESDAY_1_DEC + 7);
    expect(stepAnchor("month", dayNumberOf(2027, 1, 31), 1)).toBe(dayNumberOf(2027, 2, 28));
    expect(stepAnchor("month", TUESDAY_1_DEC, 1)).toBe(dayNumberOf(2027, 1, 1));
    expect(stepAnchor("month", dayNumberOf(2027, 1, 15), -1)).toBe(dayNumberOf(2026, 12, 15));
  });

  it("knows its view names", () => {
    expect(["day", "week", "month", "year", 3].map(isView)).toEqual([true, true, true, false, false]);
  });
});
