import { keyResultProblems, type CheckIn, type CheckInWrite, type Goal } from "../../shared/goals.ts";
import type { FieldProblem } from "../request.ts";
import { progressOf, storedKeyResult } from "./goal-record.ts";

/**
 * A check-in on `goal`: the check-in record, and the goal's next version with the key-result values
 * it sets, its progress recomputed and its latest health. Or the fields at fault: a key result the
 * goal does not have, or a value its metric does not allow.
 */
export function checkedIn(goal: Goal, body: CheckInWrite, meta: { id: string; by: string; at: string }): { goal: Goal; checkIn: CheckIn } | FieldProblem[] {
  const values = body.key_results ?? [];
  const problems: FieldProblem[] = [];
  const changes: CheckIn["key_results"] = [];
  const keyResults = [...goal.key_results];
  values.forEach((value, i) => {
    const index = keyResults.findIndex((kr) => kr.id === value.id);
    if (index < 0) {
      problems.push({ field: `key_results.${i}.id`, message: goal.key_results.length === 0 ? "names no key result: this goal has none" : `names no key result of this goal (it has ${goal.key_results.map((kr) => kr.id).join(", ")})` });
      return;
    }
    const kr = keyResults[index]!;
    const wrong = keyResultProblems({ metric: kr.metric, currency: kr.currency, current: value.current }).find((p) => p.path === "current");
    if (wrong !== undefined) {
      problems.push({ field: `key_results.${i}.current`, message: wrong.message });
      return;
    }
    changes.push({ id: kr.id, previous: kr.current, current: value.current });
    keyResults[index] = storedKeyResult({ ...kr, currency: kr.currency, current: value.current }, kr.id);
  });
  if (problems.length > 0) return problems;
  const progress = keyResults.length > 0 ? progressOf(keyResults) : goal.progress;
  const next: Goal = { ...goal, key_results: keyResults, progress, health: body.health, checked_in_at: meta.at, updated_at: meta.at, version: goal.version + 1 };
  const checkIn: CheckIn = { id: meta.id, goal_id: goal.id, health: body.health, note: body.note ?? "", key_results: changes, progress, goal_version: next.version, by: meta.by, at: meta.at };
  return { goal: next, checkIn };
}
