import { describe, expect, it } from "vitest";
// The dashboard is plain JS checked from JSDoc by dashboard/tsconfig.json, where these imports have
// types; tsconfig.node.json has no allowJs and would call them untyped, hence the ts-ignore.
// @ts-ignore
import { availableControls, ClockOffset, dateHeaderSample, documentTitle, formatCountdown, offsetSample, phaseLabel, remainingMs, roundsLabel, timerAnnouncement } from "../../dashboard/public/lib/countdown.js";
import type { TeamTimer } from "../../shared/live.ts";

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);

function timer(overrides: Partial<TeamTimer> = {}): TeamTimer {
  return {
    running: true,
    paused: false,
    phase: "focus",
    round: 0,
    start_time: new Date(T0).toISOString(),
    duration: 1500,
    duration_ms: 1_500_000,
    remaining_time: 1500,
    remaining_ms: 1_500_000,
    ends_at: T0 + 1_500_000,
    settings: { focus_ms: 1_500_000, short_break_ms: 300_000, long_break_ms: 900_000, long_break_every: 4 },
    master: "ana-laptop",
    members: ["ana-laptop"],
    term: 1,
    updated_at: new Date(T0).toISOString(),
    ...overrides,
  };
}

describe("remainingMs: from the deadline, in the worker's clock", () => {
  it("is the deadline minus the worker's now, whatever the browser clock says", () => {
    // The browser clock runs 5 s behind the worker's: offset = worker - browser = +5000.
    expect(remainingMs(timer(), T0 + 60_000 - 5000, 5000)).toBe(1_440_000);
    // Same instant, read without knowing the offset: 5 s too much.
    expect(remainingMs(timer(), T0 + 60_000 - 5000, 0)).toBe(1_445_000);
  });

  it("does not drift however rarely it is asked: a background tab that slept 10 minutes is exact on wake", () => {
    const t = timer();
    expect(remainingMs(t, T0 + 1000, 0)).toBe(1_499_000);
    expect(remainingMs(t, T0 + 601_000, 0)).toBe(899_000);
  });

  it("never goes below zero once the deadline passed", () => {
    expect(remainingMs(timer(), T0 + 2_000_000, 0)).toBe(0);
  });

  it("never shows more than the phase's length, even with an offset estimated a little late", () => {
    // Just started, and the offset is 19 ms short of the truth: the full 25 minutes, not 25:00.019.
    expect(remainingMs(timer(), T0 - 19, 0)).toBe(1_500_000);
  });

  it("uses what the worker said while paused, and the focus length while idle", () => {
    expect(remainingMs(timer({ paused: true, ends_at: null, remaining_ms: 42_000 }), T0 + 999_999, 0)).toBe(42_000);
    expect(remainingMs(timer({ phase: "idle", running: false, ends_at: null, remaining_ms: 0 }), T0, 0)).toBe(1_500_000);
  });
});

describe("clock offset", () => {
  it("takes the midpoint of the round trip", () => {
    // Sent at 1000, answered at 1100 (browser); the worker read 6050 in between: 5000 ahead.
    expect(offsetSample({ serverTimeMs: 6050, sentAtMs: 1000, receivedAtMs: 1100 })).toEqual({ offsetMs: 5000, uncertaintyMs: 50 });
  });

  it("reads an HTTP Date header as the middle of its second", () => {
    const sample = dateHeaderSample("Tue, 24 Nov 2026 09:00:10 GMT", T0 + 10_000, T0 + 10_000);
    expect(sample).toEqual({ offsetMs: 500, uncertaintyMs: 500 });
    expect(dateHeaderSample(null, 0, 0)).toBeNull();
    expect(dateHeaderSample("not a date", 0, 0)).toBeNull();
  });

  it("keeps the most precise sample, until expired: then the next one wins whatever its precision", () => {
    const clock = new ClockOffset();
    expect(clock.offsetMs).toBe(0);
    clock.add({ offsetMs: 300, uncertaintyMs: 500 });
    clock.add({ offsetMs: 120, uncertaintyMs: 5 });
    clock.add({ offsetMs: 900, uncertaintyMs: 400 });
    expect(clock.offsetMs).toBe(120);
    clock.expire();
    expect(clock.offsetMs).toBe(120); // still the best guess until a new sample arrives
    clock.add({ offsetMs: 60_000, uncertaintyMs: 300 }); // the laptop slept and its clock was reset
    expect(clock.offsetMs).toBe(60_000);
    clock.add({ offsetMs: 1, uncertaintyMs: 301 });
    expect(clock.offsetMs).toBe(60_000);
  });
});

describe("what the page shows", () => {
  it("formats the countdown rounded up, with hours only when needed", () => {
    expect(formatCountdown(1_500_000)).toBe("25:00");
    expect(formatCountdown(1_499_001)).toBe("25:00");
    expect(formatCountdown(1_499_000)).toBe("24:59");
    expect(formatCountdown(400)).toBe("00:01");
    expect(formatCountdown(0)).toBe("00:00");
    expect(formatCountdown(-5)).toBe("00:00");
    expect(formatCountdown(3_600_000 + 61_000)).toBe("1:01:01");
  });

  it("names the phase, and says when it is paused", () => {
    expect(phaseLabel(timer())).toBe("Focus");
    expect(phaseLabel(timer({ phase: "long_break", paused: true }))).toBe("Long break (paused)");
    expect(phaseLabel(timer({ phase: "idle", running: false }))).toBe("Idle");
  });

  it("announces phase changes, pauses and resumes, and stays quiet for resyncs", () => {
    expect(timerAnnouncement(timer(), timer({ phase: "short_break" }))).toBe("Short break started.");
    expect(timerAnnouncement(timer(), timer({ phase: "idle" }))).toBe("Timer stopped.");
    expect(timerAnnouncement(timer(), timer({ paused: true }))).toBe("Focus paused.");
    expect(timerAnnouncement(timer({ paused: true }), timer())).toBe("Focus resumed.");
    expect(timerAnnouncement(timer(), timer({ term: 2, master: "bo-desk", ends_at: T0 + 1_500_003 }))).toBeNull();
    expect(timerAnnouncement(null, timer())).toBeNull();
  });

  it("offers only the controls that apply", () => {
    expect(availableControls(timer({ phase: "idle" }))).toEqual({ start: true, pause: false, resume: false, skip: false, stop: false, set: false });
    expect(availableControls(timer())).toEqual({ start: false, pause: true, resume: false, skip: true, stop: true, set: true });
    expect(availableControls(timer({ paused: true }))).toEqual({ start: false, pause: false, resume: true, skip: true, stop: true, set: true });
    expect(availableControls(null).start).toBe(false);
  });

  it("puts the countdown in the tab's title while a phase runs", () => {
    expect(documentTitle(timer(), 754_000)).toBe("12:34 Focus · GroupSync");
    expect(documentTitle(timer({ phase: "idle" }), 0)).toBe("GroupSync");
  });

  it("counts rounds in plain words, with the right plural (never \"1 focus rounds\")", () => {
    expect(roundsLabel(1, 4)).toBe("1 focus round done · a long break after every 4 rounds");
    expect(roundsLabel(0, 1)).toBe("0 focus rounds done · a long break after every round");
    expect(roundsLabel(2, 4)).toBe("2 focus rounds done · a long break after every 4 rounds");
  });
});
