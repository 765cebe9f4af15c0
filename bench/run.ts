#!/usr/bin/env node
/**
 * `npm run bench`: starts its own stack (redis-server, gateway, wrangler dev) on free ports,
 * runs each suite in interleaved rounds, prints a table and writes JSON under .bench/.
 * BENCH_ROUNDS (default 5) and BENCH_SECONDS per measurement (default 2) trade time for noise;
 * BENCH_SUITES=redis,worker,calendar,tx,live,webhooks,find-time,agent,partition,history picks suites. The stack starts only if a
 * chosen suite needs it: `agent` and `partition` run their own groupsync-agent processes and nothing else
 * (`partition` in network namespaces, as root); `history` (only when named) its own two-store stack under faults.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { startGatewayProcess } from "../dev/gateway-process.ts";
import { QUOTAS_OFF, RATE_LIMITS_OFF } from "../test/helpers/limits.ts";
import type { ManagedProcess } from "../dev/managed-process.ts";
import { freePort } from "../dev/ports.ts";
import { startRedisServer } from "../dev/redis-server.ts";
import { startWranglerDev } from "../dev/wrangler-dev.ts";
import { printTable, writeResults, type Ratio, type Row } from "./report.ts";
import { agentPartitionSuite } from "./suites/agent-partition.ts";
import { agentTimerSuite } from "./suites/agent-timer.ts";
import { liveFeedSuite } from "./suites/live-feed.ts";
import { calendarApiSuite } from "./suites/calendar-api.ts";
import { historySuite } from "./suites/history.ts";
import { focusStatsSuite } from "./suites/focus-stats.ts";
import { findTimeSuite } from "./suites/find-time.ts";
import { redisGatewaySuite } from "./suites/redis-gateway.ts";
import { transactionsSuite } from "./suites/transactions.ts";
import { webhooksSuite } from "./suites/webhooks.ts";
import { workerHealthSuite } from "./suites/worker-health.ts";

export interface BenchSettings {
  rounds: number;
  durationMs: number;
}

export interface BenchContext extends BenchSettings {
  redisUrl: string;
  gatewayUrl: string;
  gatewayToken: string;
  workerUrl: string;
  adminSecret: string;
}

/** A figure measured against a target (an upper bound); target and pass are null for figures shown for context. */
export interface Check {
  suite: string;
  name: string;
  value: number;
  unit: string;
  target: string | null;
  pass: boolean | null;
}

interface SuiteResult {
  rows: Row[];
  ratios: Ratio[];
  notes?: string[];
  checks?: Check[];
}

/** A suite either needs redis-server, the gateway and wrangler dev (the stack), or only the settings. */
type Suite = (
  | { needsStack: true; run: (ctx: BenchContext) => Promise<SuiteResult> }
  | { needsStack: false; run: (settings: BenchSettings) => Promise<SuiteResult> }
) & { /** Runs only when BENCH_SUITES names it (a long fault run, not a measurement). */ onlyByName?: true };

const SUITES: Record<string, Suite> = {
  redis: { needsStack: true, run: redisGatewaySuite },
  worker: { needsStack: true, run: workerHealthSuite },
  calendar: { needsStack: true, run: calendarApiSuite },
  tx: { needsStack: true, run: transactionsSuite },
  live: { needsStack: true, run: liveFeedSuite },
  webhooks: { needsStack: true, run: webhooksSuite },
  agent: { needsStack: false, run: agentTimerSuite },
  partition: { needsStack: false, run: agentPartitionSuite },
  history: { needsStack: false, run: historySuite, onlyByName: true },
  focus: { needsStack: true, run: focusStatsSuite, onlyByName: true },
  "find-time": { needsStack: true, run: findTimeSuite },
};

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const durationMs = Number(process.env.BENCH_SECONDS ?? 2) * 1000;
const dataDir = mkdtempSync(join(tmpdir(), "groupsync-bench-"));
const processes: ManagedProcess[] = [];

async function startStack(): Promise<BenchContext> {
  const redis = await startRedisServer({ port: await freePort(), dataDir: join(dataDir, "redis") });
  processes.push(redis.process);
  const token = randomBytes(24).toString("base64url");
  const gateway = await startGatewayProcess({ port: await freePort(), redisUrl: redis.url, token });
  processes.push(gateway.process);
  const adminSecret = randomBytes(18).toString("base64url");
  const worker = await startWranglerDev({
    port: await freePort(),
    persistDir: join(dataDir, "wrangler"),
    // The bench sends thousands of writes per member and books more events into a team than any quota allows.
    vars: { GROUPSYNC_ENV: "bench", UPSTASH_REDIS_REST_URL: gateway.url, UPSTASH_REDIS_REST_TOKEN: token, ADMIN_SECRET: adminSecret, ...RATE_LIMITS_OFF, ...QUOTAS_OFF },
  });
  processes.push(worker.process);

  return { redisUrl: redis.url, gatewayUrl: gateway.url, gatewayToken: token, workerUrl: worker.url, adminSecret, rounds, durationMs };
}

async function main(): Promise<void> {
  const only = process.env.BENCH_SUITES?.split(",");
  const unknown = (only ?? []).filter((name) => !(name in SUITES));
  if (unknown.length > 0) throw new Error(`BENCH_SUITES: unknown suite ${unknown.join(", ")}; known: ${Object.keys(SUITES).join(", ")}`);
  const chosen = Object.entries(SUITES).filter(([name, suite]) => (only === undefined ? !suite.onlyByName : only.includes(name)));
  const settings: BenchSettings = { rounds, durationMs };
  let ctx: BenchContext | null = null;
  console.log(`GroupSync bench: node ${process.version}, ${cpus().length} cores, ${rounds} rounds x ${durationMs / 1000} s per measurement`);
  console.log("Figures are medians over rounds; ratios are medians of per-round ratios measured side by side.\n");

  const rows: Row[] = [];
  const ratios: Ratio[] = [];
  const notes: string[] = [];
  const checks: Check[] = [];
  for (const [, suite] of chosen) {
    // Started once, by the first suite that needs it.
    const result = suite.needsStack ? await suite.run((ctx ??= await startStack())) : await suite.run(settings);
    rows.push(...result.rows);
    ratios.push(...result.ratios);
    notes.push(...(result.notes ?? []));
    checks.push(...(result.checks ?? []));
  }
  printTable(rows, ratios);
  for (const note of notes) console.log(note);
  const file = writeResults(".bench", { time: new Date().toISOString(), node: process.version, cores: cpus().length, rounds, seconds: durationMs / 1000, rows, ratios, notes, checks });
  console.log(`\nwritten to ${file} (and .bench/latest.json)`);
}

async function cleanup(): Promise<void> {
  for (const p of processes.reverse()) await p.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

process.on("SIGINT", () => void cleanup().then(() => process.exit(130)));
main()
  .then(cleanup)
  .catch(async (error: unknown) => {
    console.error(error);
    await cleanup();
    process.exit(1);
  });
