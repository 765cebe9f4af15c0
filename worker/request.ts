import type { Context } from "hono";
import type { z } from "zod";
import { CommonErrorCodes } from "../shared/errors.ts";
import { bodyTooLargeMessage, MAX_BODY_BYTES } from "../shared/body-limit.ts";
import { ApiError } from "./http-errors.ts";
import { readCapped } from "./read-capped.ts";

/** Refuses malformed UTF-8 instead of replacing it; one instance serves every request (decode is stateless without `stream`). */
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * Reads and validates a JSON body. The Content-Type is not required to say JSON: the original
 * README's own examples use `curl -d` without a header (curl then says form-urlencoded), and
 * answering them 422 was one of the original's bugs. Multipart forms are refused (415).
 */
export async function readBody<S extends z.ZodType>(c: Context, schema: S, options: { optional?: boolean } = {}): Promise<z.infer<S>> {
  const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "multipart/form-data") {
    throw new ApiError(415, CommonErrorCodes.unsupportedMediaType, "send the body as JSON (Content-Type: application/json), not multipart/form-data");
  }
  const bytes = await readLimited(c.req.raw, MAX_BODY_BYTES);
  if (bytes.length === 0) {
    rawBodies.set(c.req.raw, {});
    if (options.optional) return validate(schema, {});
    throw new ApiError(400, CommonErrorCodes.invalidJson, "the request needs a JSON body");
  }
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    throw new ApiError(400, CommonErrorCodes.invalidJson, "the body is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, CommonErrorCodes.invalidJson, `the body is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ApiError(400, CommonErrorCodes.validationFailed, "the body must be a JSON object", { details: { fields: [{ field: "body", message: "must be a JSON object" }] } });
  }
  rawBodies.set(c.req.raw, value);
  return validate(schema, value);
}

/** The JSON value of each request's body as sent (before validation), for Idempotency-Key fingerprints. */
const rawBodies = new WeakMap<Request, unknown>();

/** The body readBody parsed for this request, as sent; undefined if it read none. */
export function sentBody(c: Context): unknown {
  return rawBodies.get(c.req.raw);
}

/** Validates the query string; repeated parameters are refused rather than silently merged. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const all = c.req.queries();
  const single: Record<string, string> = {};
  for (const [key, values] of Object.entries(all)) {
    if (values.length > 1) throw invalid([{ field: key, message: "must be given once" }]);
    single[key] = values[0]!;
  }
  return validate(schema, single);
}

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(describeIssues(result.error.issues));
  return result.data;
}

/**
 * Zod issues as `field: problem`, with wording a person can act on: one problem per field. Zod
 * reports every check a value fails (1e308 fails both `int()`'s safe range and `max(100)`), which
 * read as the same complaint twice; the one naming the field's own bounds is kept.
 */
export function describeIssues(issues: z.core.$ZodIssue[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of onePerField(issues)) {
    const field = issue.path.length > 0 ? issue.path.join(".") : "body";
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) problems.push({ field: [...issue.path, key].join("."), message: "is not a known field" });
    } else if (issue.code === "invalid_type" && /received undefined/.test(issue.message)) {
      problems.push({ field, message: "is required" });
    } else if (issue.code === "invalid_type") {
      problems.push({ field, message: `must be ${article(issue.expected)}` });
    } else {
      problems.push({ field, message: issue.message });
    }
  }
  return problems;
}

function onePerField(issues: z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const byField = new Map<string, z.core.$ZodIssue>();
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      byField.set(`${issue.path.join(".")}\u0000${issue.keys.join(",")}`, issue);
      continue;
    }
    const field = issue.path.join(".");
    const kept = byField.get(field);
    if (kept === undefined || (isSafeIntegerRange(kept) && !isSafeIntegerRange(issue))) byField.set(field, issue);
  }
  return [...byField.values()];
}

/** `int()`'s own check that a number is within ±2^53: every bounded integer field also has its own bounds. */
function isSafeIntegerRange(issue: z.core.$ZodIssue): boolean {
  return (issue.code === "too_big" || issue.code === "too_small") && issue.origin === "int";
}

export function invalid(problems: FieldProblem[]): ApiError {
  const message = problems.map((p) => `${p.field}: ${p.message}`).join("; ");
  return new ApiError(400, CommonErrorCodes.validationFailed, message, { details: { fields: problems } });
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

async function readLimited(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (request.body === null) return new Uint8Array();
  // A declared length within the limit is what the runtime will deliver (workerd enforces it), so
  // the body can be read in one call instead of chunk by chunk.
  if (request.headers.has("content-length") && Number.isFinite(declared)) return new Uint8Array(await request.arrayBuffer());
  const bytes = await readCapped(request.body, limit);
  if (bytes === null) throw tooLarge(limit);
  return bytes;
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, CommonErrorCodes.payloadTooLarge, bodyTooLargeMessage(limit));
}

/** A path parameter checked against the same rule as the body's id. */
export function readId(c: Context, schema: z.ZodType<string>, name = "id"): string {
  const raw = c.req.param(name) ?? "";
  const result = schema.safeParse(raw);
  if (!result.success) throw invalid([{ field: name, message: result.error.issues[0]?.message ?? "is not valid" }]);
  return result.data;
}
