import { describe, expect, it } from "vitest";
import { applyTimerCommand, idleTimer } from "../../shared/pomodoro.ts";
import { emptyRecord, judgeReport, MASTER_LEASE_MS, masterAlive, MAX_TERM_JUMP, recordAfterCommand, recordFromReport, sameTimer, teamTimerView } from "../../worker/live/team-timer.ts";

const MIN = 60_000;
const settings = { focus_ms: 25 * MIN, short_break_ms: 5 * MIN, long_break_ms: 15 * MIN, long_break_every: 4 };

function started(now: number) {
  const result = applyTimerCommand(idleTimer(), { kind: "start", settings: {} }, now);
  if (!result.ok) throw new Error(result.error.message);
  return recordAfterCommand(emptyRecord(), result.state, "start", now);
}

describe("the worker's team timer", () => {
  it("shows a fresh focus phase with its full length, counting down from the deadline", () => {
    const view = teamTimerView(started(1_000_000), [], 1_000_000 + 10 * MIN);
    expect(view).toMatchObject({ running: true, phase: "focus", duration: 1500, remaining_ms: 15 * MIN, ends_at: 1_000_000 + 25 * MIN, master: null, term: 0 });
    expect(view.start_time).toBe(new Date(1_000_000).toISOString());
  });

  it("moves on at the deadline, with start_time at the previous deadline", () => {
    const view = teamTimerView(started(0), [], 26 * MIN);
    expect(view).toMatchObject({ phase: "short_break", round: 1, duration_ms: 5 * MIN, remaining_ms: 4 * MIN, start_time: new Date(25 * MIN).toISOString() });
  });

  it("keeps the remaining time while paused", () => {
    const record = started(0);
    const paused = applyTimerCommand(record.state, { kind: "pause" }, 10 * MIN);
    if (!paused.ok) throw new Error("pause refused");
    const after = recordAfterCommand(record, paused.state, "pause", 10 * MIN);
    expect(teamTimerView(after, [], 50 * MIN)).toMatchObject({ paused: true, running: false, remaining_ms: 15 * MIN, ends_at: null, duration_ms: 25 * MIN });
  });

  it("a `set` makes the set length the phase's duration", () => {
    const record = started(0);
    const set = applyTimerCommand(record.state, { kind: "set", durationMs: 3 * MIN }, MIN);
    if (!set.ok) throw new Error("set refused");
    expect(teamTimerView(recordAfterCommand(record, set.state, "set", MIN), [], MIN)).toMatchObject({ duration: 180, remaining_ms: 3 * MIN });
  });

  it("maps a master's report (remaining time) onto the worker's clock", () => {
    const record = recordFromReport({ phase: "focus", paused: false, round: 2, remaining_ms: 90_000, duration_ms: 25 * MIN, settings }, "node-a", 7, 5_000_000);
    expect(teamTimerView(record, ["node-a", "node-b"], 5_000_000)).toMatchObject({ ends_at: 5_090_000, master: "node-a", term: 7, round: 2, members: ["node-a", "node-b"] });
  });
});

describe("term fencing", () => {
  const held = recordFromReport({ phase: "focus", paused: false, round: 0, remaining_ms: 1000, duration_ms: 25 * MIN, settings }, "node-a", 5, 0);

  it("accepts the same or a higher term", () => {
    expect(judgeReport(held, 5, { heardAt: 0 }, 1)).toBe("ok");
    expect(judgeReport(held, 6, { heardAt: 0 }, 1)).toBe("ok");
  });

  it("refuses a lower term while the master that holds the timer is heard from", () => {
    expect(judgeReport(held, 4, { heardAt: 1000 }, 2000)).toBe("stale_term");
    expect(judgeReport(held, 4, { heardAt: 1000 }, 1000 + MASTER_LEASE_MS)).toBe("stale_term");
  });

  it("refuses a term far above the current one while that master is alive", () => {
    expect(judgeReport(held, 5 + MAX_TERM_JUMP, { heardAt: 1000 }, 2000)).toBe("ok");
    expect(judgeReport(held, 6 + MAX_TERM_JUMP, { heardAt: 1000 }, 2000)).toBe("term_jump");
  });

  it("accepts a lower term once that master has been silent past its lease (a new session)", () => {
    expect(judgeReport(held, 1, { heardAt: 1000 }, 1001 + MASTER_LEASE_MS)).toBe("ok");
  });

  it("accepts a lower term at once when that master has gone (disconnected or no longer master)", () => {
    const highTerm = recordFromReport({ phase: "focus", paused: false, round: 0, remaining_ms: 1000, duration_ms: 25 * MIN, settings }, "claimer", 2 ** 40, 1000);
    expect(judgeReport(highTerm, 3, "gone", 1001)).toBe("ok");
    expect(judgeReport(highTerm, 3, { heardAt: 1000 }, 1001)).toBe("stale_term");
  });

  it("after a restart of the hub, counts the lease from the record's last change", () => {
    expect(judgeReport(held, 4, "unknown", MASTER_LEASE_MS)).toBe("stale_term");
    expect(judgeReport(held, 4, "unknown", MASTER_LEASE_MS + 1)).toBe("ok");
  });

  it("accepts any term when the worker keeps the timer itself", () => {
    expect(judgeReport(emptyRecord(), 0, "unknown", 0)).toBe("ok");
    expect(masterAlive(emptyRecord(), { heardAt: 0 }, 0)).toBe(false);
  });
});

describe("repeated reports of one phase", () => {
  const report = { phase: "focus" as const, paused: false, round: 0, remaining_ms: 600_000, duration_ms: 25 * MIN, settings };

  it("keep the phase's start time, so a pause or a new term is not a restart", () => {
    const first = recordFromReport(report, "node-a", 1, 1_000_000);
    const paused = recordFromReport({ ...report, paused: true, remaining_ms: 599_000 }, "node-a", 1, 1_001_003, first);
    expect(paused.phaseStartedAt).toBe(first.phaseStartedAt);
    const skipped = recordFromReport({ ...report, phase: "short_break", round: 1, remaining_ms: 5 * MIN, duration_ms: 5 * MIN }, "node-a", 1, 1_002_000, paused);
    expect(skipped.phaseStartedAt).toBe(1_002_000);
  });

  it("say nothing new when only network delay moved the deadline", () => {
    const first = recordFromReport(report, "node-a", 1, 1_000_000);
    expect(sameTimer(first, recordFromReport({ ...report, remaining_ms: 599_990 }, "node-a", 1, 1_000_020, first))).toBe(true);
    expect(sameTimer(first, recordFromReport({ ...report, remaining_ms: 300_000 }, "node-a", 1, 1_000_020, first))).toBe(false);
    expect(sameTimer(first, recordFromReport(report, "node-b", 2, 1_000_000, first))).toBe(false);
  });
});
