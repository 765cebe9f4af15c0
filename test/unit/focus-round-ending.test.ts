import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { advance, applyTimerCommand, idleTimer, type TimerCommand } from "../../shared/pomodoro.ts";
import { roundsEnded, roundId } from "../../worker/focus/round-ending.ts";
import { emptyRecord, recordAfterCommand, recordFromReport, type TimerRecord } from "../../worker/live/team-timer.ts";

const MIN = 60_000;
const settings = { focus_ms: 25 * MIN, short_break_ms: 5 * MIN, long_break_ms: 15 * MIN, long_break_every: 4 };

/** The worker applying a command to the record it keeps, as the hub does. */
function command(record: TimerRecord, cmd: TimerCommand, now: number): TimerRecord {
  const result = applyTimerCommand(advance(record.state, now), cmd, now);
  if (!result.ok) return record;
  return recordAfterCommand(record, result.state, cmd.kind, now);
}

const started = (now: number) => command(emptyRecord(), { kind: "start" }, now);

function report(phase: "focus" | "short_break" | "idle", round: number, remainingMs: number, durationMs: number) {
  return { phase, paused: false, round, remaining_ms: remainingMs, duration_ms: durationMs, settings };
}

describe("which focus rounds a timer change ended", () => {
  it("a focus that ran to its deadline is completed, at the deadline, with its full length", () => {
    const ended = roundsEnded(started(0), null, 26 * MIN);
    expect(ended).toEqual([{ id: roundId(0, 0, 1), round: 0, startedAt: 0, endedAt: 25 * MIN, plannedMs: 25 * MIN, actualMs: 25 * MIN, ended: "completed", goal: null }]);
  });

  it("a round carries the goal its session was started for, also when a stop (which clears the goal) or a master's report ends it", () => {
    const forGoal = command(emptyRecord(), { kind: "start", goal: "launch" }, 0);
    expect(forGoal.state.goal).toBe("launch");
    const stopped = command(forGoal, { kind: "stop" }, 10 * MIN);
    expect(stopped.state.goal).toBeUndefined();
    expect(roundsEnded(forGoal, stopped, 10 * MIN).map((r) => [r.ended, r.goal])).toEqual([["stopped", "launch"]]);
    expect(roundsEnded(forGoal, null, 26 * MIN).map((r) => r.goal)).toEqual(["launch"]);
    // A master's reports carry the goal; an agent older than it sends none.
    const reported = recordFromReport({ ...report("focus", 0, 20 * MIN, 25 * MIN), goal: "launch" }, "m", 1, 5 * MIN);
    expect(reported.state.goal).toBe("launch");
    expect(recordFromReport(report("focus", 0, 20 * MIN, 25 * MIN), "m", 1, 5 * MIN).state.goal).toBeUndefined();
    const skipped = recordFromReport({ ...report("short_break", 1, 5 * MIN, 5 * MIN), goal: "launch" }, "m", 1, 10 * MIN, reported);
    expect(roundsEnded(reported, skipped, 10 * MIN).map((r) => [r.ended, r.goal])).toEqual([["skipped", "launch"]]);
  });

  it("two sessions begun in the same millisecond give their rounds different ids (the session count)", () => {
    // start, skip and stop at 0, then start again at 0: round 0 of each session began at the same instant.
    const skipped = command(started(0), { kind: "skip" }, 0);
    const stopped = command(skipped, { kind: "stop" }, 0);
    const again = command(stopped, { kind: "start" }, 0);
    const first = roundsEnded(started(0), skipped, 0);
    const second = roundsEnded(again, null, 26 * MIN);
    expect(first.map((r) => r.round)).toEqual([0]);
    expect(second.map((r) => r.round)).toEqual([0]);
    expect(second[0]!.id).not.toBe(first[0]!.id);
    expect(again.session).toBe(2);
  });

  it("nothing ended while the focus still runs, or while idle", () => {
    expect(roundsEnded(started(0), null, 24 * MIN)).toEqual([]);
    expect(roundsEnded(emptyRecord(), started(MIN), MIN)).toEqual([]);
  });

  it("a skip ends the focus as skipped, a stop as stopped, each with the time counted", () => {
    const record = started(0);
    expect(roundsEnded(record, command(record, { kind: "skip" }, 10 * MIN), 10 * MIN)).toMatchObject([{ round: 0, endedAt: 10 * MIN, actualMs: 10 * MIN, ended: "skipped" }]);
    expect(roundsEnded(record, command(record, { kind: "stop" }, 7 * MIN), 7 * MIN)).toMatchObject([{ round: 0, endedAt: 7 * MIN, actualMs: 7 * MIN, ended: "stopped" }]);
  });

  it("time paused is not counted", () => {
    const paused = command(started(0), { kind: "pause" }, 10 * MIN);
    const resumed = command(paused, { kind: "resume" }, 40 * MIN);
    expect(roundsEnded(paused, resumed, 40 * MIN)).toEqual([]);
    expect(roundsEnded(resumed, command(resumed, { kind: "stop" }, 45 * MIN), 45 * MIN)).toMatchObject([{ actualMs: 15 * MIN, ended: "stopped" }]);
  });

  it("a break skipped ends no round; the rounds of a long run left alone are all there, once each", () => {
    const onBreak = command(started(0), { kind: "skip" }, MIN);
    expect(roundsEnded(onBreak, command(onBreak, { kind: "skip" }, 2 * MIN), 2 * MIN)).toEqual([]);
    const ended = roundsEnded(started(0), null, 24 * 60 * MIN);
    expect(ended.every((r) => r.ended === "completed")).toBe(true);
    expect(new Set(ended.map((r) => r.id)).size).toBe(ended.length);
    expect(ended.map((r) => r.round)).toEqual([...ended.keys()]); // 0, 1, 2, … with no gap
  });

  it("a report of the break that lands just before the worker's deadline still counts the focus as completed", () => {
    const focus = recordFromReport(report("focus", 0, 25 * MIN, 25 * MIN), "a", 1, 0);
    const brk = recordFromReport(report("short_break", 1, 5 * MIN, 5 * MIN), "a", 1, 25 * MIN - 300);
    expect(roundsEnded(focus, brk, 25 * MIN - 300)).toMatchObject([{ ended: "completed", round: 0, endedAt: 25 * MIN, actualMs: 25 * MIN }]);
  });

  it("a failover: the new master's report ends the round with the id the old master's would have", () => {
    const focus = recordFromReport(report("focus", 2, 25 * MIN, 25 * MIN), "a", 1, 0);
    // a reported, then a continued the phase under b's term (b took over the same phase)
    const continued = recordFromReport(report("focus", 2, 15 * MIN, 25 * MIN), "b", 2, 10 * MIN + 40, focus);
    expect(roundsEnded(focus, continued, 10 * MIN + 40)).toEqual([]);
    const byB = roundsEnded(continued, recordFromReport(report("short_break", 3, 5 * MIN, 5 * MIN), "b", 2, 25 * MIN + 20, continued), 25 * MIN + 20);
    const byA = roundsEnded(focus, recordFromReport(report("short_break", 3, 5 * MIN, 5 * MIN), "a", 1, 25 * MIN + 10, focus), 25 * MIN + 10);
    expect(byB.map((r) => r.id)).toEqual(byA.map((r) => r.id));
    expect(byB).toHaveLength(1);
  });

  it("rounds a gap in the reports hid are recorded as skipped, with no length", () => {
    const focus = recordFromReport(report("focus", 0, 25 * MIN, 25 * MIN), "a", 1, 0);
    const later = recordFromReport(report("focus", 3, 20 * MIN, 25 * MIN), "a", 1, 10 * MIN);
    const ended = roundsEnded(focus, later, 10 * MIN);
    expect(ended.map((r) => [r.round, r.ended, r.actualMs])).toEqual([[0, "skipped", 10 * MIN], [1, "skipped", 0], [2, "skipped", 0]]);
  });

  it("a timer left running for years walks a bounded number of phases and keeps the latest rounds", () => {
    const ended = roundsEnded(started(0), null, 3 * 365 * 24 * 60 * MIN);
    expect(ended.length).toBeGreaterThan(0);
    expect(ended.length).toBeLessThan(2000);
    expect(ended.at(-1)!.endedAt).toBeGreaterThan(3 * 365 * 24 * 60 * MIN - 60 * MIN);
  });

  it("over any run of commands, waits, and idle looks, each ended round is recorded exactly once", () => {
    const step = fc.oneof(
      fc.record({ wait: fc.integer({ min: 0, max: 40 * MIN }) }),
      fc.record({ cmd: fc.constantFrom<TimerCommand>({ kind: "start" }, { kind: "skip" }, { kind: "stop" }, { kind: "pause" }, { kind: "resume" }, { kind: "set", durationMs: 3 * MIN }) }),
      fc.record({ look: fc.constant(true) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let now = 1_000_000;
        let record = emptyRecord();
        const recorded = new Map<string, number>();
        const keep = (rounds: ReturnType<typeof roundsEnded>) => rounds.forEach((r) => recorded.set(r.id, recorded.get(r.id) ?? r.round));
        let expected = 0; // from the timer's own transitions: rounds counted up, plus stops during a focus
        for (const s of steps) {
          if ("wait" in s) now += s.wait;
          else if ("look" in s) keep(roundsEnded(record, null, now));
          else {
            const before = advance(record.state, now);
            const next = command(record, s.cmd, now);
            if (next === record) continue;
            const after = advance(next.state, now);
            expected += before.completedFocusRounds - record.state.completedFocusRounds; // ran out by the deadline
            if (after.phase !== "idle") expected += after.completedFocusRounds - before.completedFocusRounds; // a skip of a focus
            else if (before.phase === "focus" && !(record.state.phase === "focus" && record.phaseStartedAt === now)) expected += 1; // cut by stop (not the instant it began)
            keep(roundsEnded(record, next, now));
            record = next;
          }
        }
        // what ran out by the deadline since the last change counts once looked at
        const tail = advance(record.state, now);
        expected += tail.completedFocusRounds - record.state.completedFocusRounds;
        keep(roundsEnded(record, null, now));
        expect(recorded.size).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
