import { z } from "zod";
import { InstantText, PageCursor, PageLimit } from "./fields.ts";

/**
 * Focus history: one record per focus round that ended (completed, skipped, or cut by stop), as
 * `GET /focus/sessions` lists it. Instants are ISO 8601 in the worker's clock.
 */
export const FocusEnding = z.enum(["completed", "skipped", "stopped"]);
export type FocusEnding = z.infer<typeof FocusEnding>;

export const FocusRound = z.object({
  id: z.string().meta({ description: "The round's identity (its start and index in the session): every master derives the same one, so a round is recorded once." }),
  team: z.string(),
  round: z.number().int().min(0).meta({ description: "Focus rounds completed in the session before this one." }),
  started_at: z.string(),
  ended_at: z.string(),
  planned_ms: z.number().int().min(0).meta({ description: "The focus length the settings gave the round." }),
  actual_ms: z.number().int().min(0).meta({ description: "Time the timer counted down in the round (pauses excluded)." }),
  ended: FocusEnding,
  members: z.array(z.string()).meta({ description: "Members in the session when it ended: agents connected and dashboards open." }),
  agents: z.array(z.string()).meta({ description: "Node ids of the agents connected when it ended." }),
  goal: z.string().nullable(),
  term: z.number().int().min(0).meta({ description: "Term of the master whose report ended it; 0 when the worker kept the timer." }),
  recorded_by: z.string().meta({ description: "Node id of that master, or `worker`." }),
});
export type FocusRound = z.infer<typeof FocusRound>;

export const FocusSessionsQuery = z.strictObject({
  from: InstantText.optional().meta({ description: "Only rounds that ended at or after this instant." }),
  to: InstantText.optional().meta({ description: "Only rounds that ended before this instant." }),
  member: z.string().min(1).max(64).optional().meta({ description: "Only rounds this member was in." }),
  limit: PageLimit,
  cursor: PageCursor,
  format: z.enum(["json", "csv"], { error: "must be json or csv" }).default("json").meta({ description: "csv: one round a line; the next page's cursor is in the Next-Cursor header." }),
});

export const FocusSessionList = z.object({ sessions: z.array(FocusRound), next_cursor: z.string().nullable() });
export type FocusSessionList = z.infer<typeof FocusSessionList>;

export const FocusStatsQuery = z.strictObject({
  from: InstantText.optional().meta({ description: "Only rounds that ended at or after this instant." }),
  to: InstantText.optional().meta({ description: "Only rounds that ended before this instant; the current streak counts back from its day (default: now)." }),
  group_by: z.enum(["day", "member", "goal"], { error: "must be day, member or goal" }).default("day"),
  format: z.enum(["json", "csv"], { error: "must be json or csv" }).default("json"),
});

export const FocusStatsBucket = z.object({
  key: z.string().nullable().meta({ description: "The day (YYYY-MM-DD, UTC, by the round's end), member or goal; null for the total, or for rounds with no goal." }),
  rounds: z.number().int().min(0).meta({ description: "Rounds that ended, however." }),
  rounds_completed: z.number().int().min(0),
  focus_ms: z.number().int().min(0).meta({ description: "Time focused: the sum of the rounds' actual_ms." }),
  focus_minutes: z.number().min(0),
  longest_streak_days: z.number().int().min(0).meta({ description: "Longest run of consecutive days each with a completed round." }),
  current_streak_days: z.number().int().min(0).meta({ description: "The run ending on the last day (or the day before, while the last day has none yet)." }),
});
export type FocusStatsBucket = z.infer<typeof FocusStatsBucket>;

export const FocusStats = z.object({
  from: z.string().nullable(),
  to: z.string().nullable(),
  group_by: z.enum(["day", "member", "goal"]),
  total: FocusStatsBucket,
  groups: z.array(FocusStatsBucket),
});
export type FocusStats = z.infer<typeof FocusStats>;
