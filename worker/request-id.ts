import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env.ts";
import { handleError } from "./http-errors.ts";
import { invalid } from "./request.ts";
import { setResponseHeaders } from "./response-headers.ts";

export const REQUEST_ID_HEADER = "X-Request-Id";

/** What a client may send as its request id: enough for a UUID, a trace id or a proxy's tag; nothing that could split a log line. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:+=\/-]{1,128}$/;

/** The id a request goes by: the client's own when it sent a usable one, else a new UUID (and why the sent one was not). */
export function requestIdOf(sent: string | undefined): { id: string; problem?: string } {
  if (sent === undefined) return { id: crypto.randomUUID() };
  if (REQUEST_ID_PATTERN.test(sent)) return { id: sent };
  const why = sent.length > 128 ? `was ${sent.length} characters` : "held other characters";
  return { id: crypto.randomUUID(), problem: `must be 1-128 letters, digits or . _ : + = / - (it ${why})` };
}

/**
 * Every answer carries X-Request-Id: the client's (so it can find our log line for its call) or
 * one made here. A malformed one is a 400 naming the header, answered under a fresh id.
 */
export function requestIds(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { id, problem } = requestIdOf(c.req.header(REQUEST_ID_HEADER));
    c.set("requestId", id);
    if (problem !== undefined) c.res = handleError(invalid([{ field: REQUEST_ID_HEADER, message: problem }]), c);
    else await next();
    setResponseHeaders(c, { [REQUEST_ID_HEADER]: id });
  };
}
