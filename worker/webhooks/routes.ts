import { Hono, type Context } from "hono";
import { CommonErrorCodes } from "../../shared/errors.ts";
import { z } from "zod";
import { WebhookAttempt, WebhookCreate, WebhookCreated, WebhookDeliveriesQuery, WebhookEndpoint, WebhookId, WebhookRedeliver } from "../../shared/webhooks.ts";
import { documented, type ApiOperation } from "../api-doc.ts";
import { requireMember } from "../auth/access.ts";
import { configOf, type AppEnv } from "../env.ts";
import { ApiError } from "../http-errors.ts";
import { FEED_MAX_LENGTH, latestSeq, readFeed } from "../live/feed.ts";
import { invalid, readBody, readId, readQuery } from "../request.ts";
import { mainStore } from "../storage/stores.ts";
import { endpointUrlProblem } from "./endpoint-url.ts";
import { webhooksChanged } from "./notify.ts";
import { outboxFor } from "./outbox-stub.ts";

/** A production WEBHOOK_SECRETS_KEY shorter than this is refused: it guards every signing secret. */
export const MIN_SECRETS_KEY_LENGTH = 32;

/**
 * /webhooks (mounted there): a team's webhook endpoints. Any member of the team may register, list
 * and remove them: the feed they receive is what every member can already read over /ws.
 */
export const webhookRoutes = new Hono<AppEnv>();
webhookRoutes.use("/", requireMember());
webhookRoutes.use("/*", requireMember());

const outbox = (c: Context<AppEnv>) => outboxFor(c.env, c.get("member").team);

// What each route is, for the OpenAPI document (worker/api-doc.ts).
const HOOK_TEXT =
  "Standard Webhooks: each change of the team feed is POSTed as {type, timestamp, data: the change} with webhook-id, webhook-timestamp and webhook-signature (v1, HMAC-SHA256), one at a time per endpoint in seq order, retried for about 27 h.";
const ID_PARAM = { id: { description: "The webhook's id (wh_...)", schema: WebhookId, example: "wh_0123456789abcdefghij" } };
const NOT_FOUND = { description: "No such webhook in your team", codes: ["not_found"] };
export const WebhookList = z.object({ webhooks: z.array(WebhookEndpoint) });
export const WebhookDeliveries = z.object({ deliveries: z.array(WebhookAttempt).meta({ description: "The endpoint's last 100 attempts, newest first." }) });
export const WebhookRedelivered = z.object({ id: z.string(), from_seq: z.number().int(), up_to: z.number().int().meta({ description: "The team's newest change when asked." }) });
const webhookOperation = (op: Omit<ApiOperation, "tag" | "auth">): ApiOperation => ({ ...op, tag: "webhooks", auth: "member", ...(op.body ? { countsAsWrite: true } : {}) });

const REGISTER = webhookOperation({
  operationId: "registerWebhook",
  summary: "Register an endpoint for the team's changes",
  description: `Any member may; events: types or ["*"]. ${HOOK_TEXT} The whsec_ secret is answered only here. At most 20 per team (409 too_many_webhooks); loopback and private addresses are refused in production.`,
  body: { schema: WebhookCreate, required: true, example: { url: "https://hooks.example.org/groupsync", events: ["*"] } },
  store: "write",
  responses: {
    201: { description: "Registered", json: WebhookCreated, headers: ["Location"] },
    409: { description: "The team has 20 endpoints", codes: ["too_many_webhooks"] },
  },
});
const LIST = webhookOperation({
  operationId: "listWebhooks",
  summary: "The team's webhook endpoints",
  description: "With where each one's delivery stands; never their secrets.",
  store: "read",
  responses: { 200: { description: "Endpoints", json: WebhookList } },
});
const GET_ONE = webhookOperation({
  operationId: "getWebhook",
  summary: "One endpoint",
  description: "Where its delivery stands; never its secret.",
  params: ID_PARAM,
  store: "read",
  responses: { 200: { description: "The endpoint", json: WebhookEndpoint }, 404: NOT_FOUND },
});
const REMOVE = webhookOperation({
  operationId: "removeWebhook",
  summary: "Remove an endpoint",
  description: "Nothing more is sent to it.",
  params: ID_PARAM,
  countsAsWrite: true,
  store: "write",
  responses: { 204: { description: "Removed" }, 404: NOT_FOUND },
});
const DELIVERIES = webhookOperation({
  operationId: "listWebhookDeliveries",
  summary: "The endpoint's delivery log",
  description: "Its last 100 attempts, newest first (status, error, outcome); ?limit= answers fewer.",
  params: ID_PARAM,
  query: WebhookDeliveriesQuery,
  store: "read",
  responses: { 200: { description: "The log", json: WebhookDeliveries }, 404: NOT_FOUND },
});
const REDELIVER = webhookOperation({
  operationId: "redeliverWebhook",
  summary: "Send changes again from from_seq",
  description:
    "Every change from from_seq (default: where the endpoint stopped) again, in order, with a fresh retry schedule; enables a disabled endpoint. No body is needed. 409 feed_trimmed when the feed no longer has from_seq (it keeps the last 5000).",
  params: ID_PARAM,
  body: { schema: WebhookRedeliver, required: false, example: { from_seq: 1 } },
  store: "write",
  responses: {
    202: { description: "Queued", json: WebhookRedelivered },
    404: NOT_FOUND,
    409: { description: "The feed no longer has from_seq", codes: ["feed_trimmed"] },
  },
});

webhookRoutes.post("/", documented(REGISTER, async (c) => {
  const body = await readBody(c, WebhookCreate);
  const config = configOf(c.env);
  const urlProblem = endpointUrlProblem(body.url, config.production);
  if (urlProblem !== null) throw invalid([{ field: "url", message: urlProblem }]);
  const key = config.webhooks.secretsKey;
  if (key === undefined || (config.production && key.length < MIN_SECRETS_KEY_LENGTH)) {
    throw new ApiError(503, CommonErrorCodes.misconfigured, `WEBHOOK_SECRETS_KEY must be set to ${MIN_SECRETS_KEY_LENGTH}+ characters to register webhooks (\`wrangler secret put WEBHOOK_SECRETS_KEY\`)`, { details: { setting: "WEBHOOK_SECRETS_KEY" } });
  }
  const { team, member } = c.get("member");
  const feedAt = await latestSeq(mainStore(c.env), team);
  const outcome = await outbox(c).register(team, member, body.url, body.events, feedAt, new Date().toISOString());
  if (outcome.kind === "too_many") throw new ApiError(409, "too_many_webhooks", `a team may register at most ${outcome.max} webhooks; DELETE /webhooks/{id} one first`);
  webhooksChanged(team);
  return c.json(outcome.webhook, 201, { location: `/webhooks/${outcome.webhook.id}` });
}));

webhookRoutes.get("/", documented(LIST, async (c) => c.json({ webhooks: await outbox(c).list() })));

webhookRoutes.get("/:id", documented(GET_ONE, async (c) => {
  const endpoint = await outbox(c).endpoint(readId(c, WebhookId));
  if (endpoint === null) throw notFound();
  return c.json(endpoint);
}));

webhookRoutes.delete("/:id", documented(REMOVE, async (c) => {
  if (!(await outbox(c).remove(readId(c, WebhookId)))) throw notFound();
  return c.body(null, 204);
}));

webhookRoutes.get("/:id/deliveries", documented(DELIVERIES, async (c) => {
  const id = readId(c, WebhookId);
  const { limit } = readQuery(c, WebhookDeliveriesQuery);
  const deliveries = await outbox(c).deliveries(id);
  if (deliveries === null) throw notFound();
  return c.json({ deliveries: deliveries.slice(0, limit) });
}));

/** Sends every change from from_seq (default: where the endpoint stopped) again, in order, and enables a disabled endpoint. */
webhookRoutes.post("/:id/redeliver", documented(REDELIVER, async (c) => {
  const id = readId(c, WebhookId);
  const body = await readBody(c, WebhookRedeliver, { optional: true });
  const { team } = c.get("member");
  const endpoint = await outbox(c).endpoint(id);
  if (endpoint === null) throw notFound();
  const redis = mainStore(c.env);
  const latest = await latestSeq(redis, team);
  const fromSeq = body.from_seq ?? endpoint.next_seq;
  if (fromSeq > latest + 1) throw invalid([{ field: "from_seq", message: `must be at most ${latest + 1} (the team's newest change is ${latest})` }]);
  const entries = fromSeq > latest ? [] : await readFeed(redis, team, fromSeq - 1, FEED_MAX_LENGTH);
  if (fromSeq <= latest && (entries[0] === undefined || entries[0].seq > fromSeq)) {
    const oldest = entries[0]?.seq ?? latest + 1;
    throw new ApiError(409, "feed_trimmed", `the feed keeps only the last ${FEED_MAX_LENGTH} changes and change ${fromSeq} is gone; send from_seq ${oldest} or later`, { details: { oldest_seq: oldest } });
  }
  const outcome = await outbox(c).redeliver(id, fromSeq, entries);
  if (outcome.kind === "not_found") throw notFound();
  webhooksChanged(team);
  return c.json({ id, from_seq: outcome.from_seq, up_to: latest }, 202);
}));

function notFound(): ApiError {
  return new ApiError(404, CommonErrorCodes.notFound, "no webhook with this id in your team");
}
