import type { Context, Hono } from "hono";
import type { z } from "zod";
import { ResourceId } from "../../shared/fields.ts";
import { documented, type ApiOperation, type ApiTag } from "../api-doc.ts";
import type { AppEnv } from "../env.ts";
import { notFound, writeRefusal, type RecordNames } from "../http-outcomes.ts";
import { answerRecord, idempotencyOf, keyReused, replay } from "../idempotency/idempotency.ts";
import { checkIfMatch, checkPreconditions, etag, httpDate, notModified, REVALIDATE, staleOrRetry, untilWritten } from "../preconditions.ts";
import { invalid, readBody, readId } from "../request.ts";
import { blockersOf, repairedRead } from "../resources.ts";
import type { Blockers } from "../tx/recovery.ts";
import type { Participant } from "../storage/stores.ts";
import { unreachable } from "../unreachable.ts";
import type { Blocked, DeleteOutcome, RecordStore, StoredRecord } from "./outcomes.ts";

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
  /** What each route is, for the OpenAPI document (recordOperations makes them). */
  docs: RecordOperations;
  /** True when the resource registers PATCH /:id itself (before addRecordRoutes), with docs.patch. */
  ownPatch?: boolean;
}

export interface RecordOperations {
  list: ApiOperation;
  create: ApiOperation;
  get: ApiOperation;
  replace: ApiOperation;
  patch: ApiOperation;
  remove: ApiOperation;
}

/**
 * The OpenAPI descriptions of a resource's record routes: what differs between events and goals
 * is the nouns, the schemas, the examples and the conflicts each write can meet.
 */
export function recordOperations(resource: {
  noun: string;
  article: string;
  tag: ApiTag;
  record: z.ZodType;
  write: z.ZodType;
  patch: z.ZodType;
  example: { id: string; create: Record<string, unknown>; patch: Record<string, unknown> };
  /** 409 codes a create, an update (PUT, PATCH) and a delete may answer. */
  conflicts: { create: string[]; update: string[]; remove: string[] };
  summaries: { create: string; replace: string; patch: string; remove: string };
  /** GET / (each resource's own route, with its own query). */
  listing: { operationId: string; summary: string; description: string; query: z.ZodObject; json: z.ZodType };
}): RecordOperations {
  const { noun, article } = resource;
  const Noun = noun[0]!.toUpperCase() + noun.slice(1);
  const params = { id: { description: `The ${noun}'s id`, schema: ResourceId, example: resource.example.id } };
  const notFound = { description: `No such ${noun} in your team`, codes: ["not_found"] };
  const conflict = (codes: string[]) => ({ description: `Refused: the code says why; nothing was changed`, codes });
  const write = { tag: resource.tag, auth: "member", countsAsWrite: true, store: "write" } as const;
  const { listing } = resource;
  return {
    list: {
      operationId: listing.operationId,
      summary: listing.summary,
      description: `${listing.description} The ETag is of this page's content.`,
      tag: resource.tag,
      auth: "member",
      query: listing.query,
      conditional: "etag",
      store: "read",
      responses: { 200: { description: `A page of ${noun}s`, json: listing.json, headers: ["ETag", "Cache-Control"] } },
    },
    create: {
      ...write,
      operationId: `create${Noun}`,
      summary: resource.summaries.create,
      description: `Creates ${article} (its id generated when the body names none). Answers it with its ETag (version 1) and Location.`,
      body: { schema: resource.write, required: true, example: resource.example.create },
      idempotent: "atomic",
      responses: { 201: { description: "Created", json: resource.record, headers: ["ETag", "Location"] }, 409: conflict(resource.conflicts.create) },
    },
    get: {
      operationId: `get${Noun}`,
      summary: `One ${noun}`,
      description: `The ${noun} with its version as ETag and its updated_at as Last-Modified; If-Match is checked first (412 on a read too), then If-None-Match / If-Modified-Since (304).`,
      tag: resource.tag,
      auth: "member",
      params,
      ifMatch: true,
      conditional: "etag+date",
      store: "read",
      responses: { 200: { description: `The ${noun}`, json: resource.record, headers: ["ETag", "Last-Modified", "Cache-Control"] }, 404: notFound },
    },
    replace: {
      ...write,
      operationId: `replace${Noun}`,
      summary: resource.summaries.replace,
      description: `Every writable field from the body (left out: its default). The body's id, if any, must be the path's. With If-Match only if the ${noun} is still that version.`,
      params,
      body: { schema: resource.write, required: true, example: resource.example.create },
      ifMatch: true,
      responses: { 200: { description: "Replaced", json: resource.record, headers: ["ETag"] }, 404: notFound, 409: conflict(resource.conflicts.update) },
    },
    patch: {
      ...write,
      operationId: `patch${Noun}`,
      summary: resource.summaries.patch,
      description: `The fields the body names; the others stay. Re-read and retried until it lands, so concurrent patches never lose each other. With If-Match only if the ${noun} is still that version.`,
      params,
      body: { schema: resource.patch, required: true, example: resource.example.patch },
      ifMatch: true,
      responses: { 200: { description: "Changed", json: resource.record, headers: ["ETag"] }, 404: notFound, 409: conflict(resource.conflicts.update) },
    },
    remove: {
      ...write,
      operationId: `delete${Noun}`,
      summary: resource.summaries.remove,
      description: `With If-Match only if the ${noun} is still that version.`,
      params,
      ifMatch: true,
      responses: { 204: { description: "Deleted" }, 404: notFound, 409: conflict(resource.conflicts.remove) },
    },
  };
}

/**
 * POST / and GET, PUT, PATCH, DELETE /:id, the same for every such resource. A write that meets a
 * transaction clears it if it may (decided, or past its lease) and tries again; each loop ends.
 */
export function addRecordRoutes<R extends StoredRecord, F, W extends F & { id?: string | undefined }, P>(app: Hono<AppEnv>, resource: RecordResource<R, F, W, P>): void {
  app.post("/", documented(resource.docs.create, async (c) => {
    const body = await readBody(c, resource.write);
    const member = c.get("member").member;
    const record = resource.created(body, { id: body.id ?? crypto.randomUUID(), member, now: new Date().toISOString() });
    const headers = { ETag: etag(record), Location: `${resource.base}/${record.id}` };
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
  }));

  app.get("/:id", documented(resource.docs.get, async (c) => {
    const id = readId(c, ResourceId);
    const store = resource.store(c);
    let { record, lockedBy } = await store.getWithLock(id);
    if (await repairedRead(c, resource.participant, lockedBy)) record = await store.get(id);
    if (record === null) throw notFound(resource, id);
    // RFC 9110 13.2.2: If-Match first (a failing one is 412 on a read too), then If-None-Match.
    checkIfMatch(c, record);
    const validators = { ETag: etag(record), "Last-Modified": httpDate(record.updated_at), "Cache-Control": REVALIDATE };
    if (notModified(c, validators.ETag, record.updated_at)) return c.body(null, 304, validators);
    return c.json(record as object, 200, validators);
  }));

  app.put("/:id", documented(resource.docs.replace, async (c) => {
    const id = readId(c, ResourceId);
    const body = await readBody(c, resource.write);
    if (body.id !== undefined && body.id !== id) throw invalid([{ field: "id", message: `must match the path (${id}) or be left out` }]);
    return update(c, resource, id, () => body);
  }));

  // A resource with a PATCH of its own (a series' "this and following") registers it itself.
  if (!resource.ownPatch) {
    app.patch("/:id", documented(resource.docs.patch, async (c) => {
      const id = readId(c, ResourceId);
      const patch = await readBody(c, resource.patch);
      return update(c, resource, id, (current) => resource.patched(current, patch));
    }));
  }

  app.delete("/:id", documented(resource.docs.remove, async (c) => {
    const id = readId(c, ResourceId);
    const store = resource.store(c);
    const blockers = blockersOf(c, resource.participant);
    await untilWritten(async () => {
      const current = await store.get(id);
      if (current === null) throw notFound(resource, id);
      checkPreconditions(c, current);
      const outcome = await store.delete(current, c.get("member").member);
      return landedOrRetry(c, outcome, resource, current, blockers, outcome);
    }, `${resource.noun} ${id}`);
    return c.body(null, 204);
  }));
}

/**
 * A compare-and-set on an existing record (a delete, a goal's check-in), inside untilWritten:
 * `landed` when it did, "retry" after a lost race or a transaction in the way that was just
 * cleared; any other refusal is thrown as its answer.
 */
export async function landedOrRetry<T>(c: Context<AppEnv>, outcome: DeleteOutcome, names: RecordNames, record: StoredRecord, blockers: Blockers, landed: T): Promise<T | "retry"> {
  switch (outcome.kind) {
    case "ok":
      return landed;
    case "stale":
      return staleOrRetry(c, record, outcome.version);
    case "locked":
      if (await blockers.cleared([outcome.tx])) return "retry";
      throw writeRefusal(outcome, names, record);
    case "missing":
      throw writeRefusal(outcome, names, record);
    default:
      return unreachable(outcome, `${names.noun} write outcome`);
  }
}

/** PUT and PATCH: re-read, rebuild, compare-and-set, until it lands; no update is ever lost. */
async function update<R extends StoredRecord, F, W extends F & { id?: string | undefined }, P>(
  c: Context<AppEnv>,
  resource: RecordResource<R, F, W, P>,
  id: string,
  fieldsFrom: (current: R) => F,
): Promise<Response> {
  const record = await updateRecord(c, resource, id, (current, now) => resource.replaced(current, fieldsFrom(current), now));
  return c.json(record as object, 200, { ETag: etag(record) });
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
    checkPreconditions(c, current);
    const next = nextFrom(current, new Date().toISOString());
    const outcome = await store.update(next, current, member);
    switch (outcome.kind) {
      case "ok":
        return next;
      case "stale":
        return staleOrRetry(c, current, outcome.version);
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
