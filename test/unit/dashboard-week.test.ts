import { describe, expect, it } from "vitest";
// See dashboard-countdown.test.ts for why the import needs ts-ignore here.
// @ts-ignore
import { dayRange, fromLocalInputValue, layoutDays, slotInstant, startOfWeek, toLocalInputValue, today } from "../../dashboard/public/lib/week.js";
// @ts-ignore
import { dayNumberOf } from "../../dashboard/public/lib/zoned-time.js";
import type { Event } from "../../shared/calendar.ts";

// The week is in the zone the member picked, not the machine's: a zone with DST (and not UTC) keeps the tests honest.
const BERLIN = "Europe/Berlin";

function event(id: string, startsAt: string, endsAt: string): Event {
  return { id, title: id, description: "", calendar: "team", starts_at: startsAt, ends_at: endsAt, created_by: "ana", created_at: startsAt, updated_at: startsAt, version: 1 };
}

/** Monday 23 Nov 2026; its midnight in Berlin (UTC+1) is 22 Nov 23:00Z. */
const WEEK: number = dayNumberOf(2026, 11, 23);
const layoutWeek = (events: Event[], zone = BERLIN) => layoutDays(events, WEEK, 7, zone);

describe("weeks", () => {
  it("start on Monday, from any instant of the week in the zone", () => {
    for (const instant of ["2026-11-22T23:00:00Z", "2026-11-24T14:30:00Z", "2026-11-29T22:59:00Z"]) expect(startOfWeek(Date.parse(instant), BERLIN)).toBe(WEEK);
    // 29 Nov 23:30Z is already Monday 30 Nov in Berlin, but still Sunday in New York.
    expect(startOfWeek(Date.parse("2026-11-29T23:30:00Z"), BERLIN)).toBe(WEEK + 7);
    expect(startOfWeek(Date.parse("2026-11-29T23:30:00Z"), "America/New_York")).toBe(WEEK);
    expect(today(Date.parse("2026-11-24T23:30:00Z"), BERLIN)).toBe(WEEK + 2);
  });

  it("ask the API for exactly their seven days in the zone", () => {
    expect(dayRange(WEEK, 7, BERLIN)).toEqual({ from: "2026-11-22T23:00:00.000Z", to: "2026-11-29T23:00:00.000Z" });
    expect(dayRange(WEEK, 7, "America/New_York")).toEqual({ from: "2026-11-23T05:00:00.000Z", to: "2026-11-30T05:00:00.000Z" });
  });

  it("keep midnights across a DST change (the week of 22 March 2027 has 167 hours in Berlin)", () => {
    const { from, to } = dayRange(dayNumberOf(2027, 3, 22), 7, BERLIN);
    expect((Date.parse(to) - Date.parse(from)) / 3_600_000).toBe(167);
  });
});

describe("layoutDays", () => {
  it("places events by day and minutes from midnight in the zone", () => {
    const days = layoutWeek([event("standup", "2026-11-24T08:00:00Z", "2026-11-24T08:15:00Z")]);
    expect(days.map((d: unknown[]) => d.length)).toEqual([0, 1, 0, 0, 0, 0, 0]);
    expect(days[1]?.[0]).toMatchObject({ day: 1, startMinute: 540, endMinute: 555, column: 0, span: 1, columns: 1, continuesBefore: false, continuesAfter: false });
    // The same instant is 03:00 in New York.
    expect(layoutWeek([event("standup", "2026-11-24T08:00:00Z", "2026-11-24T08:15:00Z")], "America/New_York")[1]?.[0]).toMatchObject({ startMinute: 180 });
  });

  it("splits an event across midnight into one piece per day it covers", () => {
    const days = layoutWeek([event("release", "2026-11-25T21:00:00Z", "2026-11-27T01:00:00Z")]);
    expect(days[2]).toEqual([expect.objectContaining({ startMinute: 22 * 60, endMinute: 24 * 60, continuesBefore: false, continuesAfter: true })]);
    expect(days[3]).toEqual([expect.objectContaining({ startMinute: 0, endMinute: 24 * 60, continuesBefore: true, continuesAfter: true })]);
    expect(days[4]).toEqual([expect.objectContaining({ startMinute: 0, endMinute: 120, continuesBefore: true, continuesAfter: false })]);
  });

  it("leaves out events outside the week and clips those that straddle its edges", () => {
    const days = layoutWeek([
      event("before", "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z"),
      event("edge", "2026-11-22T22:00:00Z", "2026-11-23T00:00:00Z"),
      event("after", "2026-11-29T23:00:00Z", "2026-11-30T01:00:00Z"),
    ]);
    expect(days.flat().map((p: { event: Event }) => p.event.id)).toEqual(["edge"]);
    expect(days[0]?.[0]).toMatchObject({ startMinute: 0, endMinute: 60, continuesBefore: true });
  });

  it("puts overlapping events (other calendars) side by side, and back-to-back ones full width", () => {
    const days = layoutWeek([
      event("a", "2026-11-23T09:00:00Z", "2026-11-23T11:00:00Z"),
      event("b", "2026-11-23T09:30:00Z", "2026-11-23T10:00:00Z"),
      event("c", "2026-11-23T10:00:00Z", "2026-11-23T10:30:00Z"), // overlaps a, after b: b's column is free again
      event("d", "2026-11-23T11:00:00Z", "2026-11-23T12:00:00Z"), // back to back with a: its own cluster
    ]);
    const slots = Object.fromEntries((days[0] ?? []).map((p: { event: Event; column: number; span: number; columns: number }) => [p.event.id, [p.column, p.span, p.columns]]));
    expect(slots).toEqual({ a: [0, 1, 2], b: [1, 1, 2], c: [1, 1, 2], d: [0, 1, 1] });
  });

  it("ignores events whose end is not after their start", () => {
    expect(layoutWeek([event("broken", "2026-11-24T10:00:00Z", "2026-11-24T10:00:00Z")]).flat()).toEqual([]);
  });
});

describe("slots and the form's date-times, in the zone", () => {
  it("a slot is wall-clock time on that day in the zone", () => {
    expect(new Date(slotInstant(WEEK + 2, 10 * 60, BERLIN)).toISOString()).toBe("2026-11-25T09:00:00.000Z");
    expect(new Date(slotInstant(WEEK + 2, 10 * 60, "America/New_York")).toISOString()).toBe("2026-11-25T15:00:00.000Z");
  });

  it("round-trips datetime-local values through the UTC instants the API speaks", () => {
    expect(toLocalInputValue(Date.parse("2026-11-25T09:00:00Z"), BERLIN)).toBe("2026-11-25T10:00");
    expect(toLocalInputValue(Date.parse("2026-11-25T09:00:00Z"), "UTC")).toBe("2026-11-25T09:00");
    expect(fromLocalInputValue("2026-11-25T10:00", BERLIN)).toBe("2026-11-25T09:00:00.000Z");
    expect(fromLocalInputValue("2026-07-01T10:00", BERLIN)).toBe("2026-07-01T08:00:00.000Z"); // summer time: UTC+2
    expect(fromLocalInputValue("2026-11-25T05:00", "America/New_York")).toBe("2026-11-25T10:00:00.000Z");
  });

  it("refuses empty, malformed and impossible dates instead of rolling them over", () => {
    expect(fromLocalInputValue("", BERLIN)).toBeNull();
    expect(fromLocalInputValue("tomorrow", BERLIN)).toBeNull();
    expect(fromLocalInputValue("2026-02-30T10:00", BERLIN)).toBeNull();
    expect(fromLocalInputValue("2026-02-03T24:30", BERLIN)).toBeNull();
  });
});
