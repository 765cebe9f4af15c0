/**
 * NTP-style estimate of how far another machine's clock is from ours, from one round trip:
 *
 *   t0 we send ──► t1 they receive … t2 they send ──► t3 we receive
 *   (t0, t3 on our clock; t1, t2 on theirs)
 *
 * offset = ((t1 − t0) + (t2 − t3)) / 2 is "their clock minus ours", exact when both legs take equally
 * long and off by at most half the round trip otherwise, so the sample with the lowest round trip is
 * the most trustworthy.
 */

export interface ClockSample {
  readonly t0: number;
  readonly t1: number;
  readonly t2: number;
  readonly t3: number;
}

export interface OffsetEstimate {
  /** Remote clock minus local clock, in ms. */
  readonly offsetMs: number;
  /** Network round trip, excluding the time the remote side held the message. */
  readonly rttMs: number;
}

/** The last few estimates; old ones age out so a drifting clock is followed. */
export interface OffsetSamples {
  readonly capacity: number;
  readonly recent: readonly OffsetEstimate[];
}

export const DEFAULT_SAMPLE_CAPACITY = 8;

export function estimateOffset(sample: ClockSample): OffsetEstimate {
  const { t0, t1, t2, t3 } = sample;
  return { offsetMs: (t1 - t0 + (t2 - t3)) / 2, rttMs: t3 - t0 - (t2 - t1) };
}

export function emptySamples(capacity = DEFAULT_SAMPLE_CAPACITY): OffsetSamples {
  return { capacity: Math.max(1, Math.floor(capacity)), recent: [] };
}

/** Keeps the newest `capacity` estimates. A negative round trip means a clock jumped mid-sample: dropped. */
export function addSample(samples: OffsetSamples, sample: ClockSample): OffsetSamples {
  const estimate = estimateOffset(sample);
  if (!(estimate.rttMs >= 0) || !Number.isFinite(estimate.offsetMs)) return samples;
  return { capacity: samples.capacity, recent: [...samples.recent, estimate].slice(-samples.capacity) };
}

/** The kept estimate with the lowest round trip (the newest among equals), or null before the first sample. */
export function bestEstimate(samples: OffsetSamples): OffsetEstimate | null {
  let best: OffsetEstimate | null = null;
  for (const estimate of samples.recent) {
    if (best === null || estimate.rttMs <= best.rttMs) best = estimate;
  }
  return best;
}

/** A deadline on the master's clock, read on ours; `offsetMs` is master minus local, as estimateOffset gives it. */
export function toLocalDeadline(masterEndsAt: number, offsetMs: number): number {
  return Math.round(masterEndsAt - offsetMs);
}
