import { describe, expect, it } from "vitest";
import { DEADLINE_SETTLING_MS, timerChanged, viewOf, type TimerView } from "../../agent/core/timer-change.ts";
import { DEFAULT_SETTINGS, idleTimer } from "../../shared/pomodoro.ts";

const focus: TimerView = { phase: "focus", paused: false, endsAt: 10_000, remainingMs: 5000, round: 0, settings: DEFAULT_SETTINGS };

describe("timer changes worth telling", () => {
  it("an idle timer is seen with no deadline and nothing left", () => {
    expect(viewOf(idleTimer(), 123)).toEqual({ phase: "idle", paused: false, endsAt: null, remainingMs: 0, round: 0, settings: DEFAULT_SETTINGS });
  });

  it("time running down is no change", () => {
    expect(timerChanged(focus, { ...focus, remainingMs: 10 })).toBe(false);
  });

  it("phase, pause, round and settings always are", () => {
    expect(timerChanged(focus, { ...focus, phase: "short_break" })).toBe(true);
    expect(timerChanged(focus, { ...focus, paused: true, endsAt: null })).toBe(true);
    expect(timerChanged(focus, { ...focus, round: 1 })).toBe(true);
    expect(timerChanged(focus, { ...focus, settings: { ...DEFAULT_SETTINGS, focusMs: 60_000 } })).toBe(true);
  });

  it("a deadline settling by up to the threshold is not; a move beyond it is, either way", () => {
    expect(timerChanged(focus, { ...focus, endsAt: focus.endsAt! + DEADLINE_SETTLING_MS })).toBe(false);
    expect(timerChanged(focus, { ...focus, endsAt: focus.endsAt! - DEADLINE_SETTLING_MS })).toBe(false);
    expect(timerChanged(focus, { ...focus, endsAt: focus.endsAt! + DEADLINE_SETTLING_MS + 1 })).toBe(true);
    expect(timerChanged(focus, { ...focus, endsAt: focus.endsAt! - DEADLINE_SETTLING_MS - 1 })).toBe(true);
  });

  it("a deadline appearing or going away is", () => {
    const paused: TimerView = { ...focus, paused: true, endsAt: null };
    expect(timerChanged(paused, { ...paused, remainingMs: 1 })).toBe(false);
    expect(timerChanged({ ...focus, endsAt: null }, focus)).toBe(true);
    expect(timerChanged(focus, { ...focus, endsAt: null })).toBe(true);
  });
});
