import type { Context } from "hono";
import type { Redis } from "@upstash/redis/cloudflare";
import { CommonErrorCodes } from "../../shared/errors.ts";
import { ApiError, handleError } from "../http-errors.ts";
import { sentBody } from "../request.ts";
import { dependencyOutage, WriteOutcomeUnknown } from "../storage/dependency-failure.ts";
import { IDEMPOTENCY_LEASE_SECONDS, IDEMPOTENCY_TTL_SECONDS, idempotencyKeys } from "./keys.ts";

/**
 * Idempotency-Key, as Stripe defines it: a client names one logical operation with a key of its
 * choosing and sends it again on every retry. Within 24 h the same key with the same request
 * (method, path and body) answers the first answer again, status, body, Location and ETag, without
 * doing the work twice; with another request it is 422 `idempotency_key_reused`. Keys are scoped
 * to the member (admin routes: to the admin). Only answers of work that was done are stored (a
 * 201, a transaction's final state); a refused request (400, 409, 503...) changed nothing and is
 * not, so its retry is tried again.
 */
export const IDEMPOTENCY_HEADER = "Idempotency-Key";
/** Set on an answer that is a replay of the first one. */
export const REPLAYED_HEADER = "Idempotent-Replayed";
const STORED_HEADERS = ["Location", "ETag"] as const;

/** One request's key: where its record lives, and what the request was. */
export interface Idempotency {
  /** The record's Redis key. */
  key: string;
  /** sha-256 of method, path and canonical body. */
  fingerprint: string;
  /** The key as sent (seals admin answers, which carry tokens). */
  sent: string;
}

/** The stored first answer. `body` is the body's text; `sealed` when it is encrypted (admin answers). */
export interface IdempotencyRecord {
  fingerprint: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  sealed?: boolean;
}

/**
 * The request's Idempotency-Key, validated (1–255 printable ASCII characters, else 400 naming the
 * header), with its record's key and the request's fingerprint; undefined without the header.
 * Call after readBody, so the fingerprint covers the body.
 */
export async function idempotencyOf(c: Context, scope: { team: string; member: string } | "admin"): Promise<Idempotency | undefined> {
  const sent = c.req.header(IDEMPOTENCY_HEADER);
  if (sent === undefined) return undefined;
  if (!/^[\x20-\x7e]{1,255}$/.test(sent)) {
    const message = "must be 1 to 255 printable ASCII characters";
    throw new ApiError(400, CommonErrorCodes.validationFailed, `${IDEMPOTENCY_HEADER} header: ${message}`, {
      details: { fields: [{ field: IDEMPOTENCY_HEADER, message }] },
    });
  }
  const keyHash = await sha256(sent);
  const key = scope === "admin" ? idempotencyKeys.admin(keyHash) : idempotencyKeys.member(scope.team, scope.member, keyHash);
  const path = c.req.path.length > 1 ? c.req.path.replace(/\/+$/, "") : c.req.path;
  const fingerprint = await sha256(`${c.req.method} ${path}\n${canonicalJson(sentBody(c) ?? {})}`);
  return { key, fingerprint, sent };
}

/** The record a write script stores with its change: the answer it is about to give. */
export async function answerRecord(idem: Idempotency, status: number, body: unknown, headers: Record<string, string> = {}, seal?: string): Promise<string> {
  const text = JSON.stringify(body);
  const kept = Object.fromEntries(STORED_HEADERS.filter((name) => headers[name] !== undefined).map((name) => [name, headers[name]!]));
  const record: IdempotencyRecord =
    seal === undefined ? { fingerprint: idem.fingerprint, status, headers: kept, body: text } : { fingerprint: idem.fingerprint, status, headers: kept, body: await sealText(text, seal, idem.sent), sealed: true };
  return JSON.stringify(record);
}

/** The stored first answer, again. */
export async function replay(raw: string, idem: Idempotency, seal?: string): Promise<Response> {
  const record = JSON.parse(raw) as IdempotencyRecord;
  const body = record.sealed ? await openText(record.body, seal ?? "", idem.sent) : record.body;
  return new Response(body, { status: record.status, headers: { ...record.headers, "Content-Type": "application/json", [REPLAYED_HEADER]: "true" } });
}

export function keyReused(): ApiError {
  return new ApiError(422, "idempotency_key_reused", `this ${IDEMPOTENCY_HEADER} was used for a different request (method, path or body) in the last 24 h; use a new key for a new request`);
}

export function keyInUse(): ApiError {
  return new ApiError(409, "idempotency_key_in_use", `a request with this ${IDEMPOTENCY_HEADER} is still in progress; retry shortly for its answer`, { headers: { "Retry-After": "1" } });
}

/** Lua KEYS and ARGV slots for a script guarded by a key: the record's key; fingerprint and answer ('' without a key). */
export function idemKeys(idem: Idempotency | undefined, placeholder: string): string[] {
  return [idem?.key ?? placeholder];
}
export function idemArgs(idem: Idempotency | undefined, answer: string | undefined): string[] {
  return idem === undefined ? ["", ""] : [idem.fingerprint, answer ?? ""];
}

/**
 * For a route whose work is not one script (transactions): an in-progress marker taken with
 * SET NX and a short lease, so a duplicate sent meanwhile answers 409 `idempotency_key_in_use`
 * (Retry-After); then the answer replaces the marker for 24 h. Every answer below 500 is stored
 * (here a refusal is final: an op that cannot be held aborts the transaction); after a 5xx that
 * changed nothing (an outage, a 503 participant_unavailable abort) the marker is dropped so a
 * retry does the work; after an unknown outcome it is left to lapse (the lease), as the work may
 * still be carried out.
 */
export async function guarded(redis: Redis, idem: Idempotency | undefined, c: Context, work: () => Promise<Response>): Promise<Response> {
  if (idem === undefined) return work();
  const marker = JSON.stringify({ fingerprint: idem.fingerprint, in_progress: true });
  const taken = await redis.set(idem.key, marker, { nx: true, ex: IDEMPOTENCY_LEASE_SECONDS });
  if (taken === null) {
    const raw = await redis.get<string>(idem.key);
    if (raw === null) throw keyInUse(); // lapsed just now: the client's retry takes it
    const record = (typeof raw === "string" ? JSON.parse(raw) : raw) as Partial<IdempotencyRecord>;
    if (record.fingerprint !== idem.fingerprint) throw keyReused();
    if (record.status === undefined) throw keyInUse();
    return replay(typeof raw === "string" ? raw : JSON.stringify(raw), idem);
  }
  let response: Response;
  try {
    response = await work();
  } catch (error) {
    // A final refusal (4xx: the transaction aborted, not found, not open) is the answer to keep.
    if (error instanceof ApiError && error.status < 500) {
      response = handleError(error, c);
    } else {
      // The work may still land (outcome unknown): keep the marker until its lease lapses. Else it
      // changed nothing for good (an outage, a 503 abort): drop it, so a retry does the work.
      if (!(dependencyOutage(error) !== null && error instanceof WriteOutcomeUnknown)) await redis.del(idem.key).catch(() => undefined);
      throw error;
    }
  }
  const headers = Object.fromEntries(STORED_HEADERS.flatMap((name) => (response.headers.has(name) ? [[name, response.headers.get(name)!]] : [])));
  const record: IdempotencyRecord = { fingerprint: idem.fingerprint, status: response.status, headers, body: await response.clone().text() };
  try {
    await redis.set(idem.key, JSON.stringify(record), { ex: IDEMPOTENCY_TTL_SECONDS });
  } catch (error) {
    // The work is done and this is its answer; failing now would call it an outage. The marker
    // lapses with its lease, after which a retry with the key does the work again.
    console.error(JSON.stringify({ event: "idempotency_record_not_stored", path: c.req.path, error: String(error) }));
  }
  return response;
}

/** JSON with object keys sorted at every depth: the same body however its keys were ordered. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Admin answers carry tokens, which are otherwise stored only hashed: their stored copy is
 * encrypted (AES-GCM) under a key derived from the admin secret and the Idempotency-Key, which the
 * store never sees, so a reader of Redis learns no token.
 */
async function sealKey(secret: string, sent: string): Promise<CryptoKey> {
  const material = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`groupsync idempotency\0${secret}\0${sent}`));
  return crypto.subtle.importKey("raw", material, "AES-GCM", false, ["encrypt", "decrypt"]);
}

async function sealText(text: string, secret: string, sent: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await sealKey(secret, sent), new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...iv, ...sealed));
}

async function openText(text: string, secret: string, sent: string): Promise<string> {
  const bytes = Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.slice(0, 12) }, await sealKey(secret, sent), bytes.slice(12));
  return new TextDecoder().decode(plain);
}
