import { z } from "zod";
import { Description, freeText, InstantText, PageCursor, PageLimit, readOnly, ResourceId, serverManagedFields, Title, Version } from "./fields.ts";

const Owner = freeText(z.string().trim().min(1, { error: "must not be empty" }).max(100, { error: "must be at most 100 characters" }));
const Progress = z
  .number({ error: "must be a number from 0 to 100" })
  .int({ error: "must be a whole number from 0 to 100" })
  .min(0, { error: "must be from 0 to 100" })
  .max(100, { error: "must be from 0 to 100" });

/** POST /goals and PUT /goals/{id}. */
export const GoalWrite = z.strictObject({
  id: ResourceId.optional().meta({ description: "Generated when absent (POST only)." }),
  title: Title,
  description: Description.optional(),
  owner: Owner.optional().meta({ description: "Defaults to the member who creates the goal." }),
  completed: z.boolean({ error: "must be true or false" }).optional(),
  progress: Progress.optional().meta({ description: "Percent done, 0-100. Completing a goal sets it to 100 unless given." }),
  due: InstantText.nullable().optional(),
  ...serverManagedFields,
});
export type GoalWrite = z.infer<typeof GoalWrite>;

/** PATCH /goals/{id}: any subset of the writable fields. */
export const GoalPatch = GoalWrite.omit({ id: true }).partial().extend({ title: Title.optional() });
export type GoalPatch = z.infer<typeof GoalPatch>;

export const Goal = z.object({
  id: ResourceId,
  title: z.string(),
  description: z.string(),
  owner: z.string(),
  completed: z.boolean(),
  progress: z.number().int().min(0).max(100),
  due: z.string().meta({ format: "date-time" }).nullable(),
  created_by: readOnly(z.string()),
  created_at: readOnly(z.string().meta({ format: "date-time" })),
  updated_at: readOnly(z.string().meta({ format: "date-time" })),
  version: readOnly(Version),
});
export type Goal = z.infer<typeof Goal>;

export const GoalListQuery = z.strictObject({
  limit: PageLimit,
  cursor: PageCursor,
});

export const GoalList = z.object({ goals: z.array(Goal), next_cursor: z.string().nullable() });
