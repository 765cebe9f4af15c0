import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { httpSender, median, percentile } from "../load.ts";
import { ratioOfRounds, round, summarise, type Ratio, type Row } from "../report.ts";
import type { BenchContext } from "../run.ts";
import { sideBySide, throughput } from "../side-by-side.ts";
import { runWrk, type WrkResult } from "../wrk.ts";
import { calendarSeriesSection } from "./calendar-series.ts";
import { freePort } from "../../dev/ports.ts";
import { startWranglerDev, type RunningWorker } from "../../dev/wrangler-dev.ts";

const HOUR = 3_600_000;

/**
 * Books `ctx.rounds` x `perRound` events one after another in free half-hour slots of a random
 * far-future year, each id `${prefix}-${round}-${i}`; `onSend(id)` runs just before its POST.
 * Returns how many were booked (every one must be: anything but 201 throws).
 */
export async function bookOneAfterAnother(ctx: BenchContext, token: string, options: { prefix: string; perRound: number; year: number; onSend: (id: string) => void }): Promise<number> {
  const base = Date.UTC(options.year, 0, 1) + Math.floor(Math.random() * 1000) * 24 * HOUR;
  let booked = 0;
  for (let round = 0; round < ctx.rounds; round++) {
    for (let i = 0; i < options.perRound; i++) {
      const id = `${options.prefix}-${round}-${i}`;
      const start = base + booked * HOUR;
      options.onSend(id);
      const res = await fetch(`${ctx.workerUrl}/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ id, title: options.prefix, starts_at: new Date(start).toISOString(), ends_at: new Date(start + HOUR / 2).toISOString() }),
      });
      if (res.status !== 201) throw new Error(`booking answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
      booked++;
    }
  }
  return booked;
}

/** Creates a team through the admin API and returns a member's token. */
export async function teamToken(ctx: BenchContext, team: string): Promise<string> {
  const res = await fetch(`${ctx.workerUrl}/admin/teams`, {
    method: "POST",
    headers: { authorization: `Bearer ${ctx.adminSecret}`, "content-type": "application/json" },
    body: JSON.stringify({ team, members: ["bench"] }),
  });
  if (res.status !== 201) throw new Error(`creating team ${team}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { tokens: Record<string, string> }).tokens.bench!;
}

/**
 * The calendar API through `wrangler dev`:
 * - POST /events with no conflicts (a fresh slot each time) against GET /ping, side by side;
 * - a conflict storm: 100 concurrent bookings of one slot, per round;
 * - GET /events?from&to over a team of 10,000 events against the same window on a team of 24,
 *   which shows whether the query scans the calendar or only the window;
 * - series (calendar-series.ts).
 */
export async function calendarApiSuite(ctx: BenchContext): Promise<{ rows: Row[]; ratios: Ratio[]; notes: string[] }> {
  const rows: Row[] = [];
  const ratios: Ratio[] = [];
  const notes: string[] = [];
  const auth = (token: string) => ({ authorization: `Bearer ${token}`, "content-type": "application/json" });

  // 1. Bookings without conflicts, against the empty route, beside the floor worker
  // (bench/floor-worker): one JSON body, one Redis write, nothing else.
  const writer = await teamToken(ctx, "bench-writes");
  const concurrency = 16;
  const floorDir = mkdtempSync(join(tmpdir(), "groupsync-floor-"));
  const floor = await startFloorWorker(ctx, floorDir);
  const wrkRounds: Array<{ ping: WrkResult; post: WrkResult; floorPing: WrkResult; floorPost: WrkResult }> = [];
  try {
    let slot = 0;
    const base = Date.UTC(2027, 0, 1);
    const booking = () => {
      const start = base + slot++ * HOUR;
      return JSON.stringify({ title: "Bench", starts_at: new Date(start).toISOString(), ends_at: new Date(start + HOUR / 2).toISOString() });
    };
    const post = httpSender({ url: `${ctx.workerUrl}/events`, method: "POST", headers: auth(writer), body: booking, concurrency, expectStatus: 201 });
    const ping = httpSender({ url: `${ctx.workerUrl}/ping`, concurrency });
    const floorPost = httpSender({ url: `${floor.url}/floor`, method: "POST", headers: { "content-type": "application/json" }, body: booking, concurrency, expectStatus: 201 });
    const floorPing = httpSender({ url: `${floor.url}/ping`, concurrency });
    const writes = await sideBySide(ctx, concurrency, { ping: ping.send, post: post.send, floorPing: floorPing.send, floorPost: floorPost.send });
    for (const sender of [post, ping, floorPost, floorPing]) sender.close();
    rows.push(summarise("calendar", "GET /ping (empty route)", concurrency, writes.ping), summarise("calendar", "POST /events, no conflict", concurrency, writes.post));
    ratios.push(
      { suite: "calendar", name: `POST /events over /ping throughput, ${concurrency} in flight`, value: ratioOfRounds(writes.post, writes.ping, throughput), explains: "target >= 0.6" },
      { suite: "calendar", name: `floor worker: POST /floor over its /ping throughput, ${concurrency} in flight`, value: ratioOfRounds(writes.floorPost, writes.floorPing, throughput), explains: "the most any write can reach through wrangler dev here" },
      { suite: "calendar", name: `POST /events over POST /floor throughput, ${concurrency} in flight`, value: ratioOfRounds(writes.post, writes.floorPost, throughput), explains: "what validation, auth, the Lua script and the feed cost" },
    );

    // 1b. The same four driven by wrk, which leaves more of the 2 cores to the workers than Node's fetch.
    for (let r = 0; r < ctx.rounds; r++) {
      const hours = Math.floor((Date.UTC(2040, 0, 1) - Date.UTC(1970, 0, 1)) / HOUR) + r * 10_000_000;
      const slotLua = `(${hours} + thread_id * 1000000 + counter) * 3600`;
      const bodyLua = `string.format('{"title":"Bench","starts_at":"%s","ends_at":"%s"}', os.date("!%Y-%m-%dT%H:%M:%SZ", ${slotLua}), os.date("!%Y-%m-%dT%H:%M:%SZ", ${slotLua} + 1800))`;
      const seconds = Math.max(2, Math.round(ctx.durationMs / 1000));
      const ping = await runWrk({ url: `${ctx.workerUrl}/ping`, connections: concurrency, seconds });
      const posted = await runWrk({ url: `${ctx.workerUrl}/events`, method: "POST", headers: auth(writer), bodyLua, connections: concurrency, seconds });
      const floorPing = await runWrk({ url: `${floor.url}/ping`, connections: concurrency, seconds });
      const floorPost = await runWrk({ url: `${floor.url}/floor`, method: "POST", headers: { "content-type": "application/json" }, bodyLua, connections: concurrency, seconds });
      wrkRounds.push({ ping, post: posted, floorPing, floorPost });
    }
  } finally {
    await floor.process.stop();
    rmSync(floorDir, { recursive: true, force: true });
  }
  const rps = (pick: (r: (typeof wrkRounds)[number]) => WrkResult) => round(median(wrkRounds.map((r) => pick(r).requestsPerSecond)));
  const ratioOf = (a: (r: (typeof wrkRounds)[number]) => WrkResult, b: (r: (typeof wrkRounds)[number]) => WrkResult) =>
    round(median(wrkRounds.map((r) => a(r).requestsPerSecond / b(r).requestsPerSecond)));
  const wrkErrors = wrkRounds.reduce((sum, r) => sum + [r.ping, r.post, r.floorPing, r.floorPost].reduce((s, w) => s + w.non2xx + w.socketErrors, 0), 0);
  notes.push(
    `wrk, ${concurrency} connections: /ping ${rps((r) => r.ping)} req/s, POST /events ${rps((r) => r.post)} req/s; floor worker: /ping ${rps((r) => r.floorPing)} req/s, POST /floor ${rps((r) => r.floorPost)} req/s (medians of ${ctx.rounds}); ${wrkErrors} non-2xx or socket errors`,
  );
  ratios.push(
    { suite: "calendar", name: `POST /events over /ping throughput, wrk, ${concurrency} connections`, value: ratioOf((r) => r.post, (r) => r.ping), explains: "target >= 0.6 (median of per-round ratios)" },
    { suite: "calendar", name: "floor worker: POST /floor (one Redis write) over its /ping, wrk", value: ratioOf((r) => r.floorPost, (r) => r.floorPing), explains: "the most any write can reach through wrangler dev here" },
    { suite: "calendar", name: "POST /events over POST /floor throughput, wrk", value: ratioOf((r) => r.post, (r) => r.floorPost), explains: "what validation, auth, the Lua script and the feed cost" },
  );

  // 2. Conflict storms: 100 bookings of one slot at once, a fresh slot per round.
  const stormLatencies: number[] = [];
  const outcomes = { created: 0, conflict: 0, other: 0 };
  for (let r = 0; r < ctx.rounds; r++) {
    const start = new Date(Date.UTC(2030, 0, 1) + r * HOUR).toISOString();
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const t0 = performance.now();
        const res = await fetch(`${ctx.workerUrl}/events`, { method: "POST", headers: auth(writer), body: JSON.stringify({ id: `storm-${r}-${i}`, title: "Storm", starts_at: start }) });
        await res.arrayBuffer();
        stormLatencies.push(performance.now() - t0);
        if (res.status === 201) outcomes.created++;
        else if (res.status === 409) outcomes.conflict++;
        else outcomes.other++;
      }),
    );
  }
  stormLatencies.sort((a, b) => a - b);
  rows.push({
    suite: "calendar",
    name: "conflict storm: 100 concurrent bookings of one slot",
    concurrency: 100,
    rounds: ctx.rounds,
    p50_ms: round(percentile(stormLatencies, 50)),
    p99_ms: round(percentile(stormLatencies, 99)),
    req_per_s: 0,
    errors: outcomes.other,
  });
  notes.push(`conflict storm over ${ctx.rounds} rounds: ${outcomes.created} x 201, ${outcomes.conflict} x 409, ${outcomes.other} other (want ${ctx.rounds}, ${ctx.rounds * 99}, 0)`);

  // 3. Window queries: 10,000 events vs 24, the same 24 in the window.
  const big = await teamToken(ctx, "bench-big");
  const small = await teamToken(ctx, "bench-small");
  const windowStart = Date.UTC(2027, 5, 1);
  const seed = async (token: string, count: number, firstHour: number) => {
    let next = 0;
    const sender = httpSender({
      url: `${ctx.workerUrl}/events`,
      method: "POST",
      headers: auth(token),
      body: () => {
        const start = windowStart + (firstHour + next++) * HOUR;
        return JSON.stringify({ title: "Seed", starts_at: new Date(start).toISOString() });
      },
      concurrency: 32,
      expectStatus: 201,
    });
    while (next < count) await Promise.all(Array.from({ length: Math.min(32, count - next) }, () => sender.send()));
    sender.close();
  };
  const seeded = performance.now();
  await seed(big, 10_000, -5_000); // 5,000 hours before the window's start and 5,000 from it
  await seed(small, 24, 0);
  notes.push(`seeded 10,024 events through the API in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
  const window = `from=${new Date(windowStart).toISOString()}&to=${new Date(windowStart + 24 * HOUR).toISOString()}&limit=100`;
  const listBig = httpSender({ url: `${ctx.workerUrl}/events?${window}`, headers: auth(big), concurrency: 1 });
  const listSmall = httpSender({ url: `${ctx.workerUrl}/events?${window}`, headers: auth(small), concurrency: 1 });
  const check = (await (await fetch(`${ctx.workerUrl}/events?${window}`, { headers: auth(big) })).json()) as { events: unknown[] };
  if (check.events.length !== 24) throw new Error(`the window should hold 24 events, got ${check.events.length}`);
  const lists = await sideBySide(ctx, 1, { small: listSmall.send, big: listBig.send });
  listBig.close();
  listSmall.close();
  rows.push(summarise("calendar", "GET /events 1-day window, team of 24", 1, lists.small), summarise("calendar", "GET /events 1-day window, team of 10,000", 1, lists.big));
  ratios.push({
    suite: "calendar",
    name: "window query p50, 10,000 events over 24",
    value: ratioOfRounds(lists.big, lists.small, (r) => percentile(r.latencies, 50)),
    explains: "about 1 when the query reads only the window",
  });

  // 4. Series: one of 104 occurrences against a plain booking; a booking among 100 series.
  const series = await calendarSeriesSection(ctx);
  rows.push(...series.rows);
  ratios.push(...series.ratios);
  return { rows, ratios, notes };
}

/** bench/floor-worker under its own `wrangler dev`, on the bench's gateway. */
async function startFloorWorker(ctx: BenchContext, persistDir: string): Promise<RunningWorker> {
  return startWranglerDev({
    port: await freePort(),
    config: fileURLToPath(new URL("../floor-worker/wrangler.toml", import.meta.url)),
    persistDir,
    vars: { UPSTASH_REDIS_REST_URL: ctx.gatewayUrl, UPSTASH_REDIS_REST_TOKEN: ctx.gatewayToken },
  });
}
