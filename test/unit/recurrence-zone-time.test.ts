import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalZone, localToUtc, offsetAt, utcToLocal } from "../../worker/calendar/recurrence/zone-time.ts";

/**
 * localToUtc looks offsets up at week-aligned midnights and assumes no zone changes its offset and
 * back within two weeks. Checked here against a brute force (every offset within 26 hours, every
 * 15 minutes) around real transitions of random zones and years, 1970-2037.
 */
const ZONES = Intl.supportedValuesOf("timeZone").filter((zone) => canonicalZone(zone) !== null);
const HOUR = 3_600_000;

/** The transitions of `zone` in `year` (instants where the offset changes), to the minute. */
function transitions(zone: string, year: number): number[] {
  const found: number[] = [];
  const end = Date.UTC(year + 1, 0, 1);
  for (let t = Date.UTC(year, 0, 1); t < end; t += 7 * 24 * HOUR) {
    let lo = t, hi = Math.min(t + 7 * 24 * HOUR, end);
    if (offsetAt(zone, lo) === offsetAt(zone, hi)) continue;
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
      if (offsetAt(zone, mid) === offsetAt(zone, lo)) lo = mid;
      else hi = mid;
    }
    found.push(hi);
  }
  return found;
}

/** RFC 5545 §3.3.5 by brute force: the earliest instant showing `local`, else (a gap) the offset before it. */
function brute(zone: string, local: number): number {
  const offsets = new Set<number>();
  for (let t = local - 26 * HOUR; t <= local + 26 * HOUR; t += 15 * 60_000) offsets.add(offsetAt(zone, t));
  const valid = [...offsets].map((o) => local - o).filter((instant) => utcToLocal(zone, instant) === local);
  if (valid.length > 0) return Math.min(...valid);
  return local - Math.min(...offsets);
}

describe("localToUtc", () => {
  it("matches a brute force around real transitions", () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: 1970, max: 2037 }), fc.integer({ min: 0, max: 1000 }), (zone, year, pick) => {
        const found = transitions(zone, year);
        fc.pre(found.length > 0);
        const at = found[pick % found.length]!;
        const local = at + offsetAt(zone, at - 1);
        for (let step = -8; step <= 8; step++) {
          const wall = local + step * 15 * 60_000;
          expect(localToUtc(zone, wall), `${zone} ${new Date(wall).toISOString().slice(0, 16)} (wall clock)`).toBe(brute(zone, wall));
        }
        checked++;
      }),
      { numRuns: Number(process.env.ZONE_RUNS ?? 150) },
    );
    expect(checked).toBeGreaterThan(50);
  }, 120_000);

  it("reads a time that does not exist with the offset before the gap, and a doubled one as the first", () => {
    expect(new Date(localToUtc("America/New_York", Date.UTC(2026, 2, 8, 2, 30))).toISOString()).toBe("2026-03-08T07:30:00.000Z");
    expect(new Date(localToUtc("America/New_York", Date.UTC(2026, 10, 1, 1, 30))).toISOString()).toBe("2026-11-01T05:30:00.000Z");
    expect(new Date(localToUtc("Australia/Lord_Howe", Date.UTC(2026, 9, 4, 2, 15))).toISOString()).toBe("2026-10-03T15:45:00.000Z");
  });
});
