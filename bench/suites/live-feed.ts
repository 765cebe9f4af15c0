import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { FrontProxy } from "../../dev/front-proxy.ts";
import { freePort } from "../../dev/ports.ts";
import { commandLine, descendantsOf } from "../../dev/process-tree.ts";
import { LiveClient } from "../../test/helpers/live-client.ts";
import { createTeamTokens } from "../../test/helpers/teams.ts";
import { httpSender, percentile } from "../load.ts";
import { checkBelow, formatCheck, samplesRow, type Row } from "../report.ts";
import type { BenchContext, Check } from "../run.ts";
import { clockTicksPerSecond, cpuTicks, rssMb } from "./agent-timer.ts";

const CLIENTS = 50;
const BOOKINGS_PER_ROUND = 40;
const FLOOD_MESSAGES = 50_000;
const JOINING_SOCKETS = 500;
/**
 * The joins again, spread over this long: a real team's members open their dashboards from their
 * own machines, not in one burst from one process that competes with workerd for the same cores.
 */
const JOIN_SPREAD_MS = 5_000;
/**
 * Memory target per open socket, for the workerd process that holds the hub: under `wrangler dev`
 * it is nearly all the runtime's own buffers for the socket (wrangler's proxy workerd, which runs no
 * hub code, grows about half as much per socket); the hub's own state is a few hundred bytes.
 */
const MB_PER_SOCKET = 1;
const HOUR = 3_600_000;
const HELPERS = fileURLToPath(new URL("../../test/helpers/", import.meta.url));

/**
 * The live feed (GET /ws) under `wrangler dev`:
 * - 50 clients of one team and bookings made one after another: from each POST /events until each
 *   client has its `event.created`; every client gets every booking once, in seq order;
 * - the first change after 50 fresh sockets had hello on a hub the worker had just found idle;
 * - GET /health while one socket floods the hub with 50,000 messages (from another process), side by
 *   side with /health alone, per round: a client that stops once it sees the hub's Close, straight to
 *   wrangler, and a raw one that writes out every message regardless, through the dev stack's front
 *   proxy (which cuts a client past the hub's rate). A raw flood straight to wrangler is not run: the
 *   runtime dispatches every queued frame, which kept it from answering /ping for minutes;
 * - GET /health while 500 sockets (50 members) join one team at once, and the workerd process's
 *   memory growth for them; then the same joins spread over JOIN_SPREAD_MS.
 */
export async function liveFeedSuite(ctx: BenchContext): Promise<{ rows: Row[]; ratios: never[]; notes: string[]; checks: Check[] }> {
  const parts: Part[] = [];
  for (const [name, part] of [["bookings", bookingsToClients], ["first change", firstChangeAfterJoin], ["flood", healthUnderFlood], ["joins", healthWhileJoining]] as const) {
    console.error(`live: ${name}...`);
    parts.push(await part(ctx));
  }
  const checks = parts.flatMap((p) => p.checks);
  return { rows: parts.flatMap((p) => p.rows), ratios: [], notes: [...parts.flatMap((p) => p.notes), ...checks.map(formatCheck)], checks };
}

type Part = { rows: Row[]; checks: Check[]; notes: string[] };

/** A team of `members` members m0, m1...: their tokens in member order. */
async function team(ctx: BenchContext, prefix: string, members: number): Promise<string[]> {
  const names = Array.from({ length: members }, (_, i) => `m${i}`);
  const tokens = await createTeamTokens(ctx.workerUrl, ctx.adminSecret, `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`, names);
  return names.map((name) => tokens[name]!);
}

/** CLIENTS sockets, ten per member (a member may hold LIVE_MAX_SOCKETS_PER_MEMBER, 10 by default). */
function openClients(ctx: BenchContext, tokens: string[]): Promise<LiveClient[]> {
  return Promise.all(Array.from({ length: CLIENTS }, (_, i) => LiveClient.open(ctx.workerUrl, tokens[i % tokens.length]!)));
}

async function post(ctx: BenchContext, token: string, path: string, body: unknown, expected = 201): Promise<void> {
  const res = await fetch(`${ctx.workerUrl}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  if (res.status !== expected) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

/**
 * When each client received the change of `type` that `match`es, looking only at messages after
 * `from` (each client's count of messages already looked at; advanced past those read): the process
 * that receives the messages polls this every 10 ms, so it must not rescan every message each time.
 */
function receiptsOf(clients: LiveClient[], type: string, match: (m: Record<string, unknown>) => boolean, from = clients.map(() => 0)): number[] {
  return clients.flatMap((c, k) => {
    const found: number[] = [];
    for (let i = from[k]!; i < c.messages.length; i++) if (c.messages[i]!.type === type && match(c.messages[i]!)) found.push(c.arrivals[i]!);
    return found;
  });
}

/** Waits until every client has the change (at most `ms`), looking at messages after `from` (counts taken before the write); when each received it. */
async function receiptsOnEvery(clients: LiveClient[], type: string, match: (m: Record<string, unknown>) => boolean, from: number[], ms: number): Promise<number[]> {
  const receipts: number[] = [];
  const looked = [...from];
  await waitFor(() => {
    for (const [k, c] of clients.entries()) {
      receipts.push(...receiptsOf([c], type, match, [looked[k]!]));
      looked[k] = c.messages.length;
    }
    return receipts.length >= clients.length;
  }, ms);
  return receipts;
}

async function waitFor(test: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function bookingsToClients(ctx: BenchContext): Promise<Part> {
  const tokens = await team(ctx, "bench-live", CLIENTS / 10);
  const clients = await openClients(ctx, tokens);
  const latencies: number[] = [];
  const base = Date.UTC(2032, 0, 1) + Math.floor(Math.random() * 1000) * 24 * HOUR;
  let booked = 0;
  for (let round = 0; round < ctx.rounds; round++) {
    for (let i = 0; i < BOOKINGS_PER_ROUND; i++) {
      const id = `live-${round}-${i}`;
      const start = base + booked * HOUR;
      const sentAt = performance.now();
      const from = clients.map((c) => c.messages.length);
      await post(ctx, tokens[0]!, "/events", { id, title: "Live", starts_at: new Date(start).toISOString(), ends_at: new Date(start + HOUR / 2).toISOString() });
      booked++;
      latencies.push(...(await receiptsOnEvery(clients, "event.created", (m) => m.id === id, from, 5000)).map((at) => at - sentAt));
    }
  }
  const seqs = clients.map((c) => c.ofType("event.created").map((m) => m.seq as number));
  const inOrder = seqs.every((list) => list.every((seq, i) => i === 0 || seq === list[i - 1]! + 1));
  const complete = seqs.every((list) => list.length === booked);
  for (const client of clients) client.close();
  latencies.sort((a, b) => a - b);
  const [p50, p99] = [percentile(latencies, 50), percentile(latencies, 99)];
  return {
    rows: [{ ...samplesRow("live", `POST /events -> receipt on ${CLIENTS} WebSocket clients`, 1, latencies), rounds: ctx.rounds, errors: booked * CLIENTS - latencies.length }],
    checks: [
      checkBelow("live", `booking to receipt on ${CLIENTS} clients, p50`, p50, "ms", null),
      checkBelow("live", `booking to receipt on ${CLIENTS} clients, p99`, p99, "ms", 50),
      { suite: "live", name: "every client got every booking, in seq order, once", value: complete && inOrder ? 1 : 0, unit: "bool", target: "1", pass: complete && inOrder },
    ],
    notes: [`live: ${booked} bookings x ${CLIENTS} clients = ${latencies.length} deliveries measured (${booked * CLIENTS} expected)`],
  };
}

/** Per round: a write to a team nobody listens to (its hub answers "no sockets"), 50 sockets join, and at once the next write. */
async function firstChangeAfterJoin(ctx: BenchContext): Promise<Part> {
  const latencies: number[] = [];
  for (let round = 0; round < ctx.rounds; round++) {
    const tokens = await team(ctx, "bench-first", CLIENTS / 10);
    await post(ctx, tokens[0]!, "/goals", { title: "nobody listens yet" });
    const clients = await openClients(ctx, tokens);
    const sentAt = performance.now();
    await post(ctx, tokens[0]!, "/goals", { title: "first change" });
    await waitFor(() => receiptsOf(clients, "goal.created", () => true).length === CLIENTS, 5000);
    latencies.push(...receiptsOf(clients, "goal.created", () => true).map((at) => at - sentAt));
    for (const client of clients) client.close();
  }
  latencies.sort((a, b) => a - b);
  return {
    rows: [samplesRow("live", `first change after ${CLIENTS} fresh sockets' hello`, 1, latencies)],
    checks: [
      checkBelow("live", `first change after ${CLIENTS} fresh sockets' hello, p50`, percentile(latencies, 50), "ms", null),
      checkBelow("live", `first change after ${CLIENTS} fresh sockets' hello, p99`, percentile(latencies, 99), "ms", 50),
    ],
    notes: [`live: first change after join: ${latencies.length} deliveries over ${ctx.rounds} fresh teams (${ctx.rounds * CLIENTS} expected)`],
  };
}

/**
 * GET /health, one in flight, from now until `until` settles and at least `minMs` passed; latencies
 * sorted. A /health that fails (503: Redis did not answer within HEALTH_TIMEOUT_MS) counts with its
 * latency and in `errors`.
 */
async function healthWhile(ctx: BenchContext, until: Promise<unknown>, minMs: number, errors = { count: 0 }): Promise<number[]> {
  const health = httpSender({ url: `${ctx.workerUrl}/health`, concurrency: 1 });
  let done = false;
  until.then(
    () => (done = true),
    () => (done = true),
  );
  const started = performance.now();
  const latencies: number[] = [];
  try {
    while (!done || performance.now() - started < minMs) {
      const t0 = performance.now();
      await health.send().catch(() => errors.count++);
      latencies.push(performance.now() - t0);
    }
  } finally {
    health.close();
  }
  return latencies.sort((a, b) => a - b);
}

/** A helper script (test/helpers/), talked to by lines: resolves its next stdout line on demand. */
function script(name: string, args: string[]) {
  const child = spawn(process.execPath, [join(HELPERS, name), ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const lines: string[] = [];
  const waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  let gone = false;
  createInterface({ input: child.stdout }).on("line", (line) => {
    const waiter = waiting.shift();
    if (waiter === undefined) lines.push(line);
    else waiter.resolve(line);
  });
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code) => {
      gone = true;
      for (const waiter of waiting.splice(0)) waiter.reject(new Error(`${name} exited (${code}) before answering`));
      resolve();
    }),
  );
  return {
    nextLine: () =>
      new Promise<string>((resolve, reject) => {
        if (lines.length > 0) resolve(lines.shift()!);
        else if (gone) reject(new Error(`${name} exited before answering`));
        else waiting.push({ resolve, reject });
      }),
    send: (line: string) => child.stdin.write(`${line}\n`),
    end: () => child.stdin.end(),
    exited,
  };
}

/**
 * Per round and message size: /health alone, then while another process floods one socket of the
 * team straight to wrangler, then through the front proxy (`npm run dev`'s port).
 */
async function healthUnderFlood(ctx: BenchContext): Promise<Part> {
  const [flooder] = await team(ctx, "bench-flood", 1);
  // What the flood costs the server apart from the machine's load (the flooder runs on the same cores here).
  const workerds = workerdPids(ctx.workerUrl);
  const msPerTick = 1000 / clockTicksPerSecond();
  const proxy = new FrontProxy();
  const proxyPort = await freePort();
  await proxy.listen(proxyPort);
  proxy.setUpstream(Number(new URL(ctx.workerUrl).port));
  const routes = [
    { name: "straight to wrangler, client stops at the Close", url: ctx.workerUrl, mode: "polite" },
    { name: "raw, through the front proxy", url: `http://127.0.0.1:${proxyPort}`, mode: "raw" },
  ];
  const rows: Row[] = [];
  const checks: Check[] = [];
  const notes: string[] = [];
  try {
    for (const bytes of [15, 1024]) {
      const quiet: number[] = [];
      const quietErrors = { count: 0 };
      const byRoute = routes.map(() => ({ flooded: [] as number[], errors: { count: 0 }, outcomes: [] as string[], workerdMs: [] as number[] }));
      for (let round = 0; round < ctx.rounds; round++) {
        quiet.push(...(await healthWhile(ctx, Promise.resolve(), ctx.durationMs, quietErrors)));
        for (const [i, route] of routes.entries()) {
          const seen = byRoute[i]!;
          const flood = script("live-flood-script.ts", [route.url, flooder!, String(FLOOD_MESSAGES), String(bytes), route.mode]);
          await flood.nextLine(); // "ready": connected, hello received
          const result = flood.nextLine();
          const ticksBefore = workerds.map(cpuTicks);
          flood.send("go");
          const during = healthWhile(ctx, result, ctx.durationMs, seen.errors);
          seen.outcomes.push(await result);
          seen.flooded.push(...(await during));
          // Up to the end of the /health measurement: frames already queued are dispatched after the flooder left.
          seen.workerdMs.push(workerds.reduce((sum, pid, k) => sum + (cpuTicks(pid) - ticksBefore[k]!) * msPerTick, 0));
          await flood.exited;
        }
      }
      quiet.sort((a, b) => a - b);
      const what = `${FLOOD_MESSAGES} x ${bytes} B`;
      rows.push({ ...samplesRow("live", `GET /health alone (next to the ${bytes} B flood)`, 1, quiet), errors: quietErrors.count });
      for (const [i, route] of routes.entries()) {
        const seen = byRoute[i]!;
        seen.flooded.sort((a, b) => a - b);
        rows.push({ ...samplesRow("live", `GET /health during a flood of ${what}, ${route.name}`, 1, seen.flooded), errors: seen.errors.count });
        checks.push(checkBelow("live", `flood of ${what} ${route.name}: /health p99 moved by`, percentile(seen.flooded, 99) - percentile(quiet, 99), "ms", 50));
        const parsed = seen.outcomes.map((line) => JSON.parse(line) as { sent: number; code: number; ms: number });
        const closed = parsed.every((o) => o.code === 1008);
        checks.push({ suite: "live", name: `flood of ${what} ${route.name}: the flooder saw the hub's 1008 every round`, value: closed ? 1 : 0, unit: "bool", target: "1", pass: closed });
        const cpu = [...seen.workerdMs].sort((a, b) => a - b);
        checks.push(checkBelow("live", `flood of ${what} ${route.name}: workerd CPU (both processes), median`, cpu[Math.floor(cpu.length / 2)] ?? Number.NaN, "ms", null));
        notes.push(
          `live: flood of ${what} ${route.name}: per round ${parsed.map((o, k) => `close ${o.code} after ${o.ms} ms, workerd CPU ${seen.workerdMs[k]?.toFixed(0) ?? "?"} ms`).join("; ")}; /health p99 ${percentile(quiet, 99).toFixed(2)} ms alone, ${percentile(seen.flooded, 99).toFixed(2)} ms during`,
        );
      }
    }
    notes.push(`live: the front proxy cut ${proxy.cut.sockets} flooding sockets and dropped ${(proxy.cut.droppedBytes / 1e6).toFixed(1)} MB of their frames`);
  } finally {
    await proxy.close();
  }
  return { rows, checks, notes };
}

/** /health while JOINING_SOCKETS sockets of 50 members join one team in one burst, then spread over JOIN_SPREAD_MS. */
async function healthWhileJoining(ctx: BenchContext): Promise<Part> {
  const parts = [await joinsOnce(ctx, 0), await joinsOnce(ctx, JOIN_SPREAD_MS)];
  return { rows: parts.flatMap((p) => p.rows), checks: parts.flatMap((p) => p.checks), notes: parts.flatMap((p) => p.notes) };
}

/** One team's JOINING_SOCKETS joins (all at once, or spread over `spreadMs`); the workerd process's memory growth for them. */
async function joinsOnce(ctx: BenchContext, spreadMs: number): Promise<Part> {
  const members = JOINING_SOCKETS / 10;
  const names = Array.from({ length: members }, (_, i) => `m${i}`);
  const tokens = await createTeamTokens(ctx.workerUrl, ctx.adminSecret, `bench-join-${Date.now()}`, names);
  const dir = mkdtempSync(join(tmpdir(), "groupsync-live-bench-"));
  const tokensFile = join(dir, "tokens.json");
  writeFileSync(tokensFile, JSON.stringify(tokens), { mode: 0o600 });
  const workerd = workerdPid(ctx.workerUrl);
  const how = spreadMs === 0 ? "at once" : `over ${spreadMs / 1000} s`;
  try {
    const [quietErrors, joinErrors] = [{ count: 0 }, { count: 0 }];
    const quiet = await healthWhile(ctx, Promise.resolve(), ctx.durationMs, quietErrors);
    const rssBefore = workerd === null ? Number.NaN : rssMb(workerd);
    const joiner = script("live-join-script.ts", [ctx.workerUrl, tokensFile, String(JOINING_SOCKETS), String(spreadMs)]);
    await joiner.nextLine(); // "ready"
    const result = joiner.nextLine();
    joiner.send("go");
    const joining = await healthWhile(ctx, result, ctx.durationMs, joinErrors);
    const outcome = JSON.parse(await result) as { opened: number; retries: number; ms: number; presence_messages: number; all_listed: boolean };
    const rssAfter = workerd === null ? Number.NaN : rssMb(workerd);
    joiner.end();
    await joiner.exited;
    const grown = rssAfter - rssBefore;
    const ok = outcome.opened === JOINING_SOCKETS && outcome.all_listed;
    return {
      rows: [
        { ...samplesRow("live", `GET /health alone (next to the joins ${how})`, 1, quiet), errors: quietErrors.count },
        { ...samplesRow("live", `GET /health while ${JOINING_SOCKETS} sockets join one team ${how}`, 1, joining), errors: joinErrors.count },
      ],
      checks: [
        checkBelow("live", `${JOINING_SOCKETS} sockets joining ${how}: /health p90`, percentile(joining, 90), "ms", 50),
        ...(spreadMs === 0 ? [checkBelow("live", `${JOINING_SOCKETS} sockets joined: workerd memory growth per socket`, grown / JOINING_SOCKETS, "MB", MB_PER_SOCKET)] : []),
        { suite: "live", name: `${JOINING_SOCKETS} sockets joined ${how}, each listing all ${members} members`, value: ok ? 1 : 0, unit: "bool", target: "1", pass: ok },
      ],
      notes: [
        `live: ${outcome.opened} sockets joined ${how} in ${outcome.ms} ms (${outcome.retries} opens retried after a refusal) with ${outcome.presence_messages} presence messages in all (a full list to every socket on each join would be ${(JOINING_SOCKETS * (JOINING_SOCKETS + 1)) / 2}); workerd RSS ${rssBefore.toFixed(1)} -> ${rssAfter.toFixed(1)} MB; /health p90 ${percentile(quiet, 90).toFixed(2)} ms alone, ${percentile(joining, 90).toFixed(2)} ms while joining`,
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The workerd process under the `wrangler dev` serving `workerUrl` (it holds the hubs), or null if not found. */
function workerdPid(workerUrl: string): number | null {
  return workerdPids(workerUrl).sort((a, b) => rssMb(b) - rssMb(a))[0] ?? null;
}

/** Every workerd process under the `wrangler dev` serving `workerUrl`: wrangler's front one and the one running the worker. */
function workerdPids(workerUrl: string): number[] {
  const port = new URL(workerUrl).port;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const line = commandLine(Number(entry));
    if (!line.includes("wrangler") || !line.includes(" dev") || !line.includes(`--port ${port}`)) continue;
    const workerds = descendantsOf(Number(entry)).filter((pid) => commandLine(pid).includes("workerd"));
    if (workerds.length > 0) return workerds;
  }
  return [];
}
