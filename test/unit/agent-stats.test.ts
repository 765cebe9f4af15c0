import { describe, expect, it } from "vitest";
import type { FocusStats } from "../../shared/focus.ts";
import { minutes, weekLines, weekStart } from "../../agent/commands/stats.ts";

const bucket = (key: string | null, rounds: number, completed: number, focusMs: number, current = 0, longest = 0) => ({
  key, rounds, rounds_completed: completed, focus_ms: focusMs, focus_minutes: focusMs / 60_000, longest_streak_days: longest, current_streak_days: current,
});

describe("groupsync-agent stats", () => {
  it("counts the week from Monday 00:00 local time, Sunday included in the week before", () => {
    expect(weekStart(new Date(2026, 11, 3, 15, 30))).toEqual(new Date(2026, 10, 30)); // Thursday → Monday 30 Nov
    expect(weekStart(new Date(2026, 10, 30, 0, 0))).toEqual(new Date(2026, 10, 30));
    expect(weekStart(new Date(2026, 11, 6, 23, 59))).toEqual(new Date(2026, 10, 30)); // Sunday
  });

  it("prints the week, each day and each member", () => {
    const since = new Date(2026, 10, 30);
    const byDay: FocusStats = { from: null, to: null, group_by: "day", total: bucket(null, 5, 4, 125 * 60_000, 2, 2), groups: [bucket("2026-11-30", 2, 2, 50 * 60_000), bucket("2026-12-01", 3, 2, 75 * 60_000)] };
    const byMember: FocusStats = { ...byDay, group_by: "member", groups: [bucket("ana", 5, 4, 125 * 60_000), bucket("bo", 1, 1, 25 * 60_000)] };
    expect(weekLines(since, byDay, byMember)).toEqual([
      `This week (since ${since.toDateString()}): 5 rounds, 4 completed, 2h05m focused; streak 2 days (longest 2)`,
      "  2026-11-30  2 rounds, 2 completed, 50m focused",
      "  2026-12-01  3 rounds, 2 completed, 1h15m focused",
      "By member:",
      "  ana  5 rounds, 4 completed, 2h05m focused",
      "  bo   1 round, 1 completed, 25m focused",
    ]);
  });

  it("prints each goal once a round was for one, rounds for none last", () => {
    const since = new Date(2026, 10, 30);
    const byDay: FocusStats = { from: null, to: null, group_by: "day", total: bucket(null, 3, 3, 75 * 60_000), groups: [bucket("2026-11-30", 3, 3, 75 * 60_000)] };
    const none: FocusStats = { ...byDay, group_by: "goal", groups: [bucket(null, 3, 3, 75 * 60_000)] };
    expect(weekLines(since, byDay, { ...byDay, group_by: "member", groups: [] }, none)).not.toContain("By goal:");
    const byGoal: FocusStats = { ...none, groups: [bucket("launch-v2", 2, 2, 50 * 60_000), bucket(null, 1, 1, 25 * 60_000)] };
    expect(weekLines(since, byDay, { ...byDay, group_by: "member", groups: [] }, byGoal).slice(-3)).toEqual([
      "By goal:",
      "  launch-v2  2 rounds, 2 completed, 50m focused",
      "  (no goal)  1 round, 1 completed, 25m focused",
    ]);
  });

  it("says so when there is nothing yet", () => {
    const empty: FocusStats = { from: null, to: null, group_by: "day", total: bucket(null, 0, 0, 0), groups: [] };
    expect(weekLines(new Date(2026, 10, 30), empty, { ...empty, group_by: "member" }).at(-1)).toBe("  no focus rounds yet");
  });

  it("rounds the time focused down, never claiming a minute not spent; under a minute in seconds", () => {
    expect([97_070, 119_999, 60_000, 59_999, 0, 3_599_999, 3_600_000].map(minutes)).toEqual(["1m", "1m", "1m", "59s", "0s", "59m", "1h00m"]);
  });
});
