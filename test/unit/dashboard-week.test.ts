import { describe, expect, it } from "vitest";
// See dashboard-countdown.test.ts for why the import needs ts-ignore here.
// @ts-ignore
import { addWeeks, fromLocalInputValue, layoutWeek, slotInstant, startOfWeek, toLocalInputValue, weekRange } from "../../dashboard/public/lib/week.js";
import type { Event } from "../../shared/calendar.ts";

// Declared here rather than taken from @types/node, which the dashboard's type-check leaves out.
declare const process: { env: Record<string, string | undefined> };
// The week view works in the browser's local time. A zone with DST (and not UTC) keeps the tests honest.
process.env.TZ = "Europe/Berlin";

function event(id: string, startsAt: string, endsAt: string): Event {
  return { id, title: id, description: "", calendar: "team", starts_at: startsAt, ends_at: endsAt, created_by: "ana", created_at: startsAt, updated_at: startsAt, version: 1 };
}

/** Monday 23 Nov 2026, local midnight in Berlin (UTC+1): 22 Nov 23:00Z. */
const WEEK = new Date(2026, 10, 23);

describe("weeks", () => {
  it("start on Monday at local midnight, from any day of the week", () => {
    expect(WEEK.toISOString()).toBe("2026-11-22T23:00:00.000Z");
    for (const day of [23, 24, 27, 29]) expect(startOfWeek(new Date(2026, 10, day, 15, 30)).getTime()).toBe(WEEK.getTime());
    expect(startOfWeek(new Date(2026, 10, 30, 0, 0)).getTime()).toBe(new Date(2026, 10, 30).getTime());
  });

  it("ask the API for exactly their seven local days", () => {
    expect(weekRange(WEEK)).toEqual({ from: "2026-11-22T23:00:00.000Z", to: "2026-11-29T23:00:00.000Z" });
  });

  it("keep local midnights across a DST change (the week of 29 March 2027 has 167 hours)", () => {
    const dstWeek = new Date(2027, 2, 22);
    const { from, to } = weekRange(dstWeek);
    expect((Date.parse(to) - Date.parse(from)) / 3_600_000).toBe(167);
    expect(addWeeks(dstWeek, 1).getHours()).toBe(0);
    expect(addWeeks(WEEK, -1).getDate()).toBe(16);
  });
});

describe("layoutWeek", () => {
  it("places events by local day and minutes from local midnight", () => {
    const days = layoutWeek([event("standup", "2026-11-24T08:00:00Z", "2026-11-24T08:15:00Z")], WEEK);
    expect(days.map((d: unknown[]) => d.length)).toEqual([0, 1, 0, 0, 0, 0, 0]);
    expect(days[1]?.[0]).toMatchObject({ day: 1, startMinute: 540, endMinute: 555, lane: 0, lanes: 1, continuesBefore: false, continuesAfter: false });
  });

  it("splits an event across midnight into one piece per day", () => {
    const days = layoutWeek([event("release", "2026-11-25T21:00:00Z", "2026-11-26T01:00:00Z")], WEEK);
    expect(days[2]).toEqual([expect.objectContaining({ startMinute: 22 * 60, endMinute: 24 * 60, continuesAfter: true })]);
    expect(days[3]).toEqual([expect.objectContaining({ startMinute: 0, endMinute: 120, continuesBefore: true })]);
  });

  it("leaves out events outside the week and clips those that straddle its edges", () => {
    const days = layoutWeek(
      [event("before", "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z"), event("edge", "2026-11-22T22:00:00Z", "2026-11-23T00:00:00Z"), event("after", "2026-11-29T23:00:00Z", "2026-11-30T01:00:00Z")],
      WEEK,
    );
    expect(days.flat().map((p: { event: Event }) => p.event.id)).toEqual(["edge"]);
    expect(days[0]?.[0]).toMatchObject({ startMinute: 0, endMinute: 60, continuesBefore: true });
  });

  it("puts overlapping events (other calendars) side by side, and back-to-back ones full width", () => {
    const days = layoutWeek(
      [
        event("a", "2026-11-23T09:00:00Z", "2026-11-23T11:00:00Z"),
        event("b", "2026-11-23T09:30:00Z", "2026-11-23T10:00:00Z"),
        event("c", "2026-11-23T10:00:00Z", "2026-11-23T10:30:00Z"), // overlaps a, after b: b's lane is free again
        event("d", "2026-11-23T11:00:00Z", "2026-11-23T12:00:00Z"), // back to back with a: its own cluster
      ],
      WEEK,
    );
    const lanes = Object.fromEntries((days[0] ?? []).map((p: { event: Event; lane: number; lanes: number }) => [p.event.id, [p.lane, p.lanes]]));
    expect(lanes).toEqual({ a: [0, 2], b: [1, 2], c: [1, 2], d: [0, 1] });
  });

  it("ignores events whose end is not after their start", () => {
    expect(layoutWeek([event("broken", "2026-11-24T10:00:00Z", "2026-11-24T10:00:00Z")], WEEK).flat()).toEqual([]);
  });
});

describe("slots and the form's local date-times", () => {
  it("a slot is local wall-clock time on that day", () => {
    expect(slotInstant(WEEK, 2, 10 * 60).toISOString()).toBe("2026-11-25T09:00:00.000Z");
  });

  it("round-trips datetime-local values through the UTC instants the API speaks", () => {
    const start = new Date("2026-11-25T09:00:00Z");
    expect(toLocalInputValue(start)).toBe("2026-11-25T10:00");
    expect(fromLocalInputValue("2026-11-25T10:00")).toBe("2026-11-25T09:00:00.000Z");
    expect(fromLocalInputValue("2026-07-01T10:00")).toBe("2026-07-01T08:00:00.000Z"); // summer time: UTC+2
  });

  it("refuses empty, malformed and impossible dates instead of rolling them over", () => {
    expect(fromLocalInputValue("")).toBeNull();
    expect(fromLocalInputValue("tomorrow")).toBeNull();
    expect(fromLocalInputValue("2026-02-30T10:00")).toBeNull();
  });
});
