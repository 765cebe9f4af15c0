import { describe, expect, it } from "vitest";
// See dashboard-countdown.test.ts for why the import needs ts-ignore here.
// @ts-ignore
import { dragSelection, moved, resized, snapMinute } from "../../dashboard/public/lib/drag-steps.js";

const HOUR_PX = 56;

describe("15-minute steps on the grid", () => {
  it("snaps a pointer to the nearest quarter hour, within the day", () => {
    expect(snapMinute(9 * HOUR_PX, HOUR_PX)).toBe(540);
    expect(snapMinute(9 * HOUR_PX + 20, HOUR_PX)).toBe(555); // 21.4 min past: the quarter
    expect(snapMinute(9 * HOUR_PX + 30, HOUR_PX)).toBe(570); // 32 min past: the half
    expect(snapMinute(-40, HOUR_PX)).toBe(0);
    expect(snapMinute(30 * HOUR_PX, HOUR_PX)).toBe(1440);
  });

  it("makes a dragged selection at least one step long, upwards or downwards", () => {
    expect(dragSelection(600, 690)).toEqual({ startMinute: 600, endMinute: 690 });
    expect(dragSelection(690, 600)).toEqual({ startMinute: 600, endMinute: 690 });
    expect(dragSelection(600, 600)).toEqual({ startMinute: 600, endMinute: 615 });
    expect(dragSelection(1440, 1440)).toEqual({ startMinute: 1425, endMinute: 1440 });
  });

  it("moves an event by whole steps, keeping its length", () => {
    const event = { starts_at: "2026-12-01T09:00:00.000Z", ends_at: "2026-12-01T10:00:00.000Z" };
    expect(moved(event, 15)).toEqual({ starts_at: "2026-12-01T09:15:00.000Z", ends_at: "2026-12-01T10:15:00.000Z" });
    expect(moved(event, -1440)).toEqual({ starts_at: "2026-11-30T09:00:00.000Z", ends_at: "2026-11-30T10:00:00.000Z" });
    expect(moved(event, 22)).toEqual(moved(event, 15)); // rounded to a step
  });

  it("resizes an event's end by whole steps, never below one step", () => {
    const event = { starts_at: "2026-12-01T09:00:00.000Z", ends_at: "2026-12-01T10:00:00.000Z" };
    expect(resized(event, 30).ends_at).toBe("2026-12-01T10:30:00.000Z");
    expect(resized(event, -45).ends_at).toBe("2026-12-01T09:15:00.000Z");
    expect(resized(event, -120).ends_at).toBe("2026-12-01T09:15:00.000Z");
  });
});
