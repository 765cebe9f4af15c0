import { describe, expect, it } from "vitest";
// See dashboard-countdown.test.ts for why the import needs ts-ignore here.
// @ts-ignore
import { checkInBody, checkInRefusal, dateInZone, formatKeyResultValue, goalColumn, healthLabel, initials, isDueToday, isOverdue, keyResultSummary, knownMembers } from "../../dashboard/public/lib/goal-board.js";
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
    expect(goalColumn(goal({ state: "achieved", completed: true }))).toBe("done");
    expect(goalColumn(goal({ state: "open", progress: 100 }))).toBe("doing");
  });

  it("puts missed and dropped goals in Closed, whatever their progress, and never overdue", () => {
    expect(goalColumn(goal({ state: "missed", progress: 40 }))).toBe("closed");
    expect(goalColumn(goal({ state: "dropped", progress: 0 }))).toBe("closed");
    expect(isOverdue(goal({ state: "missed", due: "2026-12-01T00:00:00Z" }), "2026-12-09")).toBe(false);
  });

  it("writes each metric's value with its unit", () => {
    const kr = (metric: string, currency: string | null = null) => ({ id: "k", title: "k", metric, currency, start: 0, current: 0, target: 1, weight: 1, progress: 0 }) as Goal["key_results"][number];
    expect(formatKeyResultValue(kr("number"), 1234.5, "en")).toBe("1,234.5");
    expect(formatKeyResultValue(kr("percent"), 40, "en")).toBe("40%");
    expect(formatKeyResultValue(kr("currency", "EUR"), 10000, "en")).toBe("€10,000.00");
    expect(formatKeyResultValue(kr("currency", "EUR"), 10000, "de-DE")).toBe("10.000,00\u00a0€");
    expect(keyResultSummary({ ...kr("number"), current: 40, target: 200 }, "en")).toBe("40 / 200");
    expect(keyResultSummary({ ...kr("done"), current: 1 }, "en")).toBe("✓ done");
    expect(keyResultSummary({ ...kr("done"), current: 0 }, "en")).toBe("not done");
  });

  it("names a health in words", () => {
    expect(healthLabel("at_risk")).toBe("At risk");
    expect(healthLabel(null)).toBe("No check-in yet");
  });

  it("builds a check-in from the form: changed key results only, a note only when written, a bad number named", () => {
    const withKrs = goal({ key_results: [
      { id: "kr-1", title: "Signups", metric: "number", currency: null, start: 0, current: 10, target: 200, weight: 1, progress: 5 },
      { id: "kr-2", title: "Docs", metric: "done", currency: null, start: 0, current: 0, target: 1, weight: 1, progress: 0 },
    ] });
    expect(checkInBody(withKrs, { health: "on_track", note: " ", values: { "kr-1": "10", "kr-2": "1" } }))
      .toEqual({ ok: true, body: { health: "on_track", key_results: [{ id: "kr-2", current: 1 }] } });
    expect(checkInBody(withKrs, { health: "at_risk", note: "slow", values: {} })).toEqual({ ok: true, body: { health: "at_risk", note: "slow" } });
    expect(checkInBody(withKrs, { health: "at_risk", note: "", values: { "kr-1": "ten" } })).toEqual({ ok: false, message: "“Signups” needs a number." });
    expect(checkInBody(withKrs, { health: "", note: "", values: {} }).ok).toBe(false);
    // A refusal names the key result by its title, not by its place in the request.
    const body = { health: "on_track", key_results: [{ id: "kr-2", current: 1 }] };
    expect(checkInRefusal(withKrs, body, "key_results.0.current: must be 0 (not done) or 1 (done)")).toBe("“Docs”: must be 0 (not done) or 1 (done)");
    expect(checkInRefusal(withKrs, body, "key_results.3.current: must be a number")).toBe("key_results.3.current: must be a number");
    expect(checkInRefusal(withKrs, body, "note: must be at most 2000 characters")).toBe("note: must be at most 2000 characters");
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
