import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyResultWrite, type KeyResult, type KeyResultMetric } from "../../shared/goals.ts";
import { progressOf, storedKeyResult } from "../../worker/goals/goal-record.ts";
import { goalFraction, keyResultFraction, wholePercent } from "../../worker/goals/progress.ts";

/** A key result with values in hundredths (so the reference model can count them exactly). */
interface Cents {
  metric: KeyResultMetric;
  start: number;
  current: number;
  target: number;
  weight: number;
}

/**
 * The reference model: exact rationals in BigInt. Each key result's (current − start) / (target −
 * start), clamped to [0, 1]; their mean weighted by integer weights; the percent rounded down.
 */
function referencePercent(krs: Cents[]): number {
  const fractions = krs.map((kr) => {
    let num = BigInt(kr.current - kr.start);
    let den = BigInt(kr.target - kr.start);
    if (den < 0n) [num, den] = [-num, -den];
    if (num < 0n) return { num: 0n, den: 1n, w: BigInt(kr.weight) };
    if (num > den) return { num: 1n, den: 1n, w: BigInt(kr.weight) };
    return { num, den, w: BigInt(kr.weight) };
  });
  const weights = fractions.reduce((sum, f) => sum + f.w, 0n);
  if (weights === 0n) return 0;
  const common = fractions.reduce((product, f) => product * f.den, 1n);
  const numerator = fractions.reduce((sum, f) => sum + f.w * f.num * (common / f.den), 0n);
  return Number((100n * numerator) / (weights * common));
}

const asKeyResult = (kr: Cents, i: number): KeyResult =>
  storedKeyResult({ title: `kr ${i}`, metric: kr.metric, ...(kr.metric === "currency" ? { currency: "EUR" } : {}), start: kr.start / 100, current: kr.current / 100, target: kr.target / 100, weight: kr.weight }, `kr-${i}`);

const value = fc.integer({ min: -1_000_000, max: 1_000_000 });
const percentValue = fc.integer({ min: 0, max: 10_000 });
const weight = fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 0, max: 1000 }));
const keyResult: fc.Arbitrary<Cents> = fc.oneof(
  fc.record({ metric: fc.constantFrom<KeyResultMetric>("number", "currency"), start: value, current: value, target: value, weight }),
  fc.record({ metric: fc.constant<KeyResultMetric>("percent"), start: percentValue, current: percentValue, target: percentValue, weight }),
  // done / not done: 0 or 1 (in hundredths: 0 or 100), also counted down (start 1, target 0)
  fc.record({ metric: fc.constant<KeyResultMetric>("done"), start: fc.constantFrom(0, 100), current: fc.constantFrom(0, 100), target: fc.constantFrom(0, 100), weight }),
).filter((kr) => kr.start !== kr.target);

describe("goal progress from key results", () => {
  it("equals the exact reference model (weights 0, decreasing metrics, clamping, done/not done)", () => {
    fc.assert(
      fc.property(fc.array(keyResult, { minLength: 1, maxLength: 25 }), (krs) => {
        expect(progressOf(krs.map(asKeyResult))).toBe(referencePercent(krs));
      }),
      { numRuns: 2000 },
    );
  });

  it("each key result's own progress equals the model for it alone", () => {
    fc.assert(
      fc.property(keyResult, (kr) => {
        expect(asKeyResult({ ...kr, weight: 1 }, 0).progress).toBe(referencePercent([{ ...kr, weight: 1 }]));
      }),
      { numRuns: 2000 },
    );
  });

  it("stays within 0-100 and is 100 only when every weighted key result reached its target", () => {
    fc.assert(
      fc.property(fc.array(keyResult, { minLength: 1, maxLength: 25 }), (krs) => {
        const percent = progressOf(krs.map(asKeyResult));
        expect(percent).toBeGreaterThanOrEqual(0);
        expect(percent).toBeLessThanOrEqual(100);
        const weighted = krs.filter((kr) => kr.weight > 0);
        const allDone = weighted.length > 0 && weighted.every((kr) => (kr.target > kr.start ? kr.current >= kr.target : kr.current <= kr.target));
        expect(percent === 100).toBe(allDone);
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ["half way up", { start: 0, current: 50, target: 100 }, 0.5],
    ["past the target: clamped to done", { start: 0, current: 150, target: 100 }, 1],
    ["below the start: clamped to nothing", { start: 10, current: 5, target: 20 }, 0],
    ["a decreasing metric (churn 10% to 4%), at 7%", { start: 10, current: 7, target: 4 }, 0.5],
    ["a decreasing metric past its target", { start: 10, current: 1, target: 4 }, 1],
    ["a decreasing metric gone up instead", { start: 10, current: 12, target: 4 }, 0],
    ["negative values", { start: -100, current: -25, target: 0 }, 0.75],
  ])("%s", (_name, kr, fraction) => {
    expect(keyResultFraction(kr)).toBe(fraction);
  });

  it("weights: a weight-0 key result counts for nothing; the others by their share", () => {
    const done = { start: 0, current: 1, target: 1 };
    const none = { start: 0, current: 0, target: 1 };
    expect(goalFraction([{ ...done, weight: 3 }, { ...none, weight: 1 }])).toBe(0.75);
    expect(goalFraction([{ ...done, weight: 1 }, { ...none, weight: 0 }])).toBe(1);
    expect(goalFraction([{ ...none, weight: 0 }])).toBe(0);
  });

  it("rounds down, without binary rounding costing a point", () => {
    expect(wholePercent(0.29)).toBe(29); // 0.29 * 100 is 28.999999999999996
    expect(wholePercent(0.999)).toBe(99);
    expect(wholePercent(1)).toBe(100);
  });

  it("the extremes the schema allows stay finite", () => {
    const huge = storedKeyResult({ title: "x", metric: "number", start: -1e12, current: 1e12, target: 1e12 - 1, weight: 1000 }, "a");
    const tiny = storedKeyResult({ title: "y", metric: "number", start: 0, current: 1e-300, target: 5e-324, weight: 1e-300 }, "b");
    expect(progressOf([huge, tiny])).toBe(100);
    expect(Number.isFinite(progressOf([tiny]))).toBe(true);
  });
});

describe("key result schema", () => {
  const parse = (kr: unknown) => {
    const result = KeyResultWrite.safeParse(kr);
    return result.success ? "ok" : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
  };

  it.each([
    [{ title: "x", metric: "number", start: 5, target: 5 }, "target: must differ from start"],
    [{ title: "x", metric: "number" }, "target: is required"],
    [{ title: "x", metric: "currency", target: 10 }, "currency: is required for a currency key result"],
    [{ title: "x", metric: "number", currency: "EUR", target: 10 }, "currency: is only for a currency key result"],
    [{ title: "x", metric: "currency", currency: "eur", target: 10 }, "currency: must be a three-letter ISO 4217 code such as EUR"],
    [{ title: "x", metric: "done", current: 0.5 }, "current: must be 0 (not done) or 1 (done)"],
    [{ title: "x", metric: "percent", target: 101 }, "target: must be from 0 to 100 (percent)"],
    [{ title: "x", metric: "number", target: 1e308 }, "target: must be from -1000000000000 to 1000000000000"],
    [{ title: "x", metric: "number", target: 1, weight: -1 }, "weight: must be 0 or more"],
    [{ title: "x", metric: "number", target: Number.NaN }, "target: must be a number"],
    [{ title: "x", metric: "number", target: Number.POSITIVE_INFINITY }, "target: must be a number"],
    [{ title: "x", metric: "ratio", target: 1 }, "metric: must be number, percent, currency or done"],
    [{ title: "x", metric: "done" }, "ok"],
    [{ title: "x", metric: "done", start: 1, target: 0 }, "start: a done key result goes from start 0 (not done) to target 1 (done)"],
    [{ title: "x", metric: "number", target: 1, weight: 1e-320 }, "weight: must be 0 or from 0.001 to 1000"],
    [{ title: "x", metric: "currency", currency: "EUR", start: 100, target: 0, weight: 0 }, "ok"],
  ])("%j → %s", (kr, expected) => {
    expect(parse(kr)).toContain(expected);
  });
});
