import type { KeyResult } from "../../shared/goals.ts";

type Measured = Pick<KeyResult, "start" | "current" | "target">;
type Weighted = Measured & Pick<KeyResult, "weight">;

/**
 * How far a key result is from its start to its target, 0 to 1: (current − start) / (target − start),
 * clamped, so going past the target counts as done and going backwards as nothing. A decreasing
 * metric (target below start) works the same way. Start = target never passes validation; it counts
 * as done exactly when current is there too.
 */
export function keyResultFraction(kr: Measured): number {
  const span = kr.target - kr.start;
  if (span === 0) return kr.current === kr.target ? 1 : 0;
  return Math.min(1, Math.max(0, (kr.current - kr.start) / span));
}

/**
 * The weighted mean of the key results' fractions (weight 0 counts for nothing), or 0 when no
 * weight is above 0. Each fraction is clamped first, so one key result far past its target cannot
 * make up for another one behind.
 */
export function goalFraction(krs: readonly Weighted[]): number {
  let weights = 0;
  let sum = 0;
  for (const kr of krs) {
    weights += kr.weight;
    sum += kr.weight * keyResultFraction(kr);
  }
  return weights > 0 ? Math.min(1, sum / weights) : 0;
}

/**
 * A fraction as a whole percent, rounded down: 100 only when it is all done. The tolerance keeps
 * binary rounding (0.29 * 100 = 28.999…) from costing a point.
 */
export function wholePercent(fraction: number): number {
  return Math.min(100, Math.max(0, Math.floor(fraction * 100 + 1e-9)));
}
