import { z } from "zod";
import { readOnly } from "./fields.ts";
import type { ChangeType } from "./live.ts";

/** Every change type the team feed carries (shared/live.ts's Change), for webhook event filters. */
export const WEBHOOK_EVENT_TYPES = [
  "event.created", "event.updated", "event.deleted",
  "goal.created", "goal.updated", "goal.deleted",
  "tx.committed", "tx.aborted",
  "timer.state",
  "member.joined", "member.left",
] as const satisfies readonly ChangeType[];

/** A URL longer than this is refused (receivers' own limits are near 2 KiB too). */
export const MAX_WEBHOOK_URL_LENGTH = 2000;
/** Endpoints one team may register. */
export const MAX_WEBHOOKS_PER_TEAM = 20;

export const WebhookEventName = z.enum(["*", ...WEBHOOK_EVENT_TYPES], { error: `must be "*" or one of ${WEBHOOK_EVENT_TYPES.join(", ")}` });

/** POST /webhooks */
export const WebhookCreate = z.strictObject({
  url: z.string({ error: "must be an http(s) URL" }).max(MAX_WEBHOOK_URL_LENGTH, { error: `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters` }),
  events: z
    .array(WebhookEventName, { error: 'must be a list of event types, or ["*"]' })
    .min(1, { error: 'must name at least one event type, or ["*"] for all' })
    .max(WEBHOOK_EVENT_TYPES.length + 1),
});
export type WebhookCreate = z.infer<typeof WebhookCreate>;

/** POST /webhooks/{id}/redeliver (optional body): the first change to send again; default where the endpoint stopped. */
export const WebhookRedeliver = z.strictObject({
  from_seq: z.number({ error: "must be a whole number" }).int({ error: "must be a whole number" }).min(1, { error: "must be 1 or more" }).optional(),
});

export const WEBHOOK_ID_PATTERN = /^wh_[A-Za-z0-9]{20}$/;
export const WebhookId = z.string().regex(WEBHOOK_ID_PATTERN, { error: 'must be a webhook id as POST /webhooks answers it ("wh_" then 20 letters or digits)' });

/** An endpoint as GET /webhooks lists it (the secret is never shown again). */
export const WebhookEndpoint = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  created_at: readOnly(z.string().meta({ format: "date-time" })),
  created_by: readOnly(z.string()),
  /** The first change not yet delivered (in seq order). */
  next_seq: z.number().int(),
  /** Failed attempts at next_seq's change so far (0 when healthy). */
  failed_attempts: z.number().int(),
  next_attempt_at: z.string().nullable(),
  disabled: z.object({ at: z.string(), reason: z.string() }).nullable(),
});
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

/** POST /webhooks → 201: the endpoint and its signing secret, shown this once. */
export const WebhookCreated = WebhookEndpoint.extend({ secret: z.string().meta({ description: "whsec_…: the Standard Webhooks signing secret. Shown only here." }) });
export type WebhookCreated = z.infer<typeof WebhookCreated>;

/** The delivery log keeps this many attempts per endpoint. */
export const WEBHOOK_ATTEMPTS_KEPT = 100;

/** GET /webhooks/{id}/deliveries?limit=: the newest attempts only; other parameters are refused. */
export const WebhookDeliveriesQuery = z.strictObject({
  limit: z.coerce
    .number({ error: "must be a whole number" })
    .int({ error: "must be a whole number" })
    .min(1, { error: "must be 1 or more" })
    .max(WEBHOOK_ATTEMPTS_KEPT, { error: `must be at most ${WEBHOOK_ATTEMPTS_KEPT} (the log keeps no more)` })
    .default(WEBHOOK_ATTEMPTS_KEPT)
    .meta({ description: `How many of the newest attempts to answer (1-${WEBHOOK_ATTEMPTS_KEPT}, default ${WEBHOOK_ATTEMPTS_KEPT}).` }),
});

/** One attempt in an endpoint's delivery log. */
export const WebhookAttempt = z.object({
  message_id: z.string(),
  seq: z.number().int(),
  type: z.string(),
  attempt: z.number().int(),
  at: z.string(),
  /** The receiver's HTTP status, or null when none came (refused, timed out, DNS). */
  status: z.number().int().nullable(),
  outcome: z.enum(["delivered", "retrying", "disabled"]),
  error: z.string().nullable(),
  duration_ms: z.number(),
});
export type WebhookAttempt = z.infer<typeof WebhookAttempt>;
