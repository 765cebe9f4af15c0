import type { Env } from "../env.ts";
import type { FeedEntry } from "../live/feed.ts";
import { outboxFor } from "./outbox-stub.ts";

/**
 * Tells the team's webhook outbox of new changes (called where every change is published, after
 * it is in the feed). Runs in the background like the hub's delivery; a lost notice is caught up by
 * the outbox itself from the feed (see WEBHOOK_CATCH_UP_EVERY_MS), so a change is late, never lost.
 */
export function notifyWebhooks(env: Env, team: string, entries: FeedEntry[], waitUntil: ((promise: Promise<unknown>) => void) | undefined): void {
  if (entries.length === 0 || env.WEBHOOK_OUTBOX === undefined) return;
  const quietUntil = teamsWithoutWebhooks.get(team);
  if (quietUntil !== undefined && Date.now() < quietUntil) return;
  const upTo = Math.max(...entries.map((e) => e.seq));
  const notice = outboxFor(env, team)
    .notify(team, entries.filter((e) => e.text !== ""), upTo)
    .then((enabled) => {
      if (teamsWithoutWebhooks.size > 10_000) teamsWithoutWebhooks.clear();
      if (enabled === 0) teamsWithoutWebhooks.set(team, Date.now() + NO_WEBHOOKS_SKIP_MS);
      else teamsWithoutWebhooks.delete(team);
    })
    .catch((error: unknown) => console.error(JSON.stringify({ event: "webhook_notice_failed", team, error: String(error) })));
  waitUntil?.(notice);
}

/** After a team registers an endpoint: this isolate tells its outbox again at once. */
export function webhooksChanged(team: string): void {
  teamsWithoutWebhooks.delete(team);
}

/** How long an isolate stops telling an outbox that said it has no endpoint (less than WEBHOOK_CATCH_UP_EVERY_MS). */
const NO_WEBHOOKS_SKIP_MS = 2000;
/** Per isolate: team -> until when its outbox is known to have no enabled endpoint. */
const teamsWithoutWebhooks = new Map<string, number>();
