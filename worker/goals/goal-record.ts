import type { Goal, GoalPatch, GoalWrite } from "../../shared/goals.ts";
import { formatInstant, parseInstant } from "../../shared/instant.ts";

export type GoalFields = Omit<GoalWrite, "id" | "created_by" | "created_at" | "updated_at" | "version">;

/**
 * The stored form of a goal. Completing a goal sets its progress to 100 unless the same request
 * says otherwise; `due` is normalised to UTC. Each goal gets its own created_at (the original
 * shared one default timestamp among all goals).
 */
export function buildGoal(fields: GoalFields, meta: Pick<Goal, "id" | "created_by" | "created_at" | "updated_at" | "version"> & { owner: string }): Goal {
  const completed = fields.completed ?? false;
  return {
    id: meta.id,
    title: fields.title,
    description: fields.description ?? "",
    owner: fields.owner ?? meta.owner,
    completed,
    progress: fields.progress ?? (completed ? 100 : 0),
    due: fields.due === undefined || fields.due === null ? null : formatInstant(parseInstant(fields.due) as number),
    created_by: meta.created_by,
    created_at: meta.created_at,
    updated_at: meta.updated_at,
    version: meta.version,
  };
}

/** PATCH: the current goal with the named fields replaced. */
export function patchedFields(current: Goal, patch: GoalPatch): GoalFields {
  const completing = patch.completed === true && !current.completed;
  return {
    title: patch.title ?? current.title,
    description: patch.description ?? current.description,
    owner: patch.owner ?? current.owner,
    completed: patch.completed ?? current.completed,
    progress: patch.progress ?? (completing ? 100 : current.progress),
    due: patch.due === undefined ? current.due : patch.due,
  };
}
