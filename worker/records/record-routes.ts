import type { Context, Hono } from "hono";
import type { z } from "zod";
import { ResourceId } from "../../shared/fields.ts";
import type { AppEnv } from "../env.ts";
import { notFound, writeRefusal, type RecordNames } from "../http-outcomes.ts";
import { answerRecord, idempotencyOf, keyReused, replay } from "../idempotency/idempotency.ts";
import { checkIfMatch, checkPreconditions, etag, httpDate, notModified, REVALIDATE, staleOrRetry, untilWritten } from "../preconditions.ts";
import { invalid, readBody, readId } from "../request.ts";
import { blockersOf, repairedRead } from "../resources.ts";
import type { Participant } from "../storage/stores.ts";
import { unreachable } from "../unreachable.ts";
import type { Blocked, RecordStore, StoredRecord } from "./outcomes.ts";

/**
 * A team resource of versioned records (events, goals): how to read the bodies, build records
 * and reach the store. `F` is the fields a record is built from, which a PUT body carries whole
 * and a PATCH body changes.
 */
export interface RecordResource<R extends StoredRecord, F, W extends F & { id?: string | undefined }, P> extends RecordNames {
  participant: Participant;
  /** Where the sub-app is mounted, for Location headers. */
  base: string;
  write: z.ZodType<W>;
  patch: z.ZodType<P>;
  store(c: Context<AppEnv>): RecordStore<R>;
  /** A new record from a POST body; a 400 naming the fields when they cannot make one. */
  created(fields: W, meta: { id: string; member: string; now: string }): R;
  /** The next version of `current` with `fields`; a 400 as for created. */
  replaced(current: R, fields: F, now: string): R;
  patched(current: R, patch: P): F;
}

/**
 * POST / and GET, PUT, PATCH, DELETE /:id, the same for every such resource. A write that meets a
 * transaction clears it if it may (decided, or past its lease) and tries again; each loop ends.
 */
export function addRecordRoutes<R extends StoredRecord, F, W extends F & { id?: string | undefined }, P>(app: Hono<AppEnv>, resource: RecordResource<R, F, W, P>): void {
  app.post("/", async (c) => {
    const body = await readBody(c, resource.write);
    const member = c.get("member").member;
    const record = resource.created(body, { id: body.id ?? crypto.randomUUID(), member, now: new Date().toISOString() });
    const headers = { ETag: etag(record.version), Location: `${resource.base}/${record.id}` };
    const key = await idempotencyOf(c, c.get("member"));
    const idem = key === undefined ? undefined : { key, answer: await answerRecord(key, 201, record, headers) };
    const store = resource.store(c);
    const blockers = blockersOf(c, resource.participant);
    // Each retry follows a transaction resolved just now (Blockers), so the loop ends.
    for (;;) {
      const outcome = await store.create(record, member, idem);
      switch (outcome.kind) {
        case "ok":
          return c.json(record as object, 201, headers);
        case "replay":
          return replay(outcome.record, key!);
        case "key_reused":
          throw keyReused();
        case "locked":
        case "conflict":
          if (await blockers.cleared(blockingTransactions(outcome))) continue;
          throw writeRefusal(outcome, resource, record);
        case "exists":
        case "quota_exceeded":
        case "beyond_horizon":
          throw writeRefusal(outcome, resource, record);
        default:
          return unreachable(outcome, `create ${resource.noun} outcome`);
      }
    }
  });

  app.get("/:id", async (c) => {
    const id = readId(c, ResourceId);
    const store = resource.store(c);
    let { record, lockedBy } = await store.getWithLock(id);
    if (await repairedRead(c, resource.participant, lockedBy)) record = await store.get(id);
    if (record === null) throw notFound(resource, id);
    // RFC 9110 13.2.2: If-Match first (a failing one is 412 on a read too), then If-None-Match.
    checkIfMatch(c, record.version);
    const validators = { ETag: etag(record.version), "Last-Modified": httpDate(record.updated_at), "Cache-Control": REVALIDATE };
    if (notModified(c, validators.ETag, record.updated_at)) return c.body(null, 304, validators);
    return c.json(record as object, 200, validators);
  });

  app.put("/:id", async (c) => {
    const id = readId(c, ResourceId);
    const body = await readBody(c, resource.write);
    if (body.id !== undefined && body.id !== id) throw invalid([{ field: "id", message: `must match the path (${id}) or be left out` }]);
    return update(c, resource, id, () => body);
  });

  app.patch("/:id", async (c) => {
    const id = readId(c, ResourceId);
    const patch = await readBody(c, resource.patch);
    return update(c, resource, id, (current) => resource.patched(current, patch));
  });

  app.delete("/:id", async (c) => {
    const id = readId(c, ResourceId);
    const store = resource.store(c);
    const blockers = blockersOf(c, resource.participant);
    await untilWritten(async () => {
      const current = await store.get(id);
      if (current === null) throw notFound(resource, id);
      checkPreconditions(c, current.version);
      const outcome = await store.delete(current, c.get("member").member);
      switch (outcome.kind) {
        case "ok":
          return outcome;
        case "stale":
          return staleOrRetry(c, outcome.version);
        case "locked":
          if (await blockers.cleared([outcome.tx])) return "retry";
          throw writeRefusal(outcome, resource, current);
        case "missing":
          throw writeRefusal(outcome, resource, current);
        default:
          return unreachable(outcome, `delete ${resource.noun} outcome`);
      }
    }, `${resource.noun} ${id}`);
    return c.body(null, 204);
  });
}

/** PUT and PATCH: re-read, rebuild, compare-and-set, until it lands; no update is ever lost. */
async function update<R extends StoredRecord, F, W extends F & { id?: string | undefined }, P>(
  c: Context<AppEnv>,
  resource: RecordResource<R, F, W, P>,
  id: string,
  fieldsFrom: (current: R) => F,
): Promise<Response> {
  const record = await updateRecord(c, resource, id, (current, now) => resource.replaced(current, fieldsFrom(current), now));
  return c.json(record as object, 200, { ETag: etag(record.version) });
}

/**
 * The update loop of PUT and PATCH for any next version made from the current one (a route of
 * its own, such as one occurrence of a series, builds `next`; it may throw an ApiError). Answers
 * the record written.
 */
export async function updateRecord<R extends StoredRecord, F, W extends F & { id?: string | undefined }, P>(
  c: Context<AppEnv>,
  resource: RecordResource<R, F, W, P>,
  id: string,
  nextFrom: (current: R, now: string) => R,
): Promise<R> {
  const store = resource.store(c);
  const member = c.get("member").member;
  const blockers = blockersOf(c, resource.participant);
  return untilWritten(async () => {
    const current = await store.get(id);
    if (current === null) throw notFound(resource, id);
    checkPreconditions(c, current.version);
    const next = nextFrom(current, new Date().toISOString());
    const outcome = await store.update(next, current, member);
    switch (outcome.kind) {
      case "ok":
        return next;
      case "stale":
        return staleOrRetry(c, outcome.version);
      case "locked":
      case "conflict":
        if (await blockers.cleared(blockingTransactions(outcome))) return "retry";
        throw writeRefusal(outcome, resource, next);
      case "missing":
      case "quota_exceeded": // a series rewritten with more occurrences than the team has room for
      case "beyond_horizon":
        throw writeRefusal(outcome, resource, next);
      default:
        return unreachable(outcome, `update ${resource.noun} outcome`);
    }
  }, `${resource.noun} ${id}`);
}

/** The transactions behind a lock, or the holds among a conflict's entries (resolved, the write may be retried). */
export function blockingTransactions(outcome: Blocked): string[] {
  if (outcome.kind === "locked") return [outcome.tx];
  return outcome.conflicts.map((conflict) => conflict.tx).filter((tx) => tx !== undefined);
}
