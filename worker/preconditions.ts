import type { Context } from "hono";
import { ApiError } from "./http-errors.ts";

/** Versions travel as strong ETags: "3". */
export function etag(version: number): string {
  return `"${version}"`;
}

/**
 * The entity tags of an If-Match or If-None-Match header: "*", or each listed tag with whether it
 * is weak (W/"3"). Anything that is not a well-formed tag (w/"3", 3) matches nothing.
 */
function listedTags(header: string): "*" | Array<{ weak: boolean; tag: string }> {
  if (header.trim() === "*") return "*";
  const tags: Array<{ weak: boolean; tag: string }> = [];
  // Member by member: an entity-tag, or anything else up to the next comma (which matches nothing).
  const member = /[ \t]*(?:(W\/)?("[\x21\x23-\x7E\x80-\xFF]*")[ \t]*(?=,|$)|[^,]*)(?:,|$)/y;
  for (let m = member.exec(header); m !== null && m[0] !== ""; m = member.exec(header)) {
    if (m[2] !== undefined) tags.push({ weak: m[1] !== undefined, tag: m[2] });
  }
  return tags;
}

/**
 * Checks If-Match against the stored version (RFC 9110 13.1.1): absent passes, "*" passes for any
 * existing resource, otherwise one of the listed tags must be the current one by the strong
 * comparison, so a weak tag never matches. A stale tag is a 412 that says which version is
 * current, so the client can re-read and retry.
 */
export function checkIfMatch(c: Context, currentVersion: number): void {
  const header = c.req.header("if-match");
  if (header === undefined) return;
  const tags = listedTags(header);
  if (tags === "*" || tags.some((t) => !t.weak && t.tag === etag(currentVersion))) return;
  throw new ApiError(412, "precondition_failed", `If-Match ${header} does not match the current version ${etag(currentVersion)} (weak tags never match); re-read and retry`, {
    details: { current_version: currentVersion },
  });
}

/**
 * Whether If-None-Match names the current version (RFC 9110 13.1.2), by the weak comparison:
 * W/"3" and "3" both match version 3, and "*" matches any existing resource.
 */
export function ifNoneMatchMatches(c: Context, currentVersion: number): boolean {
  const header = c.req.header("if-none-match");
  if (header === undefined) return false;
  const tags = listedTags(header);
  return tags === "*" || tags.some((t) => t.tag === etag(currentVersion));
}

/** The preconditions of a write (PUT, PATCH, DELETE): If-Match, then If-None-Match, whose match is a 412. */
export function checkPreconditions(c: Context, currentVersion: number): void {
  checkIfMatch(c, currentVersion);
  if (ifNoneMatchMatches(c, currentVersion)) {
    throw new ApiError(412, "precondition_failed", `If-None-Match ${c.req.header("if-none-match")} matches the current version ${etag(currentVersion)}`, {
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
