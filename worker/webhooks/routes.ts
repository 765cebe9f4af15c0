import { Hono, type Context } from "hono";
import { CommonErrorCodes } from "../../shared/errors.ts";
import { WebhookCreate, WebhookId, WebhookRedeliver } from "../../shared/webhooks.ts";
import { requireMember } from "../auth/access.ts";
import { configOf, type AppEnv } from "../env.ts";
import { ApiError } from "../http-errors.ts";
import { FEED_MAX_LENGTH, latestSeq, readFeed } from "../live/feed.ts";
import { invalid, readBody, readId } from "../request.ts";
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

webhookRoutes.post("/", async (c) => {
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
});

webhookRoutes.get("/", async (c) => c.json({ webhooks: await outbox(c).list() }));

webhookRoutes.get("/:id", async (c) => {
  const endpoint = await outbox(c).endpoint(readId(c, WebhookId));
  if (endpoint === null) throw notFound();
  return c.json(endpoint);
});

webhookRoutes.delete("/:id", async (c) => {
  if (!(await outbox(c).remove(readId(c, WebhookId)))) throw notFound();
  return c.body(null, 204);
});

webhookRoutes.get("/:id/deliveries", async (c) => {
  const deliveries = await outbox(c).deliveries(readId(c, WebhookId));
  if (deliveries === null) throw notFound();
  return c.json({ deliveries });
});

/** Sends every change from from_seq (default: where the endpoint stopped) again, in order, and enables a disabled endpoint. */
webhookRoutes.post("/:id/redeliver", async (c) => {
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
});

function notFound(): ApiError {
  return new ApiError(404, CommonErrorCodes.notFound, "no webhook with this id in your team");
}
