import { describe, expect, it } from "vitest";
// See dashboard-countdown.test.ts for why the import needs ts-ignore here.
// @ts-ignore
import { goalChoices, sessionGoalLine } from "../../dashboard/public/lib/timer-goal.js";

// Only the fields these functions read; the rest of a Goal and a TeamTimer do not matter here.
type Loose = any;

const goal = (id: string, title: string, state = "open"): Loose => ({ id, title, state, owner: "ana", progress: 0, completed: state === "achieved", version: 1 });
const timer = (phase: string, goalId?: string | null): Loose => ({ phase, paused: false, round: 1, ...(goalId === undefined ? {} : { goal: goalId }) });

describe("the timer's goal", () => {
  it("offers the open goals, by title, and none that are achieved, missed or dropped", () => {
    const goals = [goal("b", "Ship v2"), goal("a", "Docs"), goal("c", "Old", "dropped"), goal("d", "Done", "achieved"), goal("e", "Late", "missed")];
    expect(goalChoices(goals).map((g: { id: string }) => g.id)).toEqual(["a", "b"]);
  });

  it("names the session's goal by title while the timer runs, by id once the goal is gone, and nothing when idle or for no goal", () => {
    const goals = new Map([["ship", goal("ship", "Ship v2")]]);
    expect(sessionGoalLine(timer("focus", "ship"), goals)).toBe("Focus on Ship v2");
    expect(sessionGoalLine(timer("short_break", "ship"), goals)).toBe("Focus on Ship v2");
    expect(sessionGoalLine(timer("focus", "gone"), goals)).toBe("Focus on goal gone");
    expect(sessionGoalLine(timer("idle", "ship"), goals)).toBe("");
    expect(sessionGoalLine(timer("focus", null), goals)).toBe("");
    expect(sessionGoalLine(timer("focus"), goals)).toBe("");
    expect(sessionGoalLine(null, goals)).toBe("");
  });
});
