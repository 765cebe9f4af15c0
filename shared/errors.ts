import { z } from "zod";

/**
 * The one error shape every GroupSync HTTP answer uses, 404 and 405 included:
 * `{"error": {"code": "...", "message": "...", "details": ...}}`.
 * `code` is stable and machine-readable; `message` is for people and names the field at fault.
 */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Codes shared by every route. Feature modules add their own (e.g. `time_slot_taken`). */
export const CommonErrorCodes = {
  badRequest: "bad_request",
  invalidJson: "invalid_json",
  validationFailed: "validation_failed",
  unauthorized: "unauthorized",
  notFound: "not_found",
  methodNotAllowed: "method_not_allowed",
  payloadTooLarge: "payload_too_large",
  unsupportedMediaType: "unsupported_media_type",
  dependencyUnavailable: "dependency_unavailable",
  outcomeUnknown: "outcome_unknown",
  misconfigured: "misconfigured",
  internal: "internal_error",
} as const;

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}

/** What a refusal that aborted a transaction adds to its details (the abort reason is its code). */
const TxAborted = z.object({ tx_id: z.string(), state: z.literal("aborted"), reason: z.string() });

const FieldProblems = z.object({
  fields: z.array(z.object({ field: z.string().meta({ description: "The field, query parameter or header at fault (a dotted path inside the body)" }), message: z.string() })).min(1),
});

/**
 * Every error code the API answers, with the shape of its `details` (absent when it has none) and
 * what it means: the OpenAPI document lists the codes each operation may answer and types their
 * details from here, so a client can switch on `code` and read `details` safely. `detailsAlways`:
 * every answer with the code carries details, so the document marks it required.
 */
export const ErrorCatalogue: Record<string, { meaning: string; details?: z.ZodType; detailsAlways?: true }> = {
  bad_request: { meaning: "The request is malformed in a way no field names." },
  invalid_json: { meaning: "The body is missing where required, not UTF-8, or not JSON." },
  validation_failed: { meaning: "A field, query parameter or header is invalid; details.fields names each one.", details: FieldProblems, detailsAlways: true },
  unauthorized: { meaning: "The credential is missing, malformed, wrong, revoked or replaced (WWW-Authenticate says which scheme)." },
  open_team_refused: { meaning: "The development open team answers only same-site requests from an allowed host." },
  origin_not_allowed: { meaning: "A browser page on an origin not in CORS_ALLOWED_ORIGINS.", details: z.object({ origin: z.string() }), detailsAlways: true },
  not_found: { meaning: "No such resource (in your team); in a transaction, an op's target, which aborted it.", details: TxAborted.partial() },
  method_not_allowed: { meaning: "The path exists but not with this method (Allow lists the ones it has)." },
  payload_too_large: { meaning: "The body is larger than 64 KiB." },
  unsupported_media_type: { meaning: "The body is multipart/form-data; send JSON." },
  upgrade_required: { meaning: "GET /ws needs Upgrade: websocket." },
  precondition_failed: { meaning: "If-Match names another version (a weak tag never matches), or If-None-Match matches the current one.", details: z.object({ current_version: z.number().int(), current_etag: z.string().meta({ description: "The current ETag, version@created_at" }) }).partial() },
  idempotency_key_reused: { meaning: "This Idempotency-Key was used in the last 24 h for a different request (method, path or body)." },
  idempotency_key_in_use: { meaning: "The first request with this Idempotency-Key still runs; retry after Retry-After." },
  idempotency_answer_sealed: { meaning: "This Idempotency-Key's first answer was sealed under an earlier ADMIN_SECRET and cannot be shown again." },
  rate_limited: {
    meaning: "Over a rate limit (RateLimit and RateLimit-Policy say which); retry after Retry-After.",
    details: z.object({ limit: z.enum(["admin_failures", "token_failures", "writes"]), max: z.number().int(), window_seconds: z.number(), retry_after_seconds: z.number() }),
    detailsAlways: true,
  },
  team_exists: { meaning: "A team with this id already exists." },
  member_exists: { meaning: "The member is already on the team." },
  event_exists: { meaning: "An event with this id already exists.", details: z.object({ id: z.string() }), detailsAlways: true },
  goal_exists: { meaning: "A goal with this id already exists.", details: z.object({ id: z.string() }), detailsAlways: true },
  time_slot_taken: { meaning: "The event overlaps another (or a hold) on its calendar.", details: z.object({ conflicts: z.array(z.looseObject({ id: z.string() })) }), detailsAlways: true },
  beyond_series_horizon: {
    meaning: "The event would end after the horizon up to which its calendar's series without an end are materialised (about two years ahead, moved on daily); book it later or on another calendar.",
    details: z.object({ horizon: z.string().meta({ format: "date-time" }) }),
    detailsAlways: true,
  },
  lock_conflict: { meaning: "The record is part of a transaction in progress; retry after Retry-After.", details: z.object({ resource: z.string() }), detailsAlways: true },
  write_contention: { meaning: "Many requests change this record at once; retry after Retry-After." },
  quota_exceeded: { meaning: "The team holds as many as its quota allows.", details: z.object({ quota: z.enum(["events", "goals", "open_transactions"]), limit: z.number().int() }), detailsAlways: true },
  tx_not_open: { meaning: "The transaction is committed or aborted.", details: z.object({ tx_id: z.string().optional(), state: z.string(), reason: z.string().optional() }), detailsAlways: true },
  exists: { meaning: "A transaction's create named an id that exists, which aborted it.", details: TxAborted, detailsAlways: true },
  timeout: { meaning: "The transaction was idle past TX_IDLE_TIMEOUT and was aborted.", details: TxAborted, detailsAlways: true },
  client_abort: { meaning: "The transaction was aborted by its member.", details: TxAborted, detailsAlways: true },
  participant_unavailable: { meaning: "A participant's store was down, so the transaction was aborted; retry after Retry-After.", details: TxAborted, detailsAlways: true },
  tx_committed: { meaning: "The transaction is already committed." },
  too_many_webhooks: { meaning: "The team has 20 webhook endpoints already." },
  not_your_member: { meaning: "Only the member themselves may change (or see the external calendars of) this member." },
  too_many_calendars: { meaning: "The member has 5 external calendars already." },
  feed_trimmed: { meaning: "The feed no longer holds from_seq.", details: z.object({ oldest_seq: z.number().int() }), detailsAlways: true },
  not_running: { meaning: "The timer is not running (idle, or paused where it must run)." },
  already_running: { meaning: "A session is already running." },
  already_paused: { meaning: "The timer is already paused." },
  not_paused: { meaning: "The timer is not paused." },
  invalid_duration: { meaning: "The duration is out of range for the timer." },
  command_refused: { meaning: "The master agent refused the command (its message says why)." },
  master_unreachable: { meaning: "The master agent did not answer in time; retry." },
  dependency_unavailable: { meaning: "A store is down; nothing was changed. Retry after Retry-After." },
  outcome_unknown: { meaning: "A write got no answer from its store and may still be carried out; read before retrying.", details: z.object({ outcome: z.literal("unknown") }), detailsAlways: true },
  misconfigured: { meaning: "A deployment setting is missing or wrong; details.setting names it when one setting is at fault.", details: z.object({ setting: z.string() }).partial() },
};
