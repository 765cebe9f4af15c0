/**
 * Fires the worker's scheduled handler on wrangler.toml's cron schedule, through the endpoint
 * `wrangler dev` exposes for it (/cdn-cgi/local/scheduled), because `wrangler dev` never fires
 * crons itself. Each minute that matches a cron fires it once, a moment after the minute begins.
 */
import type { CronSchedule } from "./cron.ts";

export interface CronTickerOptions {
  url: string;
  crons: readonly CronSchedule[];
  /** Told of every firing that failed (the worker restarting, say); the next minute tries again. */
  onFailure?: (line: string) => void;
  onFired?: (cron: string) => void;
}

export function startCronTicker(options: CronTickerOptions): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const scheduleNext = () => {
    if (stopped) return;
    const now = Date.now();
    const nextMinute = Math.floor(now / 60_000) * 60_000 + 60_000;
    timer = setTimeout(() => void fire(new Date(nextMinute)), nextMinute - now + 100);
    timer.unref();
  };
  const fire = async (minute: Date) => {
    scheduleNext();
    for (const cron of options.crons) {
      if (!cron.matches(minute)) continue;
      try {
        const answer = await fetch(`${options.url}/cdn-cgi/local/scheduled?cron=${encodeURIComponent(cron.expression)}`, { signal: AbortSignal.timeout(30_000) });
        await answer.body?.cancel();
        if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
        options.onFired?.(cron.expression);
      } catch (error) {
        options.onFailure?.(`scheduled run "${cron.expression}" at ${minute.toISOString()} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  scheduleNext();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
