import { describe, expect, it } from "vitest";
import { Goal } from "../../shared/goals.ts";
import { buildGoal, patchedFields, storedGoal } from "../../worker/goals/goal-record.ts";

const meta = { id: "g", owner: "ana", created_by: "ana", created_at: "2026-12-01T00:00:00.000Z", updated_at: "2026-12-01T00:00:00.000Z", version: 1 };

describe("goal records", () => {
  it("a goal stored before states, key results and check-ins reads with their defaults", () => {
    const legacy = { id: "g", title: "Old", description: "", owner: "ana", completed: true, progress: 100, due: null, created_by: "ana", created_at: meta.created_at, updated_at: meta.updated_at, version: 4 };
    const goal = Goal.parse(storedGoal(JSON.stringify(legacy)));
    expect(goal).toMatchObject({ state: "achieved", completed: true, key_results: [], health: null, checked_in_at: null, progress_before_close: null, version: 4 });
    expect(storedGoal(JSON.stringify({ ...legacy, completed: false, progress: 20 })).state).toBe("open");
    // Reopening such a goal has no progress to restore: it starts over at 0.
    const reopened = buildGoal(patchedFields(goal, { completed: false }), { ...meta, version: 5 });
    expect(reopened).toMatchObject({ state: "open", progress: 0 });
  });

  it("key results get ids that skip the ones given, and a PATCH that leaves them out keeps them as they were", () => {
    const goal = buildGoal({ title: "x", key_results: [{ title: "a", metric: "done" }, { id: "kr-1", title: "b", metric: "number", target: 4, current: 1 }, { title: "c", metric: "done", current: 1 }] }, meta) as Goal;
    expect(goal.key_results.map((kr) => kr.id)).toEqual(["kr-2", "kr-1", "kr-3"]);
    expect(goal.progress).toBe(41); // (0 + 0.25 + 1) / 3
    const again = buildGoal(patchedFields(goal, { title: "y" }), { ...meta, version: 2 }) as Goal;
    expect(again.key_results).toEqual(goal.key_results);
  });

  it("a PATCH keeps the latest health; a check-in is what sets it", () => {
    const goal = { ...(buildGoal({ title: "x" }, meta) as Goal), health: "at_risk" as const, checked_in_at: meta.updated_at };
    expect(buildGoal(patchedFields(goal, { description: "d" }), { ...meta, version: 2 })).toMatchObject({ health: "at_risk", checked_in_at: meta.updated_at });
  });
});
