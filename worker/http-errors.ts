import type { Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { CommonErrorCodes, errorBody } from "../shared/errors.ts";
import { ConfigError } from "./env.ts";
import { dependencyOutage, WriteOutcomeUnknown } from "./storage/dependency-failure.ts";

/**
 * A failure the client should hear about, with a stable `code`. Thrown anywhere in a handler;
 * `handleError` turns it (and every other error) into the one JSON error shape.
 */
export class ApiError extends HTTPException {
  readonly code: string;
  readonly details: unknown;
  readonly headers: Record<string, string>;
  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    options: { details?: unknown; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(status, { message, cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

const CODE_FOR_STATUS: Record<number, string> = {
  400: CommonErrorCodes.badRequest,
  401: CommonErrorCodes.unauthorized,
  404: CommonErrorCodes.notFound,
  405: CommonErrorCodes.methodNotAllowed,
  413: CommonErrorCodes.payloadTooLarge,
  415: CommonErrorCodes.unsupportedMediaType,
  503: CommonErrorCodes.dependencyUnavailable,
};

export function handleError(error: Error, c: Context): Response {
  if (error instanceof ConfigError) {
    // A deployment setting is wrong: every request would fail the same way, so say which one.
    console.error(JSON.stringify({ event: "misconfigured", request_id: requestIdIn(c), setting: error.setting, error: error.message }));
    return c.json(errorBody(CommonErrorCodes.misconfigured, `the worker is misconfigured: ${error.message}`, { setting: error.setting }), 503);
  }
  if (error instanceof ApiError) {
    return c.json(errorBody(error.code, error.message, error.details), error.status, error.headers);
  }
  if (error instanceof HTTPException && error.status < 500) {
    // Raised by Hono itself or its middleware (body limit, malformed JSON...).
    const status = error.status as ContentfulStatusCode;
    return c.json(errorBody(CODE_FOR_STATUS[status] ?? CommonErrorCodes.badRequest, error.message || "Bad request"), status);
  }
  const outage = dependencyOutage(error);
  if (outage !== null && error instanceof WriteOutcomeUnknown) {
    // The write was sent and may still be carried out (a frozen Redis runs it when it wakes): the
    // answer must not say it was not, and must not invite a blind retry (no Retry-After), which
    // would duplicate a create without an id, or answer *_exists against the client's own write.
    console.error(JSON.stringify({ event: "outcome_unknown", request_id: requestIdIn(c), path: c.req.path, error: String(error) }));
    return c.json(
      errorBody(
        CommonErrorCodes.outcomeUnknown,
        `${outage.reason}, so this change may or may not have been made (if the store received it, it is carried out when the store recovers); read what it changes before retrying, as a retry may repeat it or be refused because the first attempt landed`,
        { outcome: "unknown" },
      ),
      503,
    );
  }
  if (outage !== null) {
    console.error(JSON.stringify({ event: "dependency_unavailable", request_id: requestIdIn(c), path: c.req.path, error: String(error) }));
    return c.json(errorBody(CommonErrorCodes.dependencyUnavailable, `${outage.reason}; this request changed nothing, retry shortly`), 503, { "Retry-After": "1" });
  }
  console.error(JSON.stringify({ event: "unhandled_error", request_id: requestIdIn(c), path: c.req.path, error: String(error), stack: error.stack }));
  return c.json(errorBody(CommonErrorCodes.internal, "Internal error; it has been logged"), 500);
}

/** The request's X-Request-Id (worker/request-id.ts), so a client's report can be matched to the log line. */
function requestIdIn(c: Context): string | undefined {
  return c.get("requestId") as string | undefined;
}

export function handleNotFound(c: Context): Response {
  return c.json(errorBody(CommonErrorCodes.notFound, `No route for ${c.req.method} ${c.req.path}`), 404);
}

/** Each route path of the app (Hono's pattern, "/events/:id") and the methods it answers, HEAD with GET. */
export function methodsByPath(app: Hono<any>): Map<string, string[]> {
  const methodsByPath = new Map<string, Set<string>>();
  for (const route of app.routes) {
    if (route.method === "ALL") continue; // middleware
    const methods = methodsByPath.get(route.path) ?? new Set<string>();
    methods.add(route.method);
    if (route.method === "GET") methods.add("HEAD");
    methodsByPath.set(route.path, methods);
  }
  return new Map([...methodsByPath].map(([path, methods]) => [path, [...methods].sort()]));
}

/**
 * Hono answers 404 for a known path with an unknown method. After every route is registered,
 * this adds a catch-all per path that answers 405 with the `Allow` header listing what exists.
 */
export function answerMethodNotAllowed(app: Hono<any>): void {
  for (const [path, methods] of methodsByPath(app)) {
    const allow = methods.join(", ");
    app.all(path, (c) => {
      if (c.req.method === "OPTIONS") return c.body(null, 204, { Allow: allow });
      throw new ApiError(405, CommonErrorCodes.methodNotAllowed, `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allow}`, {
        headers: { Allow: allow },
      });
    });
  }
}
