import { Hono, type Context } from "hono";
import { CommonErrorCodes } from "../../shared/errors.ts";
import { ResourceId } from "../../shared/fields.ts";
import { GoalListQuery, GoalPatch, GoalWrite, type Goal } from "../../shared/goals.ts";
import { requireMember } from "../auth/access.ts";
import type { AppEnv } from "../env.ts";
import { ApiError, lockConflict } from "../http-errors.ts";
import { checkPreconditions, etag, ifNoneMatchMatches, staleOrRetry, untilWritten } from "../preconditions.ts";
import { invalid, readBody, readId, readQuery } from "../request.ts";
import { decodeCursor, encodeCursor } from "../storage/cursor.ts";
import { changesFor } from "../live/context.ts";
import { participantStore } from "../storage/stores.ts";
import { blockersOf, repairedRead } from "../resources.ts";
import { unreachable } from "../unreachable.ts";
import { answerRecord, idempotencyOf, keyReused, replay } from "../idempotency/idempotency.ts";
import { buildGoal, patchedFields } from "./goal-record.ts";
import { GoalStore } from "./store.ts";

/** /goals (mounted there): the team's shared goals. Every write is a compare-and-set on the goal's version. */
export const goalRoutes = new Hono<AppEnv>();
goalRoutes.use("/", requireMember());
goalRoutes.use("/*", requireMember());

function storeFor(c: Context<AppEnv>): GoalStore {
  return new GoalStore(participantStore(c.env, "goals"), c.get("member").team, changesFor(c));
}

goalRoutes.get("/", async (c) => {
  const query = readQuery(c, GoalListQuery);
  const page = await storeFor(c).list(query.limit, query.cursor === undefined ? undefined : decodeCursor(query.cursor));
  return c.json({ goals: page.goals, next_cursor: page.next === null ? null : encodeCursor(page.next) });
});

goalRoutes.post("/", async (c) => {
  const body = await readBody(c, GoalWrite);
  const member = c.get("member").member;
  const now = new Date().toISOString();
  const goal = buildGoal(body, { id: body.id ?? crypto.randomUUID(), owner: member, created_by: member, created_at: now, updated_at: now, version: 1 });
  const headers = { ETag: etag(goal.version), Location: `/goals/${goal.id}` };
  const key = await idempotencyOf(c, c.get("member"));
  const idem = key === undefined ? undefined : { key, answer: await answerRecord(key, 201, goal, headers) };
  const store = storeFor(c);
  const blockers = blockersOf(c, "goals");
  // Each retry follows a transaction resolved just now (Blockers), so the loop ends.
  for (;;) {
    const outcome = await store.put(goal, undefined, member, idem);
    switch (outcome.kind) {
      case "ok":
        return c.json(goal, 201, headers);
      case "replay":
        return replay(outcome.record, key!);
      case "key_reused":
        throw keyReused();
      case "exists":
        throw new ApiError(409, "goal_exists", `a goal with id ${goal.id} already exists`, { details: { id: goal.id } });
      case "locked":
        if (await blockers.cleared([outcome.tx])) continue;
        throw lockConflict(`goal ${goal.id}`);
      case "missing":
      case "stale":
        throw new Error(`put_goal answered ${outcome.kind} to a create`);
      default:
        return unreachable(outcome, "put_goal outcome");
    }
  }
});

goalRoutes.get("/:id", async (c) => {
  const id = readId(c, ResourceId);
  const store = storeFor(c);
  let { goal, lockedBy } = await store.getWithLock(id);
  if (await repairedRead(c, "goals", lockedBy)) goal = await store.get(id);
  if (goal === null) throw notFound(id);
  if (ifNoneMatchMatches(c, goal.version)) return c.body(null, 304, { ETag: etag(goal.version) });
  return c.json(goal, 200, { ETag: etag(goal.version) });
});

goalRoutes.put("/:id", async (c) => {
  const id = readId(c, ResourceId);
  const body = await readBody(c, GoalWrite);
  if (body.id !== undefined && body.id !== id) throw invalid([{ field: "id", message: `must match the path (${id}) or be left out` }]);
  return update(c, id, () => body);
});

goalRoutes.patch("/:id", async (c) => {
  const id = readId(c, ResourceId);
  const patch = await readBody(c, GoalPatch);
  return update(c, id, (current) => patchedFields(current, patch));
});

goalRoutes.delete("/:id", async (c) => {
  const id = readId(c, ResourceId);
  const store = storeFor(c);
  const blockers = blockersOf(c, "goals");
  await untilWritten(async () => {
    const current = await store.get(id);
    if (current === null) throw notFound(id);
    checkPreconditions(c, current.version);
    const outcome = await store.delete(current, c.get("member").member);
    switch (outcome.kind) {
      case "ok":
        return outcome;
      case "missing":
        throw notFound(id);
      case "stale":
        return staleOrRetry(c, outcome.version);
      case "locked":
        if (await blockers.cleared([outcome.tx])) return "retry";
        throw lockConflict(`goal ${id}`);
      case "exists":
        throw new Error("delete_goal answered exists");
      default:
        return unreachable(outcome, "delete_goal outcome");
    }
  }, `goal ${id}`);
  return c.body(null, 204);
});

/** PUT and PATCH: re-read, rebuild, compare-and-set, until it lands; no update is ever lost. */
async function update(c: Context<AppEnv>, id: string, fieldsFrom: (current: Goal) => Parameters<typeof buildGoal>[0]): Promise<Response> {
  const store = storeFor(c);
  const member = c.get("member").member;
  const blockers = blockersOf(c, "goals");
  const goal = await untilWritten(async () => {
    const current = await store.get(id);
    if (current === null) throw notFound(id);
    checkPreconditions(c, current.version);
    const next = buildGoal(fieldsFrom(current), { id, owner: current.owner, created_by: current.created_by, created_at: current.created_at, updated_at: new Date().toISOString(), version: current.version + 1 });
    const outcome = await store.put(next, current, member);
    switch (outcome.kind) {
      case "ok":
        return next;
      case "missing":
        throw notFound(id);
      case "stale":
        return staleOrRetry(c, outcome.version);
      case "locked":
        if (await blockers.cleared([outcome.tx])) return "retry";
        throw lockConflict(`goal ${id}`);
      case "exists":
        throw new Error("put_goal answered exists to an update");
      default:
        return unreachable(outcome, "put_goal outcome");
    }
  }, `goal ${id}`);
  return c.json(goal, 200, { ETag: etag(goal.version) });
}


function notFound(id: string): ApiError {
  return new ApiError(404, CommonErrorCodes.notFound, `no goal with id ${id}`);
}
