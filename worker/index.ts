import { createApp } from "./app.ts";
import type { Env } from "./env.ts";
import { sweep } from "./resources.ts";
import { dependencyOutage } from "./storage/dependency-failure.ts";
import { refreshExternalCalendars } from "./people/external-calendars.ts";
import { moveSeriesHorizons } from "./calendar/horizon-sweep.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  /** Cron (wrangler.toml): resolves transactions whose holds outlived their lease, keeps the horizons of series without an end ahead, and fetches members' external calendars that are due. */
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(moveSeriesHorizons(env, Date.now()));
    ctx.waitUntil(refreshExternalCalendars(env));
    ctx.waitUntil(
      sweep(env, (promise) => ctx.waitUntil(promise)).then(
        (resolved) => {
          if (resolved > 0) console.log(JSON.stringify({ event: "tx_recovery", resolved }));
        },
        (error: unknown) => {
          // A store that is down or frozen is no bug of the sweep's: say so in one line and finish,
          // the next run retries (an uncaught error here failed the whole scheduled run).
          const outage = dependencyOutage(error);
          if (outage === null) throw error;
          console.warn(JSON.stringify({ event: "tx_recovery_postponed", reason: outage.reason, retry: "next scheduled run" }));
        },
      ),
    );
  },
} satisfies ExportedHandler<Env>;

export { TeamHub } from "./live/team-hub.ts";
export { WebhookOutbox } from "./webhooks/outbox.ts";
