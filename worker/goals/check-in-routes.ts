import type { Context, Hono } from "hono";
import { CheckIn, CheckInList, CheckInListQuery, CheckInWrite, Goal } from "../../shared/goals.ts";
import { ResourceId } from "../../shared/fields.ts";
import { documented, type ApiOperation } from "../api-doc.ts";
import type { AppEnv } from "../env.ts";
import { notFound } from "../http-outcomes.ts";
import { answerRecord, idempotencyOf, keyReused, replay } from "../idempotency/idempotency.ts";
import { landedOrRetry } from "../records/record-routes.ts";
import { checkPreconditions, etag, taggedJson, untilWritten } from "../preconditions.ts";
import { invalid, readBody, readId, readQuery } from "../request.ts";
import { blockersOf } from "../resources.ts";
import { checkedIn } from "./check-in.ts";
import type { GoalStore } from "./store.ts";

const GOAL = { noun: "goal", article: "a goal" };

/** What POST answers: the check-in, and the goal as it left it. */
export const CheckInCreated = CheckIn.extend({ goal: Goal.meta({ description: "The goal as the check-in left it." }) });

// What each route is, for the OpenAPI document (worker/api-doc.ts).
const GOAL_ID = { id: { description: "The goal's id", schema: ResourceId, example: "ship-v2" } };
const NO_GOAL = { description: "No such goal in your team", codes: ["not_found"] };
const CHECK_IN: ApiOperation = {
  operationId: "checkInOnGoal",
  summary: "Check in on a goal",
  description:
    "Its health, a note, and new current values of key results by id: the goal changes and the check-in is appended to its history in one step (400 naming the key result by its title when a value does not fit it). With If-Match only if the goal is still that version. Answers the check-in with the goal as it left it, and the goal's new ETag.",
  tag: "goals",
  auth: "member",
  params: GOAL_ID,
  body: { schema: CheckInWrite, required: true, example: { health: "on_track", note: "Beta shipped to the first team" } },
  ifMatch: true,
  idempotent: "atomic",
  countsAsWrite: true,
  store: "write",
  responses: {
    201: { description: "Checked in", json: CheckInCreated, headers: ["ETag"] },
    404: NO_GOAL,
    409: { description: "Refused: the code says why; nothing was changed", codes: ["lock_conflict", "write_contention"] },
  },
};
const LIST_CHECK_INS: ApiOperation = {
  operationId: "listCheckIns",
  summary: "A goal's check-ins",
  description: "Newest first, paged (go on while next_cursor is not null). The ETag is of this page's content.",
  tag: "goals",
  auth: "member",
  params: GOAL_ID,
  query: CheckInListQuery,
  conditional: "etag",
  store: "read",
  responses: { 200: { description: "A page of check-ins", json: CheckInList, headers: ["ETag", "Cache-Control"] }, 404: NO_GOAL },
};

/** A check-in list's cursor: the position of the next (older) check-in, as the previous page gave it. */
function readPosition(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  if (!/^[1-9][0-9]{0,9}$/.test(cursor)) throw invalid([{ field: "cursor", message: "must be the next_cursor of the previous page" }]);
  return Number(cursor);
}

/**
 * POST and GET /goals/{id}/check-ins. A check-in sets the goal's latest health and any key-result
 * values it carries, and is appended to the goal's history, in one step; If-Match names the goal's
 * version it expects (a stale one is a 412, as for PATCH).
 */
export function addCheckInRoutes(app: Hono<AppEnv>, storeFor: (c: Context<AppEnv>) => GoalStore): void {
  app.post("/:id/check-ins", documented(CHECK_IN, async (c) => {
    const id = readId(c, ResourceId);
    const body = await readBody(c, CheckInWrite);
    const store = storeFor(c);
    const member = c.get("member").member;
    const key = await idempotencyOf(c, c.get("member"));
    if (key !== undefined) {
      const answered = await store.answered(key);
      if (answered !== null) return replay(answered, key);
    }
    const blockers = blockersOf(c, "goals");
    const written = await untilWritten(async () => {
      const current = await store.get(id);
      if (current === null) throw notFound(GOAL, id);
      checkPreconditions(c, current);
      const next = checkedIn(current, body, { id: crypto.randomUUID(), by: member, at: new Date().toISOString() });
      if (Array.isArray(next)) throw invalid(next);
      const answer = { ...next.checkIn, goal: next.goal };
      const idem = key === undefined ? undefined : { key, answer: await answerRecord(key, 201, answer, { ETag: etag(next.goal) }) };
      const outcome = await store.checkIn(next.goal, current, next.checkIn, member, idem);
      if (outcome.kind === "replay") return replay(outcome.record, key!);
      if (outcome.kind === "key_reused") throw keyReused();
      return landedOrRetry(c, outcome, GOAL, current, blockers, answer);
    }, `goal ${id}`);
    return written instanceof Response ? written : c.json(written, 201, { ETag: etag(written.goal) });
  }));

  app.get("/:id/check-ins", documented(LIST_CHECK_INS, async (c) => {
    const id = readId(c, ResourceId);
    const query = readQuery(c, CheckInListQuery);
    const before = readPosition(query.cursor);
    const store = storeFor(c);
    if ((await store.get(id)) === null) throw notFound(GOAL, id);
    const page = await store.checkIns(id, query.limit, before);
    return taggedJson(c, { check_ins: page.checkIns, next_cursor: page.next === null ? null : String(page.next) });
  }));
}
