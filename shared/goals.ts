import { z } from "zod";
import { Description, freeText, InstantText, PageCursor, PageLimit, readOnly, ResourceId, serverManagedFields, Title, Version } from "./fields.ts";

const Owner = freeText(z.string().trim().min(1, { error: "must not be empty" }).max(100, { error: "must be at most 100 characters" }));
const Progress = z
  .number({ error: "must be a number from 0 to 100" })
  .int({ error: "must be a whole number from 0 to 100" })
  .min(0, { error: "must be from 0 to 100" })
  .max(100, { error: "must be from 0 to 100" });

/** How many key results one goal may have. */
export const MAX_KEY_RESULTS = 25;
/** Key-result values and weights are kept within this magnitude, so every difference and ratio stays exact enough and finite. */
export const MAX_KEY_RESULT_VALUE = 1e12;

/**
 * What a key result measures. `done` is done / not done, stored as 0 (not done) and 1 (done);
 * `percent` values are 0-100; `currency` values are amounts in `currency` (an ISO 4217 code).
 */
export const KeyResultMetric = z.enum(["number", "percent", "currency", "done"], { error: "must be number, percent, currency or done" });
export type KeyResultMetric = z.infer<typeof KeyResultMetric>;

/** `open` or one of the closed states. `completed: true` is the same as `achieved` (the older field, kept). */
export const GoalState = z.enum(["open", "achieved", "missed", "dropped"], { error: "must be open, achieved, missed or dropped" });
export type GoalState = z.infer<typeof GoalState>;

/** How a check-in judges the goal. */
export const GoalHealth = z.enum(["on_track", "at_risk", "off_track"], { error: (issue) => (issue.input === undefined ? "is required" : "must be on_track, at_risk or off_track") });
export type GoalHealth = z.infer<typeof GoalHealth>;

const KeyResultValue = z
  .number({ error: "must be a number" })
  .min(-MAX_KEY_RESULT_VALUE, { error: `must be from -${MAX_KEY_RESULT_VALUE} to ${MAX_KEY_RESULT_VALUE}` })
  .max(MAX_KEY_RESULT_VALUE, { error: `must be from -${MAX_KEY_RESULT_VALUE} to ${MAX_KEY_RESULT_VALUE}` });
/** The smallest weight above 0: tinier ones (1e-320 is a denormal) lose precision in the weighted mean. */
export const MIN_KEY_RESULT_WEIGHT = 0.001;
const Weight = z
  .number({ error: "must be a number" })
  .min(0, { error: "must be 0 or more" })
  .max(1000, { error: "must be at most 1000" })
  .refine((w) => w === 0 || w >= MIN_KEY_RESULT_WEIGHT, { error: `must be 0 or from ${MIN_KEY_RESULT_WEIGHT} to 1000` });

/** The ISO 4217 codes the runtime knows (Node and workerd both carry ICU's list). */
const KNOWN_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf("currency"));
const NOT_A_CURRENCY = "must be a three-letter ISO 4217 code such as EUR";
// The pattern stays for the OpenAPI document; the list decides.
const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, { error: NOT_A_CURRENCY, abort: true })
  .refine((code) => KNOWN_CURRENCIES.has(code), { error: NOT_A_CURRENCY });

/** The rules of one key result that span its fields (path: the field at fault). Empty when it is sound. */
export function keyResultProblems(kr: { metric: KeyResultMetric; currency?: string | null | undefined; start?: number | undefined; current?: number | undefined; target?: number | undefined }): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  if (kr.metric === "currency" && (kr.currency === undefined || kr.currency === null)) problems.push({ path: "currency", message: "is required for a currency key result" });
  if (kr.metric !== "currency" && kr.currency !== undefined && kr.currency !== null) problems.push({ path: "currency", message: "is only for a currency key result" });
  for (const field of ["start", "current", "target"] as const) {
    const value = kr[field];
    if (value === undefined) continue;
    if (kr.metric === "done" && value !== 0 && value !== 1) problems.push({ path: field, message: "must be 0 (not done) or 1 (done)" });
    if (kr.metric === "percent" && (value < 0 || value > 100)) problems.push({ path: field, message: "must be from 0 to 100 (percent)" });
  }
  if (kr.metric !== "done" && kr.target === undefined) problems.push({ path: "target", message: "is required" });
  const start = kr.start ?? 0;
  const target = kr.target ?? (kr.metric === "done" ? 1 : undefined);
  // Done goes from not done to done: from 1 to 0 would read backwards.
  if (kr.metric === "done" && (start !== 0 || target !== 1)) problems.push({ path: start !== 0 ? "start" : "target", message: "a done key result goes from start 0 (not done) to target 1 (done)" });
  if (target !== undefined && target === start) problems.push({ path: "target", message: "must differ from start" });
  return problems;
}

/**
 * One key result as written. `id` is generated when absent (kr-1, kr-2, …); `start` defaults to 0,
 * `current` to start, `weight` to 1; a done/not-done key result goes from 0 to 1 unless told.
 */
export const KeyResultWrite = z
  .strictObject({
    id: ResourceId.optional(),
    title: Title,
    metric: KeyResultMetric,
    currency: CurrencyCode.nullable().optional(),
    start: KeyResultValue.optional(),
    current: KeyResultValue.optional(),
    target: KeyResultValue.optional(),
    weight: Weight.optional().meta({ description: "Share of the goal's progress, relative to the other key results' weights; 0 counts for nothing. Default 1." }),
    progress: z.unknown().optional().meta({ description: "Computed; accepted and ignored (so a key result read can be sent back)." }),
  })
  .superRefine((kr, ctx) => {
    for (const problem of keyResultProblems(kr)) ctx.addIssue({ code: "custom", path: [problem.path], message: problem.message });
  });
export type KeyResultWrite = z.infer<typeof KeyResultWrite>;

const KeyResultsWrite = z
  .array(KeyResultWrite)
  .max(MAX_KEY_RESULTS, { error: `must have at most ${MAX_KEY_RESULTS} key results` })
  .superRefine((krs, ctx) => {
    const seen = new Map<string, number>();
    krs.forEach((kr, i) => {
      if (kr.id === undefined) return;
      const first = seen.get(kr.id);
      if (first !== undefined) ctx.addIssue({ code: "custom", path: [i, "id"], message: `is already the id of key_results.${first}` });
      else seen.set(kr.id, i);
    });
    if (krs.length > 0 && krs.every((kr) => (kr.weight ?? 1) === 0)) ctx.addIssue({ code: "custom", path: [0, "weight"], message: "at least one key result needs a weight above 0" });
  })
  .meta({ description: `Up to ${MAX_KEY_RESULTS}. When there are any, the goal's progress is computed from them and cannot be written. The list is replaced whole; one sent again by its id without current keeps its value (same metric).` });

/** POST /goals and PUT /goals/{id}. */
export const GoalWrite = z.strictObject({
  id: ResourceId.optional().meta({ description: "Generated when absent (POST only)." }),
  title: Title,
  description: Description.optional(),
  owner: Owner.optional().meta({ description: "Defaults to the member who creates the goal." }),
  state: GoalState.optional().meta({ description: "Default open. A manual goal's progress goes to 100 when it is achieved and back to what it was when it is reopened." }),
  completed: z.boolean({ error: "must be true or false" }).optional().meta({ description: "The older form of state: true is achieved, false is open." }),
  progress: Progress.optional().meta({ description: "Percent done, 0-100, for a goal without key results (100 marks it achieved; less reopens an achieved one). Computed, not written, when it has key results." }),
  key_results: KeyResultsWrite.optional(),
  due: InstantText.nullable().optional(),
  ...serverManagedFields,
  health: z.unknown().optional().meta({ description: "Set by check-ins; accepted and ignored here." }),
  checked_in_at: z.unknown().optional(),
  progress_before_close: z.unknown().optional(),
});
export type GoalWrite = z.infer<typeof GoalWrite>;

/** PATCH /goals/{id}: any subset of the writable fields. */
export const GoalPatch = GoalWrite.omit({ id: true }).partial().extend({ title: Title.optional() });
export type GoalPatch = z.infer<typeof GoalPatch>;

export const KeyResult = z.object({
  id: z.string(),
  title: z.string(),
  metric: KeyResultMetric,
  currency: z.string().nullable(),
  start: z.number(),
  current: z.number(),
  target: z.number(),
  weight: z.number(),
  progress: z.number().int().min(0).max(100).meta({ description: "(current - start) / (target - start), clamped to 0-1, as a whole percent rounded down; read-only." }),
});
export type KeyResult = z.infer<typeof KeyResult>;

export const Goal = z.object({
  id: ResourceId,
  title: z.string(),
  description: z.string(),
  owner: z.string(),
  state: GoalState,
  completed: z.boolean().meta({ description: "state is achieved." }),
  progress: z.number().int().min(0).max(100).meta({ description: "With key results: their weighted mean progress, rounded down (read-only)." }),
  progress_before_close: z.number().int().min(0).max(100).nullable().meta({ description: "A manual goal's progress when it was achieved: reopening restores it." }),
  key_results: z.array(KeyResult),
  health: GoalHealth.nullable().meta({ description: "The latest check-in's health; null before the first." }),
  checked_in_at: z.string().meta({ format: "date-time" }).nullable(),
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

/** How many characters a check-in's note may have. */
export const MAX_CHECK_IN_NOTE = 2000;

/** POST /goals/{id}/check-ins. */
export const CheckInWrite = z.strictObject({
  health: GoalHealth,
  note: freeText(z.string().max(MAX_CHECK_IN_NOTE, { error: `must be at most ${MAX_CHECK_IN_NOTE} characters` })).optional(),
  key_results: z
    .array(z.strictObject({ id: ResourceId, current: KeyResultValue }))
    .max(MAX_KEY_RESULTS, { error: `must have at most ${MAX_KEY_RESULTS} entries` })
    .superRefine((values, ctx) => {
      const seen = new Map<string, number>();
      values.forEach((v, i) => {
        const first = seen.get(v.id);
        if (first !== undefined) ctx.addIssue({ code: "custom", path: [i, "id"], message: `is already given in key_results.${first}` });
        else seen.set(v.id, i);
      });
    })
    .optional()
    .meta({ description: "New current values of the goal's key results, by id; the goal changes in the same step." }),
});
export type CheckInWrite = z.infer<typeof CheckInWrite>;

export const CheckIn = z.object({
  id: z.string(),
  goal_id: z.string(),
  health: GoalHealth,
  note: z.string(),
  key_results: z.array(z.object({ id: z.string(), previous: z.number(), current: z.number() })),
  progress: z.number().int().min(0).max(100).meta({ description: "The goal's progress after this check-in." }),
  goal_version: Version.meta({ description: "The goal's version this check-in made." }),
  by: z.string(),
  at: z.string().meta({ format: "date-time" }),
});
export type CheckIn = z.infer<typeof CheckIn>;

export const CheckInListQuery = GoalListQuery;
export const CheckInList = z.object({ check_ins: z.array(CheckIn).meta({ description: "Newest first." }), next_cursor: z.string().nullable() });
