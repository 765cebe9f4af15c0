import type { Goal, GoalPatch, GoalWrite, KeyResult, KeyResultWrite } from "../../shared/goals.ts";
import { formatInstant, parseInstant } from "../../shared/instant.ts";
import type { FieldProblem } from "../request.ts";
import { FRESH_STATE, manualState, measuredState, type StateBase } from "./goal-state.ts";
import { goalFraction, keyResultFraction, wholePercent } from "./progress.ts";

/**
 * What a goal is built from: the writable fields, and for a PATCH the goal it continues (`from`), whose
 * state and progress the changes apply to. A POST or PUT has none: it starts open at 0.
 */
export type GoalFields = Omit<GoalWrite, "id" | "created_by" | "created_at" | "updated_at" | "version" | "health" | "checked_in_at" | "progress_before_close"> & { from?: Goal };

type GoalMeta = Pick<Goal, "id" | "created_by" | "created_at" | "updated_at" | "version"> & { owner: string };

/** A key result as stored: defaults filled in, its progress computed. */
export function storedKeyResult(kr: KeyResultWrite, id: string): KeyResult {
  const start = kr.start ?? 0;
  const target = kr.target ?? 1; // only a done/not-done key result may leave it out
  const measured = { start, current: kr.current ?? start, target };
  return { id, title: kr.title, metric: kr.metric, currency: kr.currency ?? null, ...measured, weight: kr.weight ?? 1, progress: wholePercent(keyResultFraction(measured)) };
}

/** Ids for the key results sent without one: kr-1, kr-2, … skipping the ids the list already uses. */
function keyResultIds(krs: readonly KeyResultWrite[]): string[] {
  const taken = new Set(krs.flatMap((kr) => (kr.id === undefined ? [] : [kr.id])));
  let next = 1;
  return krs.map((kr) => {
    if (kr.id !== undefined) return kr.id;
    while (taken.has(`kr-${next}`)) next++;
    taken.add(`kr-${next}`);
    return `kr-${next}`;
  });
}

/**
 * A key result sent again without `current` (renamed, say) keeps the value check-ins gave it, as
 * long as it still measures the same way; otherwise it starts from `start`.
 */
function withKeptCurrent(kr: KeyResultWrite, before: KeyResult | undefined): KeyResultWrite {
  return kr.current === undefined && before !== undefined && before.metric === kr.metric ? { ...kr, current: before.current } : kr;
}

/** A stored key result in the form a write sends (to carry it through a PATCH that leaves it alone). */
function asWritten(kr: KeyResult): KeyResultWrite {
  const { progress: _computed, currency, ...rest } = kr;
  return { ...rest, ...(currency === null ? {} : { currency }) };
}

/** The goal's progress: the key results' weighted mean when it has any. */
export function progressOf(krs: readonly KeyResult[]): number {
  return wholePercent(goalFraction(krs));
}

/**
 * A goal with key results, as the base of one without (its key results dropped): it keeps its state
 * and its computed progress, under the manual rule that 100 means achieved. An achieved one keeps
 * that progress to restore on reopening; an open, missed or dropped one at 100% keeps 99 (its state
 * changes only when asked, as with key results).
 */
function manualBaseOf(measured: Goal): StateBase {
  const kept = Math.min(measured.progress, 99);
  return measured.state === "achieved" ? { state: "achieved", progress: 100, progress_before_close: kept } : { state: measured.state, progress: kept, progress_before_close: null };
}

/**
 * The stored form of a goal, or the fields at fault. With key results its progress is computed from
 * them (a progress sent along must be that value, so a goal read can be sent back); without, state
 * and progress follow manualState. `due` is normalised to UTC. Each goal gets its own created_at (the
 * original shared one default timestamp among all goals).
 */
export function buildGoal(fields: GoalFields, meta: GoalMeta): Goal | FieldProblem[] {
  const base: StateBase = fields.from ?? FRESH_STATE;
  const written = fields.key_results ?? [];
  const ids = keyResultIds(written);
  const earlier = new Map((fields.from?.key_results ?? []).map((kr) => [kr.id, kr]));
  const keyResults = written.map((kr, i) => storedKeyResult(withKeptCurrent(kr, earlier.get(ids[i]!)), ids[i]!));
  let state: Goal["state"];
  let progress: number;
  let before: number | null = null;
  if (keyResults.length > 0) {
    progress = progressOf(keyResults);
    if (fields.progress !== undefined && fields.progress !== progress) return [{ field: "progress", message: `is computed from key_results (${progress} now): leave it out` }];
    const measured = measuredState(base, fields);
    if (Array.isArray(measured)) return measured;
    state = measured;
  } else {
    const manual = manualState(fields.from !== undefined && fields.from.key_results.length > 0 ? manualBaseOf(fields.from) : base, fields);
    if (Array.isArray(manual)) return manual;
    ({ state, progress, progress_before_close: before } = manual);
  }
  const from = fields.from;
  return {
    id: meta.id,
    title: fields.title,
    description: fields.description ?? "",
    owner: fields.owner ?? meta.owner,
    state,
    completed: state === "achieved",
    progress,
    progress_before_close: before,
    key_results: keyResults,
    health: from?.health ?? null,
    checked_in_at: from?.checked_in_at ?? null,
    due: fields.due === undefined || fields.due === null ? null : formatInstant(parseInstant(fields.due) as number),
    created_by: meta.created_by,
    created_at: meta.created_at,
    updated_at: meta.updated_at,
    version: meta.version,
  };
}

/**
 * `next` when it changes anything of `current`, else `current` itself: a write that changes nothing
 * (a PATCH of server-owned fields, or of the values the goal has) keeps its version and updated_at.
 */
export function unlessUnchanged(current: Goal, next: Goal): Goal {
  const { updated_at: _a, version: _b, ...was } = current;
  const { updated_at: _c, version: _d, ...is } = next;
  return JSON.stringify(was) === JSON.stringify(is) ? current : next;
}

/** PATCH: the current goal with the named fields replaced; state and progress change from the current ones. */
export function patchedFields(current: Goal, patch: GoalPatch): GoalFields {
  return {
    title: patch.title ?? current.title,
    description: patch.description ?? current.description,
    owner: patch.owner ?? current.owner,
    state: patch.state,
    completed: patch.completed,
    progress: patch.progress,
    key_results: patch.key_results ?? current.key_results.map(asWritten),
    due: patch.due === undefined ? current.due : patch.due,
    from: current,
  };
}

/** A PUT keeps the latest health (check-ins set it, not PUT) but replaces everything else. */
export function replacedFields(current: Goal, fields: GoalFields): GoalFields {
  return fields.from === undefined ? { ...fields, from: { ...current, state: "open", progress: 0, progress_before_close: null } } : fields;
}

/**
 * A goal as read from Redis. Goals stored before key results, states and check-ins existed get
 * their defaults: completed becomes achieved, no key results, no health yet.
 */
export function storedGoal(raw: string): Goal {
  const goal = JSON.parse(raw) as Partial<Goal> & Pick<Goal, "id" | "completed" | "progress">;
  return {
    ...goal,
    state: goal.state ?? (goal.completed ? "achieved" : "open"),
    progress_before_close: goal.progress_before_close ?? null,
    key_results: goal.key_results ?? [],
    health: goal.health ?? null,
    checked_in_at: goal.checked_in_at ?? null,
  } as Goal;
}
