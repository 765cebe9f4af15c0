/**
 * When the timer a node shows has changed enough to tell the shell: the phase, pause, round, goal or
 * settings differ, or the deadline moved by more than the clock-offset estimate settles by. The core
 * emits a `timer_changed` event from this (election.ts), so the shell and the worker link react to
 * it instead of each polling the timer with a threshold of its own.
 */
import { remaining, type Phase, type PomodoroSettings, type TimerState } from "../../shared/pomodoro.ts";

/** Deadline moves up to this are the clock-offset estimate settling (a follower's view of the master's clock), not news. */
export const DEADLINE_SETTLING_MS = 100;

/** The timer as last told to the shell: deadlines on this node's clock. */
export interface TimerView {
  readonly phase: Phase;
  readonly paused: boolean;
  /** Epoch ms on this node's clock; null when idle or paused. */
  readonly endsAt: number | null;
  readonly remainingMs: number;
  readonly round: number;
  readonly settings: PomodoroSettings;
  /** The goal the session is for; absent for none. */
  readonly goal?: string;
}

export function viewOf(timer: TimerState, now: number): TimerView {
  return {
    phase: timer.phase,
    paused: timer.paused,
    endsAt: timer.paused ? null : timer.endsAt,
    remainingMs: remaining(timer, now),
    round: timer.completedFocusRounds,
    settings: timer.settings,
    ...(timer.goal === undefined ? {} : { goal: timer.goal }),
  };
}

/** True when `next` is worth telling after `last` was told (remainingMs alone never is: it runs down). */
export function timerChanged(last: TimerView, next: TimerView): boolean {
  if (last.phase !== next.phase || last.paused !== next.paused || last.round !== next.round || last.goal !== next.goal) return true;
  if (!sameSettings(last.settings, next.settings)) return true;
  if (last.endsAt === null || next.endsAt === null) return (last.endsAt === null) !== (next.endsAt === null);
  return Math.abs(next.endsAt - last.endsAt) > DEADLINE_SETTLING_MS;
}

function sameSettings(a: PomodoroSettings, b: PomodoroSettings): boolean {
  return a.focusMs === b.focusMs && a.shortBreakMs === b.shortBreakMs && a.longBreakMs === b.longBreakMs && a.longBreakEvery === b.longBreakEvery;
}
