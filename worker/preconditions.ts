import type { Context } from "hono";
import { ApiError } from "./http-errors.ts";

/** Versions travel as strong ETags: "3". */
export function etag(version: number): string {
  return `"${version}"`;
}

/**
 * Checks If-Match against the stored version: absent passes, "*" passes for any existing resource,
 * otherwise one of the listed tags must name the current version. A stale tag is a 412 that says
 * which version is current, so the client can re-read and retry.
 */
export function checkIfMatch(c: Context, currentVersion: number): void {
  const header = c.req.header("if-match");
  if (header === undefined || header.trim() === "*") return;
  const tags = header.split(",").map((t) => t.trim().replace(/^W\//, ""));
  if (!tags.includes(etag(currentVersion))) {
    throw new ApiError(412, "precondition_failed", `If-Match ${header} does not match the current version ${etag(currentVersion)}; re-read and retry`, {
      details: { current_version: currentVersion },
    });
  }
}

export function hasIfMatch(c: Context): boolean {
  const header = c.req.header("if-match");
  return header !== undefined && header.trim() !== "*";
}

/**
 * Runs a read-modify-write until its compare-and-set lands. Each attempt re-reads, so concurrent
 * writers never lose each other's changes; the bound turns a pathological pile-up into a clear 409.
 */
export async function untilWritten<T>(attempt: () => Promise<T | "retry">, what: string): Promise<T> {
  for (let i = 0; i < 25; i++) {
    const result = await attempt();
    if (result !== "retry") return result;
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (i + 1)));
  }
  throw new ApiError(409, "write_contention", `${what} is being changed by many requests at once; retry shortly`, { headers: { "Retry-After": "1" } });
}

/**
 * A compare-and-set lost a race. With If-Match the client asked for exactly that version, so the
 * lost race is its 412; without, the caller re-reads and retries (untilWritten).
 */
export function staleOrRetry(c: Context, version: number): "retry" {
  if (hasIfMatch(c)) checkIfMatch(c, version);
  return "retry";
}
