/**
 * `wrangler dev` never fires cron triggers; `npm run dev` does, on wrangler.toml's schedule. An
 * abandoned transaction is aborted and its holds released within its lease plus one minute, with
 * no request touching it: the test watches Redis directly and sends the worker nothing meanwhile.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createClient } from "redis";
import { afterAll, describe, expect, it } from "vitest";
import { isolatedDevEnv, killAllDevStacks, runDev } from "../helpers/dev-stack.ts";
import { stopAll } from "../helpers/processes.ts";

afterAll(async () => {
  killAllDevStacks();
  await stopAll();
});

describe("npm run dev runs the recovery sweep", () => {
  it("aborts an abandoned transaction and releases its hold within its lease plus a minute", { timeout: 120_000 }, async () => {
    const env = await isolatedDevEnv({ TX_IDLE_TIMEOUT: "2s" });
    const stack = runDev(env);
    await stack.ready;
    const base = `http://127.0.0.1:${env.PORT}`;
    // The dev Redis is password-protected; the developer's password is in the data folder.
    const { adminPassword } = JSON.parse(readFileSync(join(env.GROUPSYNC_DATA_DIR!, "redis-users.json"), "utf8")) as { adminPassword: string };
    const redis = createClient({ url: `redis://127.0.0.1:${env.REDIS_PORT}`, username: "default", password: adminPassword });
    await redis.connect();
    try {
      const opened = await fetch(`${base}/tx`, { method: "POST" });
      expect(opened.status).toBe(201);
      const { tx_id: tx } = (await opened.json()) as { tx_id: string };
      const slot = { title: "Abandoned launch", starts_at: "2031-03-04T14:00:00Z", ends_at: "2031-03-04T15:00:00Z" };
      const op = await fetch(`${base}/tx/${tx}/ops`, { method: "POST", body: JSON.stringify({ type: "calendar.create", data: slot }) });
      expect(op.ok).toBe(true);
      const leaseEndsAt = Date.now() + 2_000;
      // The hold is real: the open team's leases name the transaction.
      expect(await redis.zScore("gs:{local}:leases", tx)).not.toBeNull();

      // From here on, nothing is sent to the worker: only the dev stack's cron can resolve it.
      const deadline = leaseEndsAt + 60_000 + 5_000;
      let released = false;
      while (!released && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const decision = await redis.get(`gs:{local}:tx:${tx}:decision`);
        const lease = await redis.zScore("gs:{local}:leases", tx);
        const holds = await redis.keys(`gs:{local}:event:hold:${tx}:*`);
        released = decision === "abort" && lease === null && holds.length === 0;
      }
      expect(released, "transaction aborted and hold released by the sweep").toBe(true);
      expect(Date.now() - leaseEndsAt).toBeLessThan(65_000);

      // Now the API agrees: the transaction is aborted and its slot is free.
      const state = (await (await fetch(`${base}/tx/${tx}`)).json()) as { state: string };
      expect(state.state).toBe("aborted");
      expect((await fetch(`${base}/events`, { method: "POST", body: JSON.stringify(slot) })).status).toBe(201);
    } finally {
      await redis.quit();
    }
  });
});
