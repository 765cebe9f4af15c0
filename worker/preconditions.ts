import type { Context } from "hono";
import { ApiError } from "./http-errors.ts";

/** What a record's ETag is made of: its version and when it was created, both owned by the server. */
export type TaggedRecord = { version: number; created_at: string };

/**
 * A record's strong ETag: "3@2026-12-01T16:00:00.000Z", its version at its created_at. The version
 * alone would repeat: a record deleted and created again under the same id starts again at 1, and
 * a client holding the old "1" would get a wrong 304 or pass If-Match. The new record's created_at
 * is later, so no tag of one id is ever given out twice. A client can also build it from a body.
 */
export function etag(record: TaggedRecord): string {
  return `"${record.version}@${record.created_at}"`;
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
 * Checks If-Match against the stored record (RFC 9110 13.1.1): absent passes, "*" passes for any
 * existing resource, otherwise one of the listed tags must be the current one by the strong
 * comparison, so a weak tag never matches, nor a bare version ("3", which cannot tell a record
 * created again apart). A stale tag is a 412 that says which ETag is current, so the client can
 * re-read and retry.
 */
export function checkIfMatch(c: Context, current: TaggedRecord): void {
  const header = c.req.header("if-match");
  if (header === undefined) return;
  const tags = listedTags(header);
  const tag = etag(current);
  if (tags === "*" || tags.some((t) => !t.weak && t.tag === tag)) return;
  throw new ApiError(412, "precondition_failed", `If-Match ${header} does not match the current ETag ${tag} (weak tags never match); re-read and retry`, {
    details: { current_version: current.version, current_etag: tag },
  });
}

/**
 * Whether If-None-Match names the current record (RFC 9110 13.1.2), by the weak comparison:
 * W/"3@…" and "3@…" both match, and "*" matches any existing resource.
 */
export function ifNoneMatchMatches(c: Context, current: TaggedRecord): boolean {
  return ifNoneMatchHas(c, etag(current));
}

/** Whether If-None-Match names `tag` (a whole entity tag, quotes included) or is "*", by the weak comparison. */
export function ifNoneMatchHas(c: Context, tag: string): boolean {
  const header = c.req.header("if-none-match");
  if (header === undefined) return false;
  const tags = listedTags(header);
  return tags === "*" || tags.some((t) => t.tag === tag);
}

/**
 * Whether a GET may answer 304 (RFC 9110 13.2.2): If-None-Match decides when sent; only without it
 * does If-Modified-Since count, and then only against a time (`lastModified`) the resource has.
 * HTTP dates have whole seconds, so the stored time is compared at that precision.
 */
export function notModified(c: Context, tag: string, lastModified?: string): boolean {
  if (c.req.header("if-none-match") !== undefined) return ifNoneMatchHas(c, tag);
  const since = c.req.header("if-modified-since");
  if (since === undefined || lastModified === undefined) return false;
  const sinceMs = Date.parse(since);
  const modifiedMs = Date.parse(lastModified);
  // An unreadable date is ignored, as the RFC says: the full answer follows.
  return Number.isFinite(sinceMs) && Number.isFinite(modifiedMs) && Math.floor(modifiedMs / 1000) * 1000 <= sinceMs;
}

/** An instant as an HTTP date (Last-Modified): "Tue, 01 Dec 2026 16:00:00 GMT". */
export function httpDate(instant: string): string {
  return new Date(instant).toUTCString();
}

/** A strong entity tag for an answer's exact bytes: 128 bits of its SHA-256, base64url. */
export async function contentTag(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const base64 = btoa(String.fromCharCode(...digest.subarray(0, 16)));
  return `"${base64.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}"`;
}

/** Answers `text` with a strong ETag of its bytes, or 304 (no body) when If-None-Match already has it. */
export async function taggedAnswer(c: Context, text: string, headers: Record<string, string>, tag?: string): Promise<Response> {
  const etagValue = tag ?? (await contentTag(text));
  const validators = { ETag: etagValue, ...(headers["Cache-Control"] === undefined ? {} : { "Cache-Control": headers["Cache-Control"] }) };
  if (notModified(c, etagValue)) return c.body(null, 304, validators);
  return c.body(text, 200, { ...headers, ETag: etagValue });
}

/** JSON answers of the API that change with the data: a client may keep them, but asks (with the ETag) before reusing one. */
export const REVALIDATE = "private, no-cache";

/** A JSON page (a list) with its content's ETag: a client refreshing an unchanged page gets a bodiless 304. */
export function taggedJson(c: Context, body: object): Promise<Response> {
  return taggedAnswer(c, JSON.stringify(body), { "Content-Type": "application/json", "Cache-Control": REVALIDATE });
}

/** The preconditions of a write (PUT, PATCH, DELETE): If-Match, then If-None-Match, whose match is a 412. */
export function checkPreconditions(c: Context, current: TaggedRecord): void {
  checkIfMatch(c, current);
  if (ifNoneMatchMatches(c, current)) {
    throw new ApiError(412, "precondition_failed", `If-None-Match ${c.req.header("if-none-match")} matches the current ETag ${etag(current)}`, {
      details: { current_version: current.version, current_etag: etag(current) },
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
 * A compare-and-set of `read` lost a race: the store now holds `version`. With If-Match the client
 * asked for exactly the record it read, so the lost race is its 412; without, the caller re-reads
 * and retries (untilWritten). (Had the record been created again meanwhile, its created_at differs
 * from `read`'s: the re-read of the retry then finds that out.)
 */
export function staleOrRetry(c: Context, read: TaggedRecord, version: number): "retry" {
  if (hasIfMatch(c)) checkIfMatch(c, { version, created_at: read.created_at });
  return "retry";
}
