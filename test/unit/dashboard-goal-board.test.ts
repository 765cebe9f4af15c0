import { describe, expect, it } from "vitest";
// See dashboard-countdown.test.ts for why the import needs ts-ignore here.
// @ts-ignore
import { dateInZone, goalColumn, initials, isDueToday, isOverdue, knownMembers } from "../../dashboard/public/lib/goal-board.js";
import type { Goal } from "../../shared/goals.ts";

function goal(fields: Partial<Goal>): Goal {
  return { id: "g", title: "g", description: "", owner: "ana", due: null, progress: 0, completed: false, created_by: "ana", created_at: "2026-11-01T00:00:00Z", updated_at: "2026-11-01T00:00:00Z", version: 1, ...fields } as Goal;
}

describe("the goals board", () => {
  it("puts a goal in To do, In progress or Done by its state", () => {
    expect(goalColumn(goal({}))).toBe("todo");
    expect(goalColumn(goal({ progress: 1 }))).toBe("doing");
    expect(goalColumn(goal({ progress: 100, completed: true }))).toBe("done");
    expect(goalColumn(goal({ progress: 0, completed: true }))).toBe("done");
  });

  it("marks a goal overdue once its due date is over, unless it is done", () => {
    const due = "2026-12-01T00:00:00Z";
    expect(isOverdue(goal({ due }), "2026-12-02")).toBe(true);
    expect(isOverdue(goal({ due }), "2026-12-01")).toBe(false);
    expect(isDueToday(goal({ due }), "2026-12-01")).toBe(true);
    expect(isOverdue(goal({ due, completed: true }), "2026-12-02")).toBe(false);
    expect(isOverdue(goal({ due: null }), "2026-12-02")).toBe(false);
  });

  it("reads today's date in the member's zone", () => {
    const late = Date.parse("2026-12-01T23:30:00Z");
    expect(dateInZone(late, "UTC")).toBe("2026-12-01");
    expect(dateInZone(late, "Europe/Berlin")).toBe("2026-12-02");
  });

  it("offers as owners every member the page knows of, once each", () => {
    expect(knownMembers({ me: "ana", people: ["bo", "ana"], agentMembers: ["cy", ""], owners: ["bo", "dee"] })).toEqual(["ana", "bo", "cy", "dee"]);
    // The team's roster (GET /me/team) adds the members who are nowhere else on the page yet.
    expect(knownMembers({ roster: ["ana", "eve"], me: "ana", people: [], agentMembers: [], owners: [] })).toEqual(["ana", "eve"]);
  });

  it("makes avatar initials from one or two words", () => {
    expect(initials("ana")).toBe("AN");
    expect(initials("bo lee")).toBe("BL");
    expect(initials("dash-agent")).toBe("DA");
    expect(initials("  ")).toBe("?");
  });
});
