import { Hono, type Context } from "hono";
import { Goal, GoalList, GoalListQuery, GoalPatch, GoalWrite } from "../../shared/goals.ts";
import { documented } from "../api-doc.ts";
import { requireMember } from "../auth/access.ts";
import { configOf, type AppEnv } from "../env.ts";
import { taggedJson } from "../preconditions.ts";
import { invalid, readQuery, type FieldProblem } from "../request.ts";
import { addRecordRoutes, recordOperations } from "../records/record-routes.ts";
import { decodeCursor, encodeCursor } from "../storage/cursor.ts";
import { changesFor } from "../live/context.ts";
import { participantStore } from "../storage/stores.ts";
import { addCheckInRoutes } from "./check-in-routes.ts";
import { buildGoal, patchedFields, replacedFields, unlessUnchanged, type GoalFields } from "./goal-record.ts";
import { GoalStore } from "./store.ts";

/** /goals (mounted there): the team's shared goals. Every write is a compare-and-set on the goal's version. */
export const goalRoutes = new Hono<AppEnv>();
goalRoutes.use("/", requireMember());
goalRoutes.use("/*", requireMember());

// What each route is, for the OpenAPI document (worker/api-doc.ts).
const GOAL_OPERATIONS = recordOperations({
  noun: "goal",
  article: "a goal",
  tag: "goals",
  record: Goal,
  write: GoalWrite,
  patch: GoalPatch,
  example: { id: "ship-v2", create: { id: "ship-v2", title: "Ship v2", progress: 40, due: "2026-03-31T17:00:00Z" }, patch: { progress: 60 } },
  conflicts: { create: ["goal_exists", "lock_conflict", "quota_exceeded"], update: ["lock_conflict", "write_contention"], remove: ["lock_conflict", "write_contention"] },
  listing: { operationId: "listGoals", summary: "List goals in creation order", description: "Paged (go on while next_cursor is not null).", query: GoalListQuery, json: GoalList },
  summaries: { create: "Create a goal", replace: "Replace a goal", patch: "Change some fields of a goal; concurrent patches never lose each other", remove: "Delete a goal" },
});

function storeFor(c: Context<AppEnv>): GoalStore {
  return new GoalStore(participantStore(c.env, "goals"), c.get("member").team, changesFor(c), configOf(c.env).quotas.goals);
}

goalRoutes.get("/", documented(GOAL_OPERATIONS.list, async (c) => {
  const query = readQuery(c, GoalListQuery);
  const page = await storeFor(c).list(query.limit, query.cursor === undefined ? undefined : decodeCursor(query.cursor));
  return taggedJson(c, { goals: page.goals, next_cursor: page.next === null ? null : encodeCursor(page.next) });
}));

addRecordRoutes(goalRoutes, {
  participant: "goals",
  noun: "goal",
  article: "a goal",
  base: "/goals",
  write: GoalWrite,
  patch: GoalPatch,
  store: storeFor,
  created: (fields, { id, member, now }) => built(buildGoal(fields, { id, owner: member, created_by: member, created_at: now, updated_at: now, version: 1 })),
  replaced: (current, fields: GoalFields, now) =>
    unlessUnchanged(current, built(buildGoal(replacedFields(current, fields), { id: current.id, owner: current.owner, created_by: current.created_by, created_at: current.created_at, updated_at: now, version: current.version + 1 }))),
  patched: patchedFields,
  docs: GOAL_OPERATIONS,
});

addCheckInRoutes(goalRoutes, storeFor);

/** A goal, or the 400 naming the fields that kept it from being one. */
function built(goal: Goal | FieldProblem[]): Goal {
  if (Array.isArray(goal)) throw invalid(goal);
  return goal;
}
