import type { Env } from "../env.ts";
import type { WebhookOutbox } from "./outbox.ts";

/** The team's webhook outbox (one Durable Object per team name). */
export function outboxFor(env: Env, team: string): DurableObjectStub<WebhookOutbox> {
  const namespace = env.WEBHOOK_OUTBOX as DurableObjectNamespace<WebhookOutbox>;
  return namespace.get(namespace.idFromName(team));
}
