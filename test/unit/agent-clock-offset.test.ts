import { describe, expect, it } from "vitest";
import { addSample, bestEstimate, emptySamples, estimateOffset, toLocalDeadline, type ClockSample } from "../../agent/core/clock-offset.ts";

/** A round trip to a server whose clock is `offset` ahead, with the given leg delays and hold time. */
function roundTrip(t0: number, offset: number, outMs: number, holdMs: number, backMs: number): ClockSample {
  const t1 = t0 + outMs + offset;
  const t2 = t1 + holdMs;
  return { t0, t1, t2, t3: t2 - offset + backMs };
}

describe("estimateOffset", () => {
  it("is exact when both legs take the same time, whatever the hold time", () => {
    expect(estimateOffset(roundTrip(1000, 5000, 7, 40, 7))).toEqual({ offsetMs: 5000, rttMs: 14 });
    expect(estimateOffset(roundTrip(1000, -3000, 2, 0, 2))).toEqual({ offsetMs: -3000, rttMs: 4 });
  });

  it("is off by at most half the round trip when the legs differ", () => {
    const estimate = estimateOffset(roundTrip(1000, 250, 1, 10, 9));
    expect(estimate.rttMs).toBe(10);
    expect(Math.abs(estimate.offsetMs - 250)).toBeLessThanOrEqual(estimate.rttMs / 2);
  });
});

describe("samples", () => {
  it("starts empty", () => {
    expect(bestEstimate(emptySamples())).toBeNull();
  });

  it("keeps the lowest round trip among the last N", () => {
    let samples = emptySamples(3);
    samples = addSample(samples, roundTrip(0, 100, 20, 0, 2)); // rtt 22, offset 109
    samples = addSample(samples, roundTrip(0, 100, 1, 0, 1)); // rtt 2, offset 100
    samples = addSample(samples, roundTrip(0, 100, 5, 0, 9)); // rtt 14, offset 98
    expect(bestEstimate(samples)).toEqual({ offsetMs: 100, rttMs: 2 });
    samples = addSample(samples, roundTrip(0, 100, 4, 0, 4));
    samples = addSample(samples, roundTrip(0, 100, 6, 0, 6));
    // The rtt-2 sample has aged out.
    expect(samples.recent).toHaveLength(3);
    expect(bestEstimate(samples)).toEqual({ offsetMs: 100, rttMs: 8 });
  });

  it("drops samples with a negative round trip (a clock jumped mid-sample)", () => {
    const samples = addSample(emptySamples(), { t0: 100, t1: 50, t2: 500, t3: 110 });
    expect(samples.recent).toHaveLength(0);
  });

  it("does not change the samples it was given", () => {
    const samples = emptySamples(2);
    addSample(samples, roundTrip(0, 1, 1, 1, 1));
    expect(samples.recent).toHaveLength(0);
  });
});

describe("toLocalDeadline", () => {
  it("reads a master deadline on a clock that is behind or ahead", () => {
    // The master is 5 s ahead of us: its 10:00:05 is our 10:00:00.
    expect(toLocalDeadline(1_700_000_005_000, 5000)).toBe(1_700_000_000_000);
    expect(toLocalDeadline(1_700_000_000_000, -2500)).toBe(1_700_000_002_500);
  });

  it("keeps the remaining time across clocks: remaining on the master = remaining here", () => {
    const masterNow = 2_000_000, localNow = 1_993_000, offset = masterNow - localNow;
    const masterEndsAt = masterNow + 60_000;
    expect(toLocalDeadline(masterEndsAt, offset) - localNow).toBe(60_000);
  });
});
