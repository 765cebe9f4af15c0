import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Goal, GoalPatch, GoalWrite } from "../../shared/goals.ts";
import { buildGoal, patchedFields, progressOf, replacedFields, storedKeyResult } from "../../worker/goals/goal-record.ts";

/**
 * Random histories of PATCHes (whatever the schema lets through, refused ones skipped as the worker
 * would answer 400): every goal they leave is one a client may GET and PUT back as it is, and the
 * PUT keeps its state and progress.
 */
const meta = (version: number) => ({ id: "g", owner: "ana", created_by: "ana", created_at: "2026-12-01T00:00:00.000Z", updated_at: "2026-12-01T00:00:00.000Z", version });

const keyResult = fc.oneof(
  fc.record({ title: fc.constant("n"), metric: fc.constant("number"), start: fc.integer({ min: 0, max: 5 }), target: fc.integer({ min: 6, max: 10 }), current: fc.integer({ min: -2, max: 12 }), weight: fc.constantFrom(0.5, 1, 3) }),
  fc.record({ title: fc.constant("d"), metric: fc.constant("done"), current: fc.constantFrom(0, 1) }),
);
const fields = {
  state: fc.constantFrom("open", "achieved", "missed", "dropped"),
  completed: fc.boolean(),
  progress: fc.constantFrom(0, 40, 99, 100),
  key_results: fc.oneof(fc.constant([]), fc.array(keyResult, { minLength: 1, maxLength: 3 })),
  title: fc.constant("t"),
};
// Mostly one field at a time (what most clients send), sometimes several.
const patch = fc.oneof(...Object.entries(fields).map(([name, value]) => fc.record({ [name]: value })), fc.record(fields, { requiredKeys: [] }));

describe("a goal's history", () => {
  it("leaves a goal that PUT takes back as read, with the same state and progress (and manual progress 100 only when achieved)", () => {
    fc.assert(
      fc.property(fc.array(patch, { minLength: 1, maxLength: 8 }), (patches) => {
        let goal = buildGoal({ title: "x" }, meta(1)) as Goal;
        for (const body of patches) {
          const parsed = GoalPatch.safeParse(body);
          if (!parsed.success) continue;
          const next = buildGoal(patchedFields(goal, parsed.data), meta(goal.version + 1));
          if (Array.isArray(next)) continue;
          goal = Goal.parse(next);
          if (goal.key_results.length === 0) expect(goal.progress === 100, JSON.stringify(goal)).toBe(goal.state === "achieved");
          const read = GoalWrite.parse(JSON.parse(JSON.stringify(goal)));
          const put = buildGoal(replacedFields(goal, read), meta(goal.version + 1));
          expect(put, `${JSON.stringify(patches)} -> ${JSON.stringify(goal)}`).not.toBeInstanceOf(Array);
          expect(put).toMatchObject({ state: goal.state, progress: goal.progress });
        }
      }),
      { numRuns: 500 },
    );
  });

  it("a goal with one key result (any weight the schema takes) has that key result's progress", () => {
    const weight = fc.oneof(fc.double({ min: 0, max: 1000, noNaN: true }), fc.double({ min: 0, max: 1e-300, noNaN: true }));
    fc.assert(
      fc.property(weight, fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 1000 }), (w, current, target) => {
        const written = GoalWrite.safeParse({ title: "x", key_results: [{ title: "a", metric: "number", target, current: Math.min(current, target), weight: w }] });
        if (!written.success) return;
        const kr = storedKeyResult(written.data.key_results![0]!, "kr-1");
        expect(progressOf([kr]), `weight ${w}`).toBe(kr.progress);
      }),
      { numRuns: 2000 },
    );
  });
});
