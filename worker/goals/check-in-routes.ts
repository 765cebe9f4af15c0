import type { Context, Hono } from "hono";
import { CheckInListQuery, CheckInWrite } from "../../shared/goals.ts";
import { ResourceId } from "../../shared/fields.ts";
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
  app.post("/:id/check-ins", async (c) => {
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
  });

  app.get("/:id/check-ins", async (c) => {
    const id = readId(c, ResourceId);
    const query = readQuery(c, CheckInListQuery);
    const before = readPosition(query.cursor);
    const store = storeFor(c);
    if ((await store.get(id)) === null) throw notFound(GOAL, id);
    const page = await store.checkIns(id, query.limit, before);
    return taggedJson(c, { check_ins: page.checkIns, next_cursor: page.next === null ? null : String(page.next) });
  });
}
