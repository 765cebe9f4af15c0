import type { Context, Hono, MiddlewareHandler } from "hono";
import { configOf, ConfigError, type AppEnv } from "./env.ts";
import { ApiError, handleError, methodsByPath } from "./http-errors.ts";
import { setResponseHeaders } from "./response-headers.ts";

/**
 * CORS: pages on the origins in CORS_ALLOWED_ORIGINS may call the API (with a member token: the
 * dev open team still refuses another origin's writes, see auth/open-team.ts). No cookies are
 * involved, so no Allow-Credentials. Every answer says `Vary: Origin`, since whether it carries
 * Access-Control-Allow-Origin depends on that header.
 */

/** Request headers a page may send (the preflight's Access-Control-Allow-Headers). */
export const CORS_REQUEST_HEADERS = ["Authorization", "Content-Type", "If-Match", "If-None-Match", "If-Modified-Since", "Idempotency-Key", "X-Request-Id"];
/** Answer headers a page may read beyond the CORS-safelisted ones. */
export const CORS_EXPOSED_HEADERS = ["ETag", "Last-Modified", "Location", "Retry-After", "Allow", "WWW-Authenticate", "Idempotent-Replayed", "X-Request-Id"];
/** How long a browser may reuse a preflight's answer, in seconds. */
const PREFLIGHT_MAX_AGE = 600;

/** The methods each route answers, for preflights (the same list as 405's Allow header). */
export type MethodsOf = (path: string) => string[] | null;

/** A route table from the app's routes, matched like Hono does (":param" is one segment). */
export function routeMethods(app: Hono<any>): MethodsOf {
  const table = [...methodsByPath(app)].map(([pattern, methods]) => ({ match: patternRegex(pattern), methods }));
  return (path) => table.find((route) => route.match.test(path))?.methods ?? null;
}

function patternRegex(pattern: string): RegExp {
  const body = pattern
    .split("/")
    .map((segment) => (segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  // The app is not strict: a trailing slash reaches the same route.
  return new RegExp(`^${body.replace(/\/$/, "")}/?$`);
}

export function isPreflight(method: string, headers: { get(name: string): string | null }): boolean {
  return method === "OPTIONS" && headers.get("origin") !== null && headers.get("access-control-request-method") !== null;
}

/** The middleware: answers preflights before any route (whose auth would refuse them) and marks every answer. */
export function cors(methodsOf: () => MethodsOf): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const origin = c.req.header("origin");
    const origins = allowedOrigins(c);
    const allowed = origin !== undefined && origins instanceof Array && origins.includes(origin);
    if (isPreflight(c.req.method, c.req.raw.headers)) {
      c.res = origins instanceof ConfigError ? handleError(origins, c) : preflight(c, origin!, allowed, methodsOf());
    } else {
      await next();
    }
    setResponseHeaders(c, allowed ? { "Access-Control-Allow-Origin": origin!, "Access-Control-Expose-Headers": CORS_EXPOSED_HEADERS.join(", ") } : {}, "Origin");
  };
}

function preflight(c: Context<AppEnv>, origin: string, allowed: boolean, methodsOf: MethodsOf): Response {
  const methods = methodsOf(c.req.path);
  if (methods === null) return handleError(new ApiError(404, "not_found", `No route for ${c.req.path}`), c);
  if (!allowed) {
    return handleError(
      new ApiError(403, "origin_not_allowed", `pages on ${origin} may not call this API; an operator adds the origin to CORS_ALLOWED_ORIGINS`, { details: { origin } }),
      c,
    );
  }
  return new Response(null, {
    status: 204,
    headers: {
      Allow: methods.join(", "),
      "Access-Control-Allow-Methods": methods.join(", "),
      "Access-Control-Allow-Headers": CORS_REQUEST_HEADERS.join(", "),
      "Access-Control-Max-Age": String(PREFLIGHT_MAX_AGE),
    },
  });
}

/** The allowed origins, or what is wrong with the settings (a preflight answers it; other requests meet the config check's 503). */
function allowedOrigins(c: Context<AppEnv>): string[] | ConfigError {
  try {
    return configOf(c.env).corsAllowedOrigins;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}
