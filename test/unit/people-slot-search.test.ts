import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clipIntervals, mergeIntervals, subtractIntervals, type Interval } from "../../worker/people/intervals.ts";
import { findSlots, requiredMembers, type SlotSearch } from "../../worker/people/slot-search.ts";
import { workingIntervals } from "../../worker/people/working-hours.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const span = (i: Interval) => [iso(i.start), iso(i.end)];
/** 2031-03-03 is a Monday. */
const MONDAY = Date.UTC(2031, 2, 3);

/** Whether merged intervals cover [start, end) (brute force over the list). */
const covers = (merged: Interval[], start: number, end: number) => merged.some((i) => i.start <= start && end <= i.end);

describe("intervals", () => {
  const arbIntervals = fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 30 })).map(([s, l]) => ({ start: s, end: s + l })), { maxLength: 20 });

  it("merge: sorted, disjoint, not touching, covering exactly the same points", () => {
    fc.assert(
      fc.property(arbIntervals, (list) => {
        const merged = mergeIntervals(list);
        for (let i = 1; i < merged.length; i++) expect(merged[i]!.start).toBeGreaterThan(merged[i - 1]!.end);
        for (let p = 0; p < 240; p++) expect(covers(merged, p, p + 1)).toBe(list.some((i) => i.start <= p && p < i.end));
      }),
    );
  });

  it("subtract and clip keep exactly the points of base not in cut, inside the window", () => {
    fc.assert(
      fc.property(arbIntervals, arbIntervals, fc.integer({ min: 0, max: 100 }), (a, b, from) => {
        const base = clipIntervals(mergeIntervals(a), from, from + 100);
        const rest = subtractIntervals(base, mergeIntervals(b));
        for (let p = 0; p < 240; p++) {
          const expected = p >= from && p < from + 100 && a.some((i) => i.start <= p && p < i.end) && !b.some((i) => i.start <= p && p < i.end);
          expect(covers(rest, p, p + 1)).toBe(expected);
        }
      }),
    );
  });
});

describe("working hours", () => {
  const weekdays = { time_zone: "Europe/Berlin", weekly: [{ days: ["MO", "TU", "WE", "TH", "FR"] as const, start: "09:00", end: "17:00" }] };

  it("expands a weekly pattern on the zone's wall clock, 09:00 staying 09:00 across DST", () => {
    // Berlin moves to summer time on 2031-03-30: 09:00 is 08:00 UTC before and 07:00 UTC after.
    const hours = workingIntervals({ ...weekdays, weekly: [...weekdays.weekly.map((p) => ({ ...p, days: [...p.days] }))] }, Date.UTC(2031, 2, 28), Date.UTC(2031, 3, 1));
    expect(hours.map(span)).toEqual([
      ["2031-03-28T08:00:00.000Z", "2031-03-28T16:00:00.000Z"],
      ["2031-03-31T07:00:00.000Z", "2031-03-31T15:00:00.000Z"],
    ]);
  });

  it("clips to the window, joins periods that touch, and reads 24:00 as the day's end", () => {
    const hours = workingIntervals(
      { time_zone: "UTC", weekly: [{ days: ["MO"], start: "20:00", end: "24:00" }, { days: ["TU"], start: "00:00", end: "02:00" }, { days: ["MO"], start: "10:00", end: "12:00" }] },
      MONDAY + 11 * HOUR,
      MONDAY + 2 * DAY,
    );
    expect(hours.map(span)).toEqual([
      ["2031-03-03T11:00:00.000Z", "2031-03-03T12:00:00.000Z"],
      ["2031-03-03T20:00:00.000Z", "2031-03-04T02:00:00.000Z"],
    ]);
  });

  it("a zone east of UTC: Monday 08:00 in Tokyo is Sunday 23:00 UTC", () => {
    const hours = workingIntervals({ time_zone: "Asia/Tokyo", weekly: [{ days: ["MO"], start: "08:00", end: "09:00" }] }, MONDAY - DAY, MONDAY + DAY);
    expect(hours.map(span)).toEqual([["2031-03-02T23:00:00.000Z", "2031-03-03T00:00:00.000Z"]]);
  });
});

describe("finding slots", () => {
  const base = (over: Partial<SlotSearch>): SlotSearch => ({ from: MONDAY, to: MONDAY + DAY, durationMs: HOUR, stepMs: 15 * MIN, members: [], required: 1, limit: 3, ...over });
  const nineToFive = (day: number) => [{ start: day + 9 * HOUR, end: day + 17 * HOUR }];

  it("the earliest slots inside everyone's working hours, around busy time, one after another", () => {
    const result = findSlots(
      base({
        members: [
          { name: "ana", working: nineToFive(MONDAY), busy: [{ start: MONDAY + 9 * HOUR, end: MONDAY + 10 * HOUR + 7 * MIN }] },
          { name: "bo", working: [{ start: MONDAY + 10 * HOUR, end: MONDAY + 18 * HOUR }], busy: [{ start: MONDAY + 11 * HOUR + 30 * MIN, end: MONDAY + 12 * HOUR }] },
        ],
        required: 2,
      }),
    );
    expect(result.reason).toBeNull();
    expect(result.slots.map((s) => [iso(s.start), iso(s.end), s.free.join()])).toEqual([
      ["2031-03-03T10:15:00.000Z", "2031-03-03T11:15:00.000Z", "ana,bo"],
      ["2031-03-03T12:00:00.000Z", "2031-03-03T13:00:00.000Z", "ana,bo"],
      ["2031-03-03T13:00:00.000Z", "2031-03-03T14:00:00.000Z", "ana,bo"],
    ]);
  });

  it("a quorum lets a slot leave someone out, and says who", () => {
    const members = [
      { name: "ana", working: null, busy: [] },
      { name: "bo", working: null, busy: [{ start: MONDAY, end: MONDAY + DAY }] },
      { name: "cy", working: null, busy: [] },
    ];
    expect(requiredMembers(0.5, 3)).toBe(2);
    const result = findSlots(base({ members, required: requiredMembers(0.5, 3), limit: 1 }));
    expect(result.slots).toEqual([{ start: MONDAY, end: MONDAY + HOUR, free: ["ana", "cy"], busy: ["bo"] }]);
    expect(findSlots(base({ members, required: 3 })).reason).toBe("all_busy");
  });

  it("says why nothing fits: no common working hours, a busy room, or everyone busy", () => {
    const apart = [
      { name: "ana", working: [{ start: MONDAY + 9 * HOUR, end: MONDAY + 10 * HOUR }], busy: [] },
      { name: "bo", working: [{ start: MONDAY + 10 * HOUR, end: MONDAY + 11 * HOUR }], busy: [] },
    ];
    expect(findSlots(base({ members: apart, required: 2 }))).toEqual({ slots: [], reason: "no_common_working_hours" });
    const free = [{ name: "ana", working: nineToFive(MONDAY), busy: [] }];
    expect(findSlots(base({ members: free, roomBusy: [{ start: MONDAY, end: MONDAY + DAY }] }))).toEqual({ slots: [], reason: "room_busy" });
    const busy = [{ name: "ana", working: nineToFive(MONDAY), busy: nineToFive(MONDAY) }];
    expect(findSlots(base({ members: busy }))).toEqual({ slots: [], reason: "all_busy" });
  });

  // Random members (working hours, busy time), room, quorum; checked against a brute force over the grid.
  const arbSpans = (max: number) =>
    fc.array(fc.tuple(fc.integer({ min: 0, max: 96 }), fc.integer({ min: 1, max: 24 })).map(([q, l]) => ({ start: MONDAY + q * 15 * MIN, end: MONDAY + (q + l) * 15 * MIN })), { maxLength: max });
  const arbSearch = fc.record({
    members: fc.array(fc.record({ working: fc.option(arbSpans(4), { nil: null }), busy: arbSpans(6) }), { minLength: 1, maxLength: 5 }),
    room: fc.option(arbSpans(4), { nil: undefined }),
    quarters: fc.integer({ min: 1, max: 12 }),
    quorum: fc.double({ min: 0.01, max: 1, noNaN: true }),
    limit: fc.integer({ min: 1, max: 6 }),
    fromQuarter: fc.integer({ min: 0, max: 20 }),
    offsetMs: fc.integer({ min: 0, max: 15 * MIN - 1 }),
  });

  it("property: every slot is inside working hours and free for the members it names, the room free, at least the quorum, earliest first, deterministic", () => {
    fc.assert(
      fc.property(arbSearch, (s) => {
        const members = s.members.map((m, i) => ({ name: `m${i}`, working: m.working === null ? null : mergeIntervals(m.working), busy: m.busy }));
        const search = base({ members, roomBusy: s.room, durationMs: s.quarters * 15 * MIN, required: requiredMembers(s.quorum, members.length), limit: s.limit, from: MONDAY + s.fromQuarter * 15 * MIN + s.offsetMs, to: MONDAY + 30 * HOUR });
        const result = findSlots(search);
        expect(findSlots(search)).toEqual(result);

        const freeAt = (m: (typeof members)[number], start: number, end: number) =>
          start >= search.from && end <= search.to && (m.working === null || covers(m.working, start, end)) && !m.busy.some((b) => b.start < end && start < b.end);
        const roomFree = (start: number, end: number) => (s.room ?? []).every((b) => !(b.start < end && start < b.end));
        // Brute force: the earliest grid starts that fit, each after the previous slot.
        const expected: number[] = [];
        for (let t = Math.ceil(search.from / search.stepMs) * search.stepMs; t + search.durationMs <= search.to && expected.length < search.limit; t += search.stepMs) {
          if (expected.length > 0 && t < expected[expected.length - 1]! + search.durationMs) continue;
          if (roomFree(t, t + search.durationMs) && members.filter((m) => freeAt(m, t, t + search.durationMs)).length >= search.required) expected.push(t);
        }
        expect(result.slots.map((slot) => slot.start)).toEqual(expected);
        for (const slot of result.slots) {
          expect(slot.start % search.stepMs).toBe(0);
          expect(slot.end - slot.start).toBe(search.durationMs);
          expect(slot.free.length).toBeGreaterThanOrEqual(search.required);
          expect(roomFree(slot.start, slot.end)).toBe(true);
          for (const m of members) expect(slot.free.includes(m.name)).toBe(freeAt(m, slot.start, slot.end));
          expect([...slot.free, ...slot.busy].sort()).toEqual(members.map((m) => m.name).sort());
        }
        if (result.slots.length === 0) expect(result.reason).not.toBeNull();
      }),
      { numRuns: 300 },
    );
  });
});

describe("working hours, property", () => {
  const ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham", "America/Sao_Paulo", "Asia/Tokyo"];
  const DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
  const arbClock = fc.integer({ min: 0, max: 96 }).map((q) => `${String(Math.floor(q / 4)).padStart(2, "0")}:${String((q % 4) * 15).padStart(2, "0")}`);
  const arbPeriod = fc.record({ days: fc.subarray([...DAYS], { minLength: 1 }), start: arbClock, end: arbClock }).filter((p) => p.start < p.end && p.start !== "24:00");

  it("every working instant is, on the zone's wall clock, inside a period of that weekday; and every such quarter hour is working time", () => {
    const walls = new Map(ZONES.map((z) => [z, new Intl.DateTimeFormat("en-US", { timeZone: z, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })]));
    const offsets = new Map(ZONES.map((z) => [z, new Intl.DateTimeFormat("en-US", { timeZone: z, timeZoneName: "longOffset" })]));
    const wall = (zone: string, instant: number) => {
      const parts = Object.fromEntries(walls.get(zone)!.formatToParts(instant).map((p) => [p.type, p.value]));
      return { day: parts.weekday!.slice(0, 2).toUpperCase(), minutes: Number(parts.hour) * 60 + Number(parts.minute) };
    };
    const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3));
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.array(arbPeriod, { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 365 }), (zone, weekly, startDay) => {
        const from = Date.UTC(2030, 0, 1) + startDay * DAY;
        const to = from + 9 * DAY;
        const hours = workingIntervals({ time_zone: zone, weekly }, from, to);
        // Quarter hours in the window (every zone's offset is a whole number of quarter hours today).
        for (let t = from; t < to; t += 15 * MIN) {
          const { day, minutes } = wall(zone, t);
          const inPattern = weekly.some((p) => p.days.includes(day as (typeof DAYS)[number]) && minutesOf(p.start) <= minutes && minutes < minutesOf(p.end));
          const working = hours.some((h) => h.start <= t && t < h.end);
          // A DST change moves a period's ends by the change; allow only the hours next to one.
          if (inPattern !== working) {
            const offsetChanges = offsets.get(zone)!;
            const near = [-3 * HOUR, 3 * HOUR].some((d) => offsetChanges.format(t + d) !== offsetChanges.format(t));
            expect(near, `${zone} ${new Date(t).toISOString()} ${JSON.stringify(weekly)}`).toBe(true);
          }
        }
      }),
      { numRuns: 40 },
    );
  }, 30_000);
});
