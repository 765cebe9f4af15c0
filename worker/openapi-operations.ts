import { z } from "zod";
import { ErrorCatalogue } from "../shared/errors.ts";
import type { ApiAnswer, ApiHeader, ApiOperation } from "./api-doc.ts";
import { REQUEST_ID_HEADER } from "./request-id.ts";

/**
 * Turns the descriptions routes give of themselves (worker/api-doc.ts) into OpenAPI operations,
 * adding what every route answers by the app's middleware and helpers: readBody's 400/413/415,
 * the credential checks' 401/403/429, conditional and idempotency answers, 503 for a store outage
 * or a misconfigured deployment. Schemas named in `names` become $refs; others are inlined.
 */
export interface Components {
  /** The component name of a zod schema (by identity, as read or as written) already in components.schemas, if any. */
  nameOf(schema: z.ZodType, io: "input" | "output"): string | undefined;
  jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown>;
}

const ERROR_HEADERS: Partial<Record<string, ApiHeader[]>> = {
  // A wrong admin secret or unknown token is counted against the caller's address: its 401 says how many are left.
  unauthorized: ["WWW-Authenticate", "RateLimit", "RateLimit-Policy"],
  rate_limited: ["Retry-After", "RateLimit", "RateLimit-Policy"],
  dependency_unavailable: ["Retry-After"],
  lock_conflict: ["Retry-After"],
  write_contention: ["Retry-After"],
  idempotency_key_in_use: ["Retry-After"],
  upgrade_required: ["Upgrade"],
};

export const HEADER_TEXT: Record<ApiHeader, { description: string; schema: Record<string, unknown> }> = {
  ETag: { description: "The version of what was answered (a strong tag), for If-None-Match and If-Match", schema: { type: "string" } },
  "Last-Modified": { description: "When it last changed (an HTTP date), for If-Modified-Since", schema: { type: "string" } },
  Location: { description: "Where the created resource is", schema: { type: "string", format: "uri-reference" } },
  "Retry-After": { description: "Seconds to wait before retrying", schema: { type: "integer", minimum: 0 } },
  Allow: { description: "The methods this path has", schema: { type: "string" } },
  "WWW-Authenticate": { description: "The scheme to authenticate with: Bearer, and the realm (groupsync or groupsync-admin)", schema: { type: "string" } },
  RateLimit: { description: 'The limit that applies: `"name";r=<remaining>;t=<seconds until reset>` (draft-ietf-httpapi-ratelimit-headers)', schema: { type: "string" } },
  "RateLimit-Policy": { description: 'The limit\'s policy: `"name";q=<requests>;w=<window seconds>`', schema: { type: "string" } },
  "Cache-Control": { description: "How the answer may be cached", schema: { type: "string" } },
  "Content-Security-Policy": { description: "What the page may load: only this worker's own files", schema: { type: "string" } },
  "Idempotent-Replayed": { description: "`true` when this is the stored answer to an earlier request with the same Idempotency-Key", schema: { type: "string", enum: ["true"] } },
  "Next-Cursor": { description: "The cursor of the next page (absent on the last)", schema: { type: "string" } },
  Upgrade: { description: "websocket", schema: { type: "string" } },
  "Content-Disposition": { description: "A CSV is an attachment, named for what it holds", schema: { type: "string" } },
};

export const IDEMPOTENCY_KEY_TEXT =
  "Optional, 1–255 printable ASCII characters (else 400), chosen by the client per logical operation and sent again on its retries. Within 24 h the same key from the same member with the same method, path and body answers the first answer again (status, body, Location, ETag; with `Idempotent-Replayed: true`) without doing the work twice, also when the first attempt answered 503 `outcome_unknown` or its answer was lost; a different request with the key is 422 `idempotency_key_reused`. Only work done is remembered: a refused request (400, 409, 503 `dependency_unavailable`) is not, so its retry is tried again.";
export const MARKER_TEXT = " On /tx routes a refusal that aborted the transaction is remembered too, and while the first request with a key still runs a duplicate answers 409 `idempotency_key_in_use` with Retry-After.";

const STATUS_TEXT: Record<number, string> = {
  400: "Invalid input",
  401: "No valid credential",
  403: "Refused",
  404: "Not found",
  409: "Conflict",
  412: "Precondition failed",
  413: "Body too large",
  415: "Unsupported media type",
  422: "Idempotency-Key reused",
  426: "Upgrade required",
  429: "Rate limited",
  503: "Unavailable",
};

export function generatedOperation(op: ApiOperation, pathParams: string[], components: Components): Record<string, unknown> {
  const answers = answersOf(op);
  const parameters = [
    // Every operation takes one (a malformed one is its 400), described once in components.
    { $ref: `#/components/parameters/${REQUEST_ID_HEADER}` },
    ...pathParams.map((name) => {
      const param = op.params?.[name];
      if (param === undefined) throw new Error(`${op.operationId}: path parameter ${name} is not described`);
      return { name, in: "path", required: true, description: param.description, schema: components.jsonSchema(param.schema, "input"), example: param.example };
    }),
    ...(op.query ? queryParameters(op.query, components) : []),
    ...(op.queryToken ? [{ name: "token", in: "query", required: false, description: "A member token, instead of the Authorization header", schema: { type: "string" } }] : []),
    ...Object.entries(op.requestHeaders ?? {}).map(([name, description]) => header(name, description)),
    ...(op.conditional ? [header("If-None-Match", 'Answer 304 (no body) if the current ETag is among these (weak comparison: W/"x" matches "x"), or for *')] : []),
    ...(op.conditional === "etag+date" ? [header("If-Modified-Since", "Without If-None-Match: answer 304 if not changed since this HTTP date (Last-Modified)")] : []),
    ...(op.ifMatch ? [header("If-Match", 'Apply only if this is the current ETag, e.g. "3@2026-12-01T16:00:00.000Z" (version@created_at; strong comparison: W/"3@…" never matches, nor a bare version); otherwise 412')] : []),
    ...(op.idempotent
      ? [{ name: "Idempotency-Key", in: "header", required: false, description: IDEMPOTENCY_KEY_TEXT + (op.idempotent === "marker" ? MARKER_TEXT : ""), schema: { type: "string", minLength: 1, maxLength: 255, pattern: "^[\\x20-\\x7e]+$" }, example: "3f1c2a9e-booking-1" }]
      : []),
  ];
  return {
    operationId: op.operationId,
    summary: op.summary,
    description: op.description,
    tags: [op.tag],
    ...(op.auth === "none" ? { security: [] } : op.auth === "admin" ? { security: [{ admin: [] }] } : {}),
    parameters,
    ...(op.body ? { requestBody: { required: op.body.required, content: { "application/json": { schema: schemaOf(op.body.schema, "input", components), example: op.body.example } } } } : {}),
    responses: Object.fromEntries(Object.entries(answers).map(([status, answer]) => [status, responseOf(Number(status), answer, components)])),
  };
}

/** The operation's own answers and those the app adds, with the error codes of each status merged. */
function answersOf(op: ApiOperation): Record<number, ApiAnswer> {
  const answers: Record<number, ApiAnswer> = {};
  for (const [status, answer] of Object.entries(op.responses)) answers[Number(status)] = { ...answer, codes: answer.codes && [...answer.codes] };
  const add = (status: number, ...codes: string[]) => {
    const answer = (answers[status] ??= { description: STATUS_TEXT[status] ?? "Error", codes: [] });
    answer.codes ??= [];
    for (const code of codes) if (!answer.codes.includes(code)) answer.codes.push(code);
  };
  // Every route: a malformed X-Request-Id, and settings checked before any route runs.
  add(400, "validation_failed");
  add(503, "misconfigured");
  if (op.auth === "member") {
    add(401, "unauthorized");
    add(403, "open_team_refused");
    add(429, "rate_limited");
    add(503, "dependency_unavailable");
  }
  if (op.auth === "admin") {
    add(401, "unauthorized");
    add(429, "rate_limited");
    add(503, "dependency_unavailable");
  }
  if (op.countsAsWrite) {
    add(429, "rate_limited");
    for (const [status, answer] of Object.entries(answers)) if (Number(status) < 300) answer.headers = [...new Set([...(answer.headers ?? []), "RateLimit" as const, "RateLimit-Policy" as const])];
  }
  if (op.body) {
    add(400, "invalid_json", "validation_failed");
    add(413, "payload_too_large");
    add(415, "unsupported_media_type");
  }
  if (op.store) add(503, "dependency_unavailable");
  if (op.store === "write") add(503, "outcome_unknown");
  if (op.ifMatch) add(412, "precondition_failed");
  if (op.idempotent) {
    add(422, "idempotency_key_reused");
    for (const [status, answer] of Object.entries(answers)) if (Number(status) < 300) answer.headers = [...new Set([...(answer.headers ?? []), "Idempotent-Replayed" as const])];
  }
  if (op.idempotent === "marker") add(409, "idempotency_key_in_use");
  if (op.conditional) {
    answers[304] = {
      description: op.conditional === "etag+date" ? "Not modified: If-None-Match names the current ETag, or (without it) If-Modified-Since is not before Last-Modified" : "Not modified: If-None-Match names the current ETag",
      headers: op.conditional === "etag+date" ? ["ETag", "Last-Modified"] : ["ETag"],
    };
  }
  return answers;
}

function responseOf(status: number, answer: ApiAnswer, components: Components): Record<string, unknown> {
  const codes = answer.codes ?? [];
  const headerNames = new Set<ApiHeader>([...(answer.headers ?? []), ...codes.flatMap((code) => ERROR_HEADERS[code] ?? [])]);
  const headers = {
    [REQUEST_ID_HEADER]: { $ref: `#/components/headers/${REQUEST_ID_HEADER}` },
    ...Object.fromEntries([...headerNames].sort().map((name) => [name, { $ref: `#/components/headers/${name}` }])),
  };
  let content: Record<string, unknown> | undefined;
  for (const code of codes) if (ErrorCatalogue[code] === undefined) throw new Error(`error code ${code} is not in shared/errors.ts ErrorCatalogue`);
  // A status may answer the route's own JSON or an error (GET /health's 503: a report, or misconfigured).
  const schemas = [...(answer.json ? [schemaOf(answer.json, "output", components)] : []), ...codes.map((code) => ({ $ref: `#/components/schemas/${errorSchemaName(code)}` }))];
  if (schemas.length > 0) content = { "application/json": { schema: schemas.length === 1 ? schemas[0] : { anyOf: schemas } } };
  if (answer.media) content = { ...answer.media, ...content };
  const codeText = codes.map((code) => `\`${code}\`: ${ErrorCatalogue[code]!.meaning}`).join(" ");
  return {
    description: codes.length > 0 ? `${answer.description}. ${codeText}` : answer.description,
    headers,
    ...(content ? { content } : {}),
  };
}

export function errorSchemaName(code: string): string {
  return `Error_${code}`;
}

/** The error shape with `code` fixed and `details` typed, one component per code. */
export function errorSchemas(components: Components): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(ErrorCatalogue).map(([code, { meaning, details, detailsAlways }]) => [
      errorSchemaName(code),
      {
        type: "object",
        description: meaning,
        required: ["error"],
        properties: {
          error: {
            type: "object",
            // details is typed where the code has them, and required only where every answer with the code carries them.
            required: detailsAlways ? ["code", "message", "details"] : ["code", "message"],
            properties: {
              code: { type: "string", const: code },
              message: { type: "string", description: "For people: says what was wrong and names the field at fault" },
              // Read as input (no additionalProperties: false): a refusal that aborted a transaction adds tx_id, state and reason.
              ...(details ? { details: components.jsonSchema(details, "input") } : {}),
            },
            additionalProperties: false,
          },
        },
        additionalProperties: false,
      },
    ]),
  );
}

function schemaOf(schema: z.ZodType, io: "input" | "output", components: Components): Record<string, unknown> {
  const name = components.nameOf(schema, io);
  return name !== undefined ? { $ref: `#/components/schemas/${name}` } : components.jsonSchema(schema, io);
}

function header(name: string, description: string) {
  return { name, in: "header", required: false, description, schema: { type: "string" } };
}

export function queryParameters(schema: z.ZodObject, components: Components) {
  const json = components.jsonSchema(schema, "input") as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: "query",
    required: json.required?.includes(name) ?? false,
    ...(property.description ? { description: property.description } : {}),
    schema: property,
  }));
}
