import type { GoalState } from "../../shared/goals.ts";
import type { FieldProblem } from "../request.ts";

/** What a goal's state and progress were before a write (a new or replaced goal starts open at 0). */
export interface StateBase {
  state: GoalState;
  progress: number;
  progress_before_close: number | null;
}

/** What the write asked for; any of them may be left out. */
export interface StateRequest {
  state?: GoalState | undefined;
  completed?: boolean | undefined;
  progress?: number | undefined;
}

export const FRESH_STATE: StateBase = { state: "open", progress: 0, progress_before_close: null };

/** The state a write asks for: `state`, else `completed` (true: achieved; false: reopen an achieved goal). */
function requestedState(base: StateBase, request: StateRequest): GoalState | FieldProblem {
  const { state, completed } = request;
  if (state !== undefined && completed !== undefined && completed !== (state === "achieved")) {
    return { field: "completed", message: `must agree with state (completed is true exactly when state is achieved; state is ${state})` };
  }
  if (state !== undefined) return state;
  if (completed === true) return "achieved";
  if (completed === false && base.state === "achieved") return "open";
  return base.state;
}

/**
 * State and progress of a goal without key results. Achieving it sets progress to 100 and keeps the
 * progress it had, which reopening (or closing it otherwise) restores; progress 100 achieves it, and
 * less reopens an achieved one. A request that asks for both and contradicts itself is refused.
 */
export function manualState(base: StateBase, request: StateRequest): StateBase | FieldProblem[] {
  const asked = requestedState(base, request);
  if (typeof asked !== "string") return [asked];
  const explicit = request.state !== undefined || request.completed !== undefined;
  const progress = request.progress;
  if (explicit && progress !== undefined && (asked === "achieved") !== (progress === 100)) {
    return [{ field: "progress", message: asked === "achieved" ? "must be 100 (or left out) when the goal is achieved" : `100 means achieved: leave it out or below 100 for state ${asked}` }];
  }
  let state = asked;
  if (!explicit && progress === 100) state = "achieved";
  if (!explicit && progress !== undefined && progress < 100 && base.state === "achieved") state = "open";
  if (state === "achieved") {
    return { state, progress: 100, progress_before_close: base.state === "achieved" ? base.progress_before_close : base.progress };
  }
  const restored = base.state === "achieved" ? (base.progress_before_close ?? 0) : base.progress;
  return { state, progress: progress ?? restored, progress_before_close: null };
}

/** State of a goal with key results: only what the write asks for (progress is computed, so it decides nothing). */
export function measuredState(base: StateBase, request: StateRequest): GoalState | FieldProblem[] {
  const asked = requestedState(base, request);
  return typeof asked === "string" ? asked : [asked];
}
