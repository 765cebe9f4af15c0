import type { z } from "zod";

/**
 * How a route describes itself for the OpenAPI document, next to its handler:
 * `routes.get("/x", documented({...}, handler))`. worker/openapi.ts walks the app's routes and
 * documents every handler marked so, at the path Hono mounted it on; a route not marked is left
 * out of the document (test/worker/docs-and-feed.test.ts then fails).
 *
 * What every operation can answer without saying so (a malformed X-Request-Id, a misconfigured
 * deployment, the credential checks of its `auth`, the body checks of its `body`, conditional and
 * idempotency answers) is added by the generator, so a route lists only what it does itself.
 */
export interface ApiOperation {
  operationId: string;
  summary: string;
  description: string;
  tag: ApiTag;
  /** Who may call: a member token (or the dev open team), the admin secret, or anyone. */
  auth: "member" | "admin" | "none";
  /** `?token=` may stand in for the Authorization header (browsers cannot set it on a WebSocket or a calendar subscription). */
  queryToken?: true;
  /** Path parameters, by the name in the route's path. */
  params?: Record<string, ApiParam>;
  query?: z.ZodObject;
  /** A JSON body; `required: false` when the route does without one. */
  body?: { schema: z.ZodType; required: boolean; example: Record<string, unknown> };
  /** Request headers the route reads besides those the flags here describe, with what each does. */
  requestHeaders?: Record<string, string>;
  /** Honours If-Match (412 when it names another version). */
  ifMatch?: true;
  /** A GET with a validator: "etag" takes If-None-Match, "etag+date" also If-Modified-Since; both may answer 304. */
  conditional?: "etag" | "etag+date";
  /** Takes an Idempotency-Key: "atomic" when the write records it itself, "marker" when an in-progress marker holds it (409 idempotency_key_in_use). */
  idempotent?: "atomic" | "marker";
  /** A member's write counted against the writes rate limit: 429 past it, and RateLimit headers on success. */
  countsAsWrite?: true;
  /** Reads or writes a store, so an outage answers 503 dependency_unavailable (and a write's lost answer outcome_unknown). */
  store?: "read" | "write";
  responses: Record<number, ApiAnswer>;
}

export type ApiTag = "service" | "admin" | "calendar" | "people" | "goals" | "transactions" | "live" | "timer" | "focus" | "webhooks";

export interface ApiParam {
  description: string;
  schema: z.ZodType;
  example: string;
}

/** Response headers a route may set, each described once in worker/openapi.ts. */
export type ApiHeader =
  | "ETag"
  | "Last-Modified"
  | "Location"
  | "Retry-After"
  | "Allow"
  | "WWW-Authenticate"
  | "RateLimit"
  | "RateLimit-Policy"
  | "Cache-Control"
  | "Content-Security-Policy"
  | "Idempotent-Replayed"
  | "Next-Cursor"
  | "Content-Disposition"
  | "Upgrade";

export interface ApiAnswer {
  description: string;
  /** A JSON body, validated by this schema's output side. */
  json?: z.ZodType;
  /** A body of another media type (a JSON Schema for it, e.g. `{type: "string"}`). */
  media?: Record<string, { schema: Record<string, unknown>; example?: unknown }>;
  headers?: ApiHeader[];
  /** An error answer: the codes (shared/errors.ts ErrorCatalogue) it may carry. */
  codes?: string[];
}

const operations = new WeakMap<object, ApiOperation>();

/** Marks a route's handler with its description; answers the handler unchanged. */
export function documented<H extends object>(operation: ApiOperation, handler: H): H {
  operations.set(handler, operation);
  return handler;
}

/** The description of a route's handler, also once Hono wrapped it (a sub-app with its own onError). */
export function operationOf(handler: unknown): ApiOperation | undefined {
  if (typeof handler !== "function") return undefined;
  return operations.get(handler) ?? operationOf((handler as unknown as Record<string, unknown>)["__COMPOSED_HANDLER"]);
}
