import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FocusRound } from "../../shared/focus.ts";
import { daysAsFields, daysFromFields, dayTotalsOf, statsFromDays } from "../../worker/focus/focus-days.ts";
import { focusStats, type GroupBy } from "../../worker/focus/focus-stats.ts";

const DAY = 86_400_000;
const BASE = Date.UTC(2026, 0, 1);

const roundArb = fc.record({
  endDay: fc.integer({ min: 0, max: 40 }),
  endMs: fc.integer({ min: 0, max: DAY - 1 }),
  actual: fc.integer({ min: 0, max: 3_600_000 }),
  ended: fc.constantFrom("completed" as const, "skipped" as const, "stopped" as const),
  members: fc.subarray(["ana", "bo", "cy"]),
  goal: fc.constantFrom(null, "g1", "g2"),
});

interface RawRound {
  endDay: number;
  endMs: number;
  actual: number;
  ended: FocusRound["ended"];
  members: string[];
  goal: string | null;
}

function asRound(r: RawRound, i: number): FocusRound {
  const end = BASE + r.endDay * DAY + r.endMs;
  return { id: `r${i}`, team: "t", round: i, started_at: new Date(end - r.actual).toISOString(), ended_at: new Date(end).toISOString(), planned_ms: 1_500_000, actual_ms: r.actual, ended: r.ended, members: r.members, agents: [], goal: r.goal, term: 0, recorded_by: "worker" };
}

/** The reference: each figure straight from its definition, days as whole numbers since the epoch. */
function reference(rounds: FocusRound[], key: string | null, inGroup: (r: FocusRound) => boolean, lastDay: number) {
  const mine = rounds.filter(inGroup);
  const dayNumbers = [...new Set(mine.filter((r) => r.ended === "completed").map((r) => Math.floor(Date.parse(r.ended_at) / DAY)))].sort((a, b) => a - b);
  let longest = 0;
  let run = 0;
  dayNumbers.forEach((d, i) => {
    run = i > 0 && dayNumbers[i - 1] === d - 1 ? run + 1 : 1;
    longest = Math.max(longest, run);
  });
  let current = 0;
  const has = new Set(dayNumbers);
  let day = has.has(lastDay) ? lastDay : lastDay - 1;
  while (has.has(day)) {
    current++;
    day--;
  }
  const focusMs = mine.reduce((s, r) => s + r.actual_ms, 0);
  return { key, rounds: mine.length, rounds_completed: mine.filter((r) => r.ended === "completed").length, focus_ms: focusMs, focus_minutes: Math.round(focusMs / 600) / 100, longest_streak_days: longest, current_streak_days: current };
}

describe("focus stats", () => {
  it("equal a reference computed from the raw rounds, for every grouping", () => {
    fc.assert(
      fc.property(fc.array(roundArb, { maxLength: 60 }), fc.constantFrom<GroupBy>("day", "member", "goal"), fc.integer({ min: 0, max: 45 }), (raw, groupBy, last) => {
        const rounds = raw.map(asRound);
        const lastDay = Math.floor(BASE / DAY) + last;
        const stats = focusStats(rounds, groupBy, new Date(lastDay * DAY).toISOString().slice(0, 10));
        expect(stats.total).toEqual(reference(rounds, null, () => true, lastDay));
        const keys =
          groupBy === "day" ? [...new Set(rounds.map((r) => r.ended_at.slice(0, 10)))].sort()
          : groupBy === "member" ? [...new Set(rounds.flatMap((r) => r.members))].sort()
          : [...[...new Set(rounds.map((r) => r.goal))].filter((g) => g !== null).sort(), ...(rounds.some((r) => r.goal === null) ? [null] : [])];
        const inGroup = (key: string | null) => (r: FocusRound) => (groupBy === "day" ? r.ended_at.slice(0, 10) === key : groupBy === "member" ? r.members.includes(key!) : r.goal === key);
        expect(stats.groups).toEqual(keys.map((key) => reference(rounds, key, inGroup(key), lastDay)));
      }),
      { numRuns: 400 },
    );
  });

  it("from per-day totals equal those from the raw rounds, the totals stored as hash fields and gathered in two parts", () => {
    fc.assert(
      fc.property(fc.array(roundArb, { maxLength: 60 }), fc.constantFrom<GroupBy>("day", "member", "goal"), fc.integer({ min: 0, max: 45 }), fc.nat(), (raw, groupBy, last, cut) => {
        const rounds = raw.map(asRound);
        const lastDay = new Date((Math.floor(BASE / DAY) + last) * DAY).toISOString().slice(0, 10);
        const split = rounds.length === 0 ? 0 : cut % (rounds.length + 1);
        // As the route gathers them: stored totals (written as fields, read back) plus rounds read raw.
        const stored = daysFromFields(Object.entries(daysAsFields(dayTotalsOf(rounds.slice(0, split)))), "0000-00-00", "9999-99-99");
        const days = dayTotalsOf(rounds.slice(split), stored);
        expect(statsFromDays(days, groupBy, lastDay)).toEqual(focusStats(rounds, groupBy, lastDay));
      }),
      { numRuns: 400 },
    );
  });

  it("counts a streak across a month end and stops it at a day without a completed round", () => {
    const day = (d: string, ended: FocusRound["ended"] = "completed") => asRound({ endDay: (Date.parse(d) - BASE) / DAY, endMs: 3_600_000, actual: 60_000, ended, members: ["ana"], goal: null }, 0);
    const rounds = [day("2026-01-30"), day("2026-01-31"), day("2026-02-01"), day("2026-02-02", "skipped"), day("2026-02-03")];
    const { total } = focusStats(rounds, "day", "2026-02-04");
    expect(total).toMatchObject({ rounds: 5, rounds_completed: 4, longest_streak_days: 3, current_streak_days: 1, focus_minutes: 5 });
  });
});
