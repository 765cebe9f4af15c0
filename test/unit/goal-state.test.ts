import { describe, expect, it } from "vitest";
import { FRESH_STATE, manualState, measuredState, type StateBase } from "../../worker/goals/goal-state.ts";

const open = (progress: number): StateBase => ({ state: "open", progress, progress_before_close: null });
const achievedFrom = (before: number): StateBase => ({ state: "achieved", progress: 100, progress_before_close: before });

describe("a manual goal's state and progress", () => {
  it("achieving keeps the progress it had; reopening restores it", () => {
    const achieved = manualState(open(40), { completed: true });
    expect(achieved).toEqual(achievedFrom(40));
    expect(manualState(achievedFrom(40), { completed: false })).toEqual(open(40));
    expect(manualState(achievedFrom(40), { state: "open" })).toEqual(open(40));
  });

  it("progress 100 achieves it; less reopens an achieved one", () => {
    expect(manualState(open(70), { progress: 100 })).toEqual(achievedFrom(70));
    expect(manualState(achievedFrom(70), { progress: 30 })).toEqual(open(30));
  });

  it("missed and dropped keep the progress; closing an achieved goal otherwise restores the progress before", () => {
    expect(manualState(open(55), { state: "missed" })).toEqual({ state: "missed", progress: 55, progress_before_close: null });
    expect(manualState(achievedFrom(20), { state: "dropped" })).toEqual({ state: "dropped", progress: 20, progress_before_close: null });
    expect(manualState({ state: "dropped", progress: 20, progress_before_close: null }, { progress: 100 })).toEqual(achievedFrom(20));
    expect(manualState({ state: "missed", progress: 20, progress_before_close: null }, { completed: false })).toEqual({ state: "missed", progress: 20, progress_before_close: null });
    expect(manualState({ state: "missed", progress: 20, progress_before_close: null }, { state: "open" })).toEqual(open(20));
  });

  it("achieving twice keeps the first progress (what reopening restores)", () => {
    expect(manualState(achievedFrom(40), { completed: true })).toEqual(achievedFrom(40));
    expect(manualState(achievedFrom(40), { progress: 100 })).toEqual(achievedFrom(40));
  });

  it("a new goal created at 100 or completed reopens to 0", () => {
    expect(manualState(FRESH_STATE, { progress: 100 })).toEqual(achievedFrom(0));
    expect(manualState(achievedFrom(0), { completed: false })).toEqual(open(0));
  });

  it.each([
    [{ completed: true, progress: 40 }, "progress"],
    [{ state: "achieved" as const, progress: 99 }, "progress"],
    [{ state: "open" as const, progress: 100 }, "progress"],
    [{ completed: false, progress: 100 }, "progress"],
    [{ state: "missed" as const, completed: true }, "completed"],
    [{ state: "achieved" as const, completed: false }, "completed"],
  ])("refuses %j, naming %s", (request, field) => {
    const answer = manualState(open(10), request);
    expect(Array.isArray(answer) && answer[0]!.field).toBe(field);
  });

  it("with key results only the state asked for changes", () => {
    expect(measuredState(open(10), { completed: true })).toBe("achieved");
    expect(measuredState(achievedFrom(10), { completed: false })).toBe("open");
    expect(measuredState(open(10), {})).toBe("open");
    expect(measuredState(open(10), { state: "dropped", completed: true })).toEqual([expect.objectContaining({ field: "completed" })]);
  });
});
