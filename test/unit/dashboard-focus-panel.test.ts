import { describe, expect, it } from "vitest";
// See dashboard-countdown.test.ts for why the import needs ts-ignore here.
// @ts-ignore
import { goalMinutes, roundsAndMinutes, todayWindow, weekHeat, weekWindow } from "../../dashboard/public/lib/focus-panel.js";
// @ts-ignore
import { phaseNotice, shouldNotify } from "../../dashboard/public/lib/phase-notice.js";
import type { FocusRound } from "../../shared/focus.ts";
import type { Goal } from "../../shared/goals.ts";
import type { TeamTimer } from "../../shared/live.ts";

function round(ended_at: string, actual_ms: number): FocusRound {
  return { id: ended_at, team: "t", round: 0, started_at: ended_at, ended_at, planned_ms: actual_ms, actual_ms, ended: "completed", members: ["ana"], agents: [], goal: null, term: 0, recorded_by: "worker" };
}

describe("the focus panel", () => {
  // Tuesday 2026-12-01 23:30 UTC is already Wednesday in Berlin.
  const now = Date.parse("2026-12-01T23:30:00Z");

  it("asks for today and this week in the viewer's zone, not in UTC", () => {
    expect(todayWindow(now, "Europe/Berlin")).toEqual({ from: "2026-12-01T23:00:00.000Z", to: "2026-12-02T23:00:00.000Z" });
    expect(todayWindow(now, "UTC")).toEqual({ from: "2026-12-01T00:00:00.000Z", to: "2026-12-02T00:00:00.000Z" });
    const week = weekWindow(now, "Europe/Berlin");
    expect(week.from).toBe("2026-11-29T23:00:00.000Z");
    expect(week.to).toBe("2026-12-06T23:00:00.000Z");
  });

  it("counts the week's rounds per local day of their end, with heat by share of the busiest day", () => {
    const { firstDay } = weekWindow(now, "Europe/Berlin");
    const heat = weekHeat([
      round("2026-12-01T23:10:00Z", 25 * 60_000), // Wednesday in Berlin, Tuesday in UTC
      round("2026-12-01T10:00:00Z", 25 * 60_000),
      round("2026-12-01T11:00:00Z", 25 * 60_000),
      round("2026-12-08T11:00:00Z", 25 * 60_000), // next week: not counted
    ], firstDay, "Europe/Berlin");
    expect(heat.map((day: { rounds: number }) => day.rounds)).toEqual([0, 2, 1, 0, 0, 0, 0]);
    expect(heat.map((day: { minutes: number }) => day.minutes)).toEqual([0, 50, 25, 0, 0, 0, 0]);
    expect(heat.map((day: { level: number }) => day.level)).toEqual([0, 4, 2, 0, 0, 0, 0]);
  });

  it("titles the minutes per goal, most first; no goal and unknown goals say so", () => {
    const goals = new Map([["launch", { id: "launch", title: "Launch v2" } as Goal]]);
    const bucket = (key: string | null, focus_minutes: number) => ({ key, rounds: 1, rounds_completed: 1, focus_ms: focus_minutes * 60_000, focus_minutes, longest_streak_days: 1, current_streak_days: 1 });
    expect(goalMinutes([bucket(null, 10), bucket("launch", 50), bucket("gone", 5)], goals).map((g: { title: string }) => g.title)).toEqual(["Launch v2", "No goal", "gone"]);
    expect(roundsAndMinutes(1, 25)).toBe("1 round · 25 min");
    expect(roundsAndMinutes(3, 75.55)).toBe("3 rounds · 75.6 min");
  });
});

describe("phase notifications", () => {
  const timer = (phase: TeamTimer["phase"], minutes = 5): TeamTimer => ({ phase, duration_ms: minutes * 60_000, ends_at: 1, paused: false } as TeamTimer);

  it("speaks of focus over and break over, and of nothing else", () => {
    expect(phaseNotice(timer("focus"), timer("short_break", 5))).toMatchObject({ title: "Focus over: time for a break", body: "A 5-minute break starts now." });
    expect(phaseNotice(timer("focus"), timer("long_break", 15))?.body).toBe("A 15-minute long break starts now.");
    expect(phaseNotice(timer("short_break"), timer("focus", 25))).toMatchObject({ title: "Break over: back to focus", body: "A 25-minute focus round starts now." });
    expect(phaseNotice(timer("idle"), timer("focus"))).toBeNull();
    expect(phaseNotice(timer("focus"), timer("idle"))).toBeNull();
    expect(phaseNotice(timer("focus"), timer("focus"))).toBeNull();
  });

  it("notifies only with permission, sound on, and the page not in front of the member", () => {
    const page = { permission: "granted", muted: false, visible: false, focused: false };
    expect(shouldNotify(page)).toBe(true);
    expect(shouldNotify({ ...page, visible: true, focused: false })).toBe(true);
    expect(shouldNotify({ ...page, visible: true, focused: true })).toBe(false);
    expect(shouldNotify({ ...page, muted: true })).toBe(false);
    expect(shouldNotify({ ...page, permission: "default" })).toBe(false);
    expect(shouldNotify({ ...page, permission: "denied" })).toBe(false);
  });
});
