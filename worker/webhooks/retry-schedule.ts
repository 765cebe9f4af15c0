/**
 * When a failed delivery is tried again: the Standard Webhooks spec's example schedule (after the
 * immediate first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, about 27.6 h in all), each
 * delay jittered by up to ±10% so receivers coming back from an outage are not hit by every sender
 * at once. Even with every delay at -10% the retries span more than 24 h.
 *
 * The delays are counted in `unitMs` (1000 in production: the schedule in seconds); tests set a
 * smaller unit (WEBHOOK_RETRY_UNIT) to run the whole 24 h schedule in seconds.
 */
export const RETRY_DELAYS_IN_UNITS = [5, 300, 1800, 7200, 18_000, 36_000, 36_000] as const;

export const JITTER = 0.1;

/** Attempts a change gets in all: the first one and one per delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_IN_UNITS.length + 1;

/**
 * The wait before the next attempt after `failedAttempts` failures (1 after the first attempt
 * failed), or null when the schedule is used up. `random` is in [0, 1), like Math.random.
 */
export function retryDelayMs(failedAttempts: number, unitMs: number, random: () => number): number | null {
  if (!Number.isInteger(failedAttempts) || failedAttempts < 1) throw new RangeError(`failedAttempts must be a whole number from 1, not ${failedAttempts}`);
  const base = RETRY_DELAYS_IN_UNITS[failedAttempts - 1];
  if (base === undefined) return null;
  const factor = 1 + JITTER * (2 * random() - 1);
  return Math.max(1, Math.round(base * unitMs * factor));
}
