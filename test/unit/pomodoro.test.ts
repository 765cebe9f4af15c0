import { describe, expect, it } from "vitest";
import {
  advance,
  applyTimerCommand,
  DEFAULT_SETTINGS,
  idleTimer,
  MAX_DURATION_MS,
  pause,
  remaining,
  resolveSettings,
  resume,
  setRemaining,
  skip,
  start,
  stop,
  type TimerResult,
  type TimerState,
} from "../../shared/pomodoro.ts";

const T0 = Date.UTC(2026, 0, 15, 9);
const MIN = 60_000;
const settings = { focusMs: 25 * MIN, shortBreakMs: 5 * MIN, longBreakMs: 15 * MIN, longBreakEvery: 4 };
const CYCLE = 4 * 25 * MIN + 3 * 5 * MIN + 15 * MIN;

function stateOf(result: TimerResult): TimerState {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}: ${result.error.message}`);
  return result.state;
}

function errorOf(result: TimerResult): string {
  if (result.ok) throw new Error("expected an error");
  return result.error.code;
}

describe("start and the cycle", () => {
  it("starts with focus round one, ending focusMs from now", () => {
    const s = stateOf(start({}, T0));
    expect(s).toMatchObject({ phase: "focus", endsAt: T0 + 25 * MIN, paused: false, remainingMs: null, completedFocusRounds: 0 });
    expect(s.settings).toEqual(DEFAULT_SETTINGS);
    expect(remaining(s, T0 + MIN)).toBe(24 * MIN);
  });

  it("walks a full cycle: focus, short break x3, long break after the 4th focus, then focus again", () => {
    let s = stateOf(start(settings, T0));
    const seen: string[] = [];
    let now = T0;
    for (let i = 0; i < 9; i += 1) {
      seen.push(s.phase);
      now = s.endsAt!;
      s = advance(s, now);
    }
    expect(seen).toEqual(["focus", "short_break", "focus", "short_break", "focus", "short_break", "focus", "long_break", "focus"]);
    expect(s.completedFocusRounds).toBe(5);
    expect(now).toBe(T0 + CYCLE + 25 * MIN);
  });

  it("honours longBreakEvery", () => {
    let s = stateOf(start({ ...settings, longBreakEvery: 2 }, T0));
    const breaks: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      s = advance(s, s.endsAt!); // focus ends
      breaks.push(s.phase);
      s = advance(s, s.endsAt!); // break ends
    }
    expect(breaks).toEqual(["short_break", "long_break", "short_break", "long_break"]);
  });

  it("does nothing before the deadline and moves exactly at it", () => {
    const s = stateOf(start(settings, T0));
    expect(advance(s, T0 + 25 * MIN - 1)).toBe(s);
    expect(advance(s, T0 + 25 * MIN)).toMatchObject({ phase: "short_break", endsAt: T0 + 30 * MIN, completedFocusRounds: 1 });
  });

  it("advances over several phases at once, each starting at the previous deadline (no drift)", () => {
    const s = stateOf(start(settings, T0));
    // 25 focus + 5 break + 25 focus + 5 break, then 2 minutes into focus round 3.
    const later = advance(s, T0 + 62 * MIN);
    expect(later).toMatchObject({ phase: "focus", completedFocusRounds: 2, endsAt: T0 + 85 * MIN });
    expect(remaining(later, T0 + 62 * MIN)).toBe(23 * MIN);
  });

  it("jumps whole cycles arithmetically and lands where stepping would", () => {
    const s = stateOf(start(settings, T0));
    const now = T0 + 1000 * CYCLE + 117 * MIN + 123;
    let stepped = s;
    while (stepped.endsAt! <= now) stepped = advance(stepped, stepped.endsAt!);
    expect(advance(s, now)).toEqual(stepped);
    expect(advance(s, now).completedFocusRounds).toBe(4000 + 4);
  });

  it("agrees with phase-by-phase stepping from any starting point", () => {
    for (let offset = 0; offset < 3 * CYCLE; offset += 7 * MIN + 13_000) {
      const s = advance(stateOf(start(settings, T0)), T0 + offset);
      const now = T0 + offset + 2 * CYCLE + 3 * MIN;
      let stepped = s;
      while (stepped.endsAt! <= now) stepped = advance(stepped, stepped.endsAt!);
      expect(advance(s, now)).toEqual(stepped);
    }
  });
});

describe("pause and resume", () => {
  it("pause keeps what is left and clears the deadline", () => {
    const s = stateOf(pause(stateOf(start(settings, T0)), T0 + 10 * MIN));
    expect(s).toMatchObject({ phase: "focus", paused: true, endsAt: null, remainingMs: 15 * MIN });
    expect(remaining(s, T0 + 60 * MIN)).toBe(15 * MIN);
    expect(advance(s, T0 + 10 * CYCLE)).toBe(s);
  });

  it("resume restores a deadline that excludes the paused time", () => {
    const paused = stateOf(pause(stateOf(start(settings, T0)), T0 + 10 * MIN));
    const resumed = stateOf(resume(paused, T0 + 40 * MIN));
    expect(resumed).toMatchObject({ phase: "focus", paused: false, remainingMs: null, endsAt: T0 + 55 * MIN });
  });

  it("pausing after a deadline passed pauses the phase that is actually current", () => {
    const s = stateOf(pause(stateOf(start(settings, T0)), T0 + 27 * MIN));
    expect(s).toMatchObject({ phase: "short_break", remainingMs: 3 * MIN, completedFocusRounds: 1 });
  });
});

describe("skip, stop and set", () => {
  it("skip starts the next phase in full, counting a skipped focus as done", () => {
    const s = stateOf(skip(stateOf(start(settings, T0)), T0 + MIN));
    expect(s).toMatchObject({ phase: "short_break", endsAt: T0 + 6 * MIN, completedFocusRounds: 1 });
    expect(stateOf(skip(s, T0 + 2 * MIN))).toMatchObject({ phase: "focus", endsAt: T0 + 27 * MIN });
  });

  it("skip brings the long break after the Nth focus", () => {
    let s = stateOf(start(settings, T0));
    for (let i = 0; i < 7; i += 1) s = stateOf(skip(s, T0));
    expect(s).toMatchObject({ phase: "long_break", completedFocusRounds: 4, endsAt: T0 + 15 * MIN });
  });

  it("skip while paused moves on and stays paused", () => {
    const paused = stateOf(pause(stateOf(start(settings, T0)), T0 + MIN));
    expect(stateOf(skip(paused, T0 + 2 * MIN))).toMatchObject({ phase: "short_break", paused: true, remainingMs: 5 * MIN, endsAt: null });
  });

  it("stop goes idle and keeps the settings", () => {
    const s = stop(stateOf(start({ ...settings, focusMs: 50 * MIN }, T0)));
    expect(s).toEqual(idleTimer({ ...settings, focusMs: 50 * MIN }));
    expect(remaining(s, T0)).toBe(0);
  });

  it("set changes what is left of the running phase", () => {
    const s = stateOf(setRemaining(stateOf(start(settings, T0)), 90_000, T0 + MIN));
    expect(s).toMatchObject({ phase: "focus", endsAt: T0 + MIN + 90_000 });
  });

  it("set on a paused timer changes the remaining time and stays paused", () => {
    const paused = stateOf(pause(stateOf(start(settings, T0)), T0 + MIN));
    expect(stateOf(setRemaining(paused, 7 * MIN, T0 + 2 * MIN))).toMatchObject({ paused: true, remainingMs: 7 * MIN, endsAt: null });
  });

  it("set on an idle timer starts a focus phase that long", () => {
    const s = stateOf(setRemaining(idleTimer(settings), 10 * MIN, T0));
    expect(s).toMatchObject({ phase: "focus", endsAt: T0 + 10 * MIN, completedFocusRounds: 0 });
  });

  it("accepts exactly 24 h", () => {
    expect(stateOf(setRemaining(idleTimer(), MAX_DURATION_MS, T0)).endsAt).toBe(T0 + MAX_DURATION_MS);
  });
});

describe("invalid operations answer an error value and never throw", () => {
  const idle = idleTimer(settings);
  const running = stateOf(start(settings, T0));
  const paused = stateOf(pause(running, T0));

  it.each([
    ["pause when idle", () => pause(idle, T0), "not_running"],
    ["pause when paused", () => pause(paused, T0), "already_paused"],
    ["resume when running", () => resume(running, T0), "not_paused"],
    ["resume when idle", () => resume(idle, T0), "not_paused"],
    ["skip when idle", () => skip(idle, T0), "not_running"],
    ["set 0", () => setRemaining(running, 0, T0), "invalid_duration"],
    ["set negative", () => setRemaining(running, -5, T0), "invalid_duration"],
    ["set more than 24 h", () => setRemaining(running, MAX_DURATION_MS + 1, T0), "invalid_duration"],
    ["set NaN", () => setRemaining(idle, Number.NaN, T0), "invalid_duration"],
    ["start with a zero focus", () => start({ focusMs: 0 }, T0), "invalid_settings"],
    ["start with longBreakEvery 0", () => start({ longBreakEvery: 0 }, T0), "invalid_settings"],
    ["start with longBreakEvery 2.5", () => start({ longBreakEvery: 2.5 }, T0), "invalid_settings"],
    ["start command while running", () => applyTimerCommand(running, { kind: "start" }, T0), "already_running"],
  ] as const)("%s", (_name, operation, code) => {
    expect(errorOf(operation())).toBe(code);
  });

  it("errors carry a sentence for people", () => {
    const result = setRemaining(running, -5, T0);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/more than 0/);
    expect(resolveSettings({ shortBreakMs: -1 })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/shortBreakMs/) } });
  });

  it("start on a paused timer says it is paused, not running", () => {
    const onPaused = applyTimerCommand(paused, { kind: "start" }, T0);
    expect(onPaused).toMatchObject({ ok: false, error: { code: "already_running", message: expect.stringMatching(/paused; resume it/) } });
    const onRunning = applyTimerCommand(running, { kind: "start" }, T0);
    expect(onRunning).toMatchObject({ ok: false, error: { message: expect.stringMatching(/already running/) } });
  });

  it("does not change the state it was given", () => {
    const before = structuredClone(running);
    pause(running, T0 + MIN);
    skip(running, T0 + MIN);
    setRemaining(running, MIN, T0);
    advance(running, T0 + CYCLE);
    expect(running).toEqual(before);
  });
});

describe("applyTimerCommand", () => {
  it("dispatches every command kind", () => {
    let s = stateOf(applyTimerCommand(idleTimer(settings), { kind: "start", settings: { focusMs: 10 * MIN } }, T0));
    expect(s).toMatchObject({ phase: "focus", endsAt: T0 + 10 * MIN });
    s = stateOf(applyTimerCommand(s, { kind: "pause" }, T0 + MIN));
    s = stateOf(applyTimerCommand(s, { kind: "resume" }, T0 + 2 * MIN));
    expect(s.endsAt).toBe(T0 + 11 * MIN);
    s = stateOf(applyTimerCommand(s, { kind: "set", durationMs: MIN }, T0 + 2 * MIN));
    s = stateOf(applyTimerCommand(s, { kind: "skip" }, T0 + 2 * MIN));
    expect(s.phase).toBe("short_break");
    expect(stateOf(applyTimerCommand(s, { kind: "stop" }, T0)).phase).toBe("idle");
  });
});
