import { createApp } from "./app.ts";
import type { Env } from "./env.ts";
import { sweep } from "./resources.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  /** Cron (wrangler.toml): resolves transactions whose holds outlived their lease. */
  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(
      sweep(env, (promise) => ctx.waitUntil(promise)).then((resolved) => {
        if (resolved > 0) console.log(JSON.stringify({ event: "tx_recovery", resolved }));
      }),
    );
  },
} satisfies ExportedHandler<Env>;

export { TeamHub } from "./live/team-hub.ts";
