import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { AgentStatus } from "../../agent/status-report.ts";
import { AgentCluster, waitUntil, type Agent } from "../../test/helpers/agents.ts";
import { oneMaster, spread } from "../../test/helpers/agent-views.ts";
import { median, percentile } from "../load.ts";
import { checkBelow, formatCheck, samplesRow, type Ratio, type Row } from "../report.ts";
import type { BenchSettings, Check } from "../run.ts";

/**
 * groupsync-agent, five real processes on loopback (no stack needed):
 * - at rest: the master's resident memory and CPU share over REST_MS, nobody asking it anything, once
 *   the JIT has settled (REST_WARMUP_MS after the session settled); the first seconds are shown apart;
 * - deadline disagreement: every agent's ends_at, sampled SPREAD_SAMPLES times, spread = max − min.
 *   All five read one machine clock, so their deadlines are directly comparable;
 * - failover, for sessions of each size in BENCH_FAILOVER_SIZES (default 2, 5 and 20 agents), each in
 *   a fresh session: BENCH_FAILOVER_TRIALS times (default 20), SIGKILL the master, time until every
 *   survivor names the same new master (from the agents' own `master` lines), and how far the
 *   deadline moved; the killed agent then rejoins under its old name, so every trial starts full.
 */

const AGENTS = ["a", "b", "c", "d", "e"];
const FAILOVER_SIZES = positiveIntegers("BENCH_FAILOVER_SIZES", "2,5,20");
const FAILOVER_TRIALS = positiveIntegers("BENCH_FAILOVER_TRIALS", "20")[0]!;
/** Agents started at once when a session fills up (each start costs a CPU-second or so). */
const JOIN_BATCH = 4;
/**
 * V8 compiles the agent's hot paths over the first half minute (at ten heartbeats a second, functions
 * tier up slowly): a master of five measured 2.6-3.0 % CPU in its first 10 s, 1.7-1.9 % from 30 s on.
 * A session lasts 25 minutes and more, so "at rest" is measured after that; the first 10 s are shown apart.
 */
const REST_WARMUP_MS = 30_000;
const EARLY_MS = 10_000;
const REST_MS = 15_000;
const SPREAD_SAMPLES = 1000;
const SPREAD_PAUSE_MS = 5;
/** After agreeing, let every member complete a few clock-offset round trips before measuring. */
const SETTLE_EXTRA_MS = 300;

const TARGETS = {
  spreadP99Ms: 2,
  failoverMedianMs: 300,
  failoverMaxMs: 1000,
  jumpMaxMs: 50,
  restRssMb: 80,
  restCpuPercent: 2,
};

export async function agentTimerSuite(settings: BenchSettings): Promise<{ rows: Row[]; ratios: Ratio[]; notes: string[]; checks: Check[] }> {
  buildAgentBundle();
  const { rest, spreads } = await withAgents(startSession(AGENTS), async (cluster) => {
    const statuses = await settled(cluster, AGENTS.length);
    const master = cluster.running.find((agent) => agent.name === oneMaster(statuses))!;
    const warmupStartedAt = performance.now();
    const early = await cpuShares(cluster.running, EARLY_MS);
    await sleep(REST_WARMUP_MS - (performance.now() - warmupStartedAt));
    return { rest: await measureAtRest(cluster.running, master, early.get(master)!), spreads: await sampleDeadlineSpreads(cluster) };
  });
  const series: FailoverSeries[] = [];
  for (const size of FAILOVER_SIZES) {
    const names = Array.from({ length: size }, (_, index) => `n${String(index + 1).padStart(2, "0")}`);
    const trials = await withAgents(startSession(names), async (cluster) => {
      const done: FailoverTrial[] = [];
      for (let trial = 0; trial < FAILOVER_TRIALS; trial += 1) done.push(await failoverTrial(cluster, size));
      return done;
    });
    series.push({ size, trials });
  }
  return report(settings, rest, spreads, series);
}

/**
 * Measure what users run: agent/bin.mjs falls back to the TypeScript sources (about 40 MB more
 * memory) when the bundle is older than them, as it is after any edit until the next build.
 */
export function buildAgentBundle(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL("../../dev/build-agent.ts", import.meta.url))], { stdio: "inherit" });
}

/**
 * Runs `body` on a fresh cluster that `start` fills, and SIGKILLs every agent afterwards, also on
 * Ctrl-C or a throw: the agents run in process groups of their own, which the bench's Ctrl-C does not reach.
 */
export async function withAgents<T>(start: (cluster: AgentCluster) => Promise<unknown>, body: (cluster: AgentCluster) => Promise<T>): Promise<T> {
  const cluster = new AgentCluster();
  const killAgents = () => {
    for (const agent of cluster.running) cluster.signal(agent, "SIGKILL");
  };
  process.on("exit", killAgents);
  try {
    await start(cluster);
    return await body(cluster);
  } finally {
    process.off("exit", killAgents);
    await cluster.stopAll();
  }
}

/** On loopback: the first of `names` starts the session, the others join through it a few at a time. */
function startSession(names: readonly string[]): (cluster: AgentCluster) => Promise<void> {
  return async (cluster) => {
    const first = await cluster.start(names[0]!, ["--focus", "25m", "--short", "5m"]);
    for (let index = 1; index < names.length; index += JOIN_BATCH) {
      await Promise.all(names.slice(index, index + JOIN_BATCH).map((name) => cluster.join(name, first)));
    }
  };
}

/** A comma-separated list of positive integers from the environment, or `fallback`. */
function positiveIntegers(variable: string, fallback: string): number[] {
  const text = process.env[variable] ?? fallback;
  const values = text.split(",").map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((value) => !Number.isInteger(value) || value < 1)) {
    throw new Error(`${variable} must be positive whole numbers separated by commas, got '${text}'`);
  }
  return values;
}

// ---- at rest --------------------------------------------------------------------------------------

interface RestFigures {
  readonly masterRssMb: number;
  /** The part of the RSS that is mapped files, mostly the node binary: shared with every node process. */
  readonly masterRssFileMb: number;
  readonly masterCpuPercent: number;
  /** Over the first EARLY_MS after the session settled, while V8 still compiles. */
  readonly masterEarlyCpuPercent: number;
  readonly peersMaxCpuPercent: number;
  readonly peersMaxRssMb: number;
}

async function measureAtRest(agents: readonly Agent[], master: Agent, masterEarlyCpuPercent: number): Promise<RestFigures> {
  const cpu = await cpuShares(agents, REST_MS);
  const peers = agents.filter((agent) => agent !== master);
  return {
    masterRssMb: rssMb(master.pid),
    masterRssFileMb: rssMb(master.pid, "RssFile"),
    masterCpuPercent: cpu.get(master)!,
    masterEarlyCpuPercent,
    peersMaxCpuPercent: Math.max(...peers.map((peer) => cpu.get(peer)!)),
    peersMaxRssMb: Math.max(...peers.map((agent) => rssMb(agent.pid))),
  };
}

/** Each agent's CPU share (all its threads, user and system) over the next `ms`, in %. */
async function cpuShares(agents: readonly Agent[], ms: number): Promise<Map<Agent, number>> {
  const ticksPerSecond = clockTicksPerSecond();
  const before = new Map(agents.map((agent) => [agent, cpuTicks(agent.pid)]));
  const startedAt = performance.now();
  await sleep(ms);
  const wallMs = performance.now() - startedAt;
  return new Map(agents.map((agent) => [agent, cpuPercent(cpuTicks(agent.pid) - before.get(agent)!, ticksPerSecond, wallMs)]));
}

/** VmRSS (or another Rss line) from /proc/<pid>/status, in MB. */
export function rssMb(pid: number, field: "VmRSS" | "RssFile" = "VmRSS"): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (match === null) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** utime + stime from /proc/<pid>/stat, in clock ticks. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces; fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // fields 14 and 15 of the full line
}

function cpuPercent(ticks: number, ticksPerSecond: number, wallMs: number): number {
  return (ticks / ticksPerSecond / (wallMs / 1000)) * 100;
}

export function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100; // Linux's USER_HZ nearly everywhere.
  }
}

// ---- deadline disagreement ----------------------------------------------------------------------

async function sampleDeadlineSpreads(cluster: AgentCluster): Promise<number[]> {
  const spreads: number[] = [];
  for (let sample = 0; sample < SPREAD_SAMPLES; sample += 1) {
    const statuses = await cluster.statuses(cluster.running);
    spreads.push(spread(statuses.map(endsAt)));
    await sleep(SPREAD_PAUSE_MS);
  }
  return spreads;
}

// ---- failover -------------------------------------------------------------------------------------

interface FailoverSeries {
  readonly size: number;
  readonly trials: readonly FailoverTrial[];
}

interface FailoverTrial {
  readonly killed: string;
  readonly newMaster: string;
  /** SIGKILL until the last survivor printed its `master` line naming the new master. */
  readonly failoverMs: number;
  /** Largest |deadline after − deadline before| over the survivors: the jump in remaining time. */
  readonly jumpMs: number;
}

async function failoverTrial(cluster: AgentCluster, size: number): Promise<FailoverTrial> {
  const before = await settled(cluster, size);
  const masterStatus = before.find((status) => status.role === "master")!;
  const victim = cluster.running.find((agent) => agent.name === masterStatus.node_id)!;
  const survivors = cluster.running.filter((agent) => agent !== victim);
  const killedAt = Date.now();
  cluster.signal(victim, "SIGKILL");
  const agreed = await waitUntil(() => agreedFromLines(cluster, survivors, victim.name, killedAt), 5000, `survivors of ${victim.name} to name one master`, 2);
  const after = await waitUntil(
    async () => {
      const statuses = await cluster.statuses(survivors);
      return oneMaster(statuses) === agreed.master && statuses.every((status) => status.ends_at !== null) && statuses;
    },
    5000,
    `survivors to report master ${agreed.master}`,
  );
  const jumpMs = Math.max(...after.map((status) => Math.abs(endsAt(status) - endsAt(masterStatus))));
  await victim.exit;
  await cluster.join(victim.name, survivors[0]!); // Back to full size for the next trial.
  return { killed: victim.name, newMaster: agreed.master, failoverMs: agreed.at - killedAt, jumpMs };
}

/** The master every survivor names in its latest `master` line since `since`, if one and not `killed`; `at`: the last such line. */
function agreedFromLines(cluster: AgentCluster, survivors: readonly Agent[], killed: string, since: number): { master: string; at: number } | null {
  let master: string | null = null;
  let at = 0;
  for (const agent of survivors) {
    const line = cluster.last(agent, "master");
    const named = line?.event.master;
    if (line === undefined || line.at < since || typeof named !== "string" || named === killed) return null;
    if (master !== null && named !== master) return null;
    master = named;
    at = Math.max(at, line.at);
  }
  return master === null ? null : { master, at };
}

// ---- shared -------------------------------------------------------------------------------------

/** Waits until the running agents agree on one master and `members` members with a running timer. */
async function settled(cluster: AgentCluster, members: number): Promise<AgentStatus[]> {
  await waitUntil(
    async () => {
      const statuses = await cluster.statuses(cluster.running);
      return oneMaster(statuses) !== null && statuses.every((status) => status.members.length === members && status.ends_at !== null);
    },
    15_000,
    `${cluster.running.length} agents to agree on one master and ${members} members`,
  );
  await sleep(SETTLE_EXTRA_MS);
  return cluster.statuses(cluster.running);
}

function endsAt(status: AgentStatus): number {
  if (status.ends_at === null) throw new Error(`${status.node_id} shows no running timer`);
  return status.ends_at;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---- report ---------------------------------------------------------------------------------------

function report(settings: BenchSettings, rest: RestFigures, spreads: number[], series: readonly FailoverSeries[]): { rows: Row[]; ratios: Ratio[]; notes: string[]; checks: Check[] } {
  const check = (name: string, value: number, unit: string, below: number | null): Check => checkBelow("agent", name, value, unit, below);
  const rows = [samplesRow("agent", `deadline spread, 5 agents (${spreads.length} samples)`, AGENTS.length, spreads)];
  const checks = [
    check("deadline spread across 5 agents, p50", percentile([...spreads].sort((a, b) => a - b), 50), "ms", null),
    check("deadline spread across 5 agents, p99", percentile([...spreads].sort((a, b) => a - b), 99), "ms", TARGETS.spreadP99Ms),
  ];
  const notes: string[] = [];
  for (const { size, trials } of series) {
    const failovers = trials.map((trial) => trial.failoverMs);
    const jumps = trials.map((trial) => trial.jumpMs);
    rows.push(
      samplesRow("agent", `failover after SIGKILL of master, ${size} agents (${trials.length} trials)`, size - 1, failovers),
      samplesRow("agent", `deadline jump across failover, ${size} agents (${trials.length} trials)`, size - 1, jumps),
    );
    checks.push(
      check(`failover after SIGKILL, ${size} agents, median`, median(failovers), "ms", TARGETS.failoverMedianMs),
      check(`failover after SIGKILL, ${size} agents, max`, Math.max(...failovers), "ms", TARGETS.failoverMaxMs),
      check(`remaining-time jump across failover, ${size} agents, max`, Math.max(...jumps), "ms", TARGETS.jumpMaxMs),
    );
    notes.push(`agent: failover trials with ${size} agents (killed->new master ms): ${trials.map((trial) => `${trial.killed}->${trial.newMaster} ${trial.failoverMs}`).join(", ")}`);
  }
  checks.push(
    check("master at rest with 4 peers, RSS", rest.masterRssMb, "MB", TARGETS.restRssMb),
    check("master at rest, of that RSS file-backed (node binary, shared)", rest.masterRssFileMb, "MB", null),
    check(`master at rest with 4 peers, CPU over ${REST_MS / 1000} s from ${REST_WARMUP_MS / 1000} s after settling`, rest.masterCpuPercent, "%", TARGETS.restCpuPercent),
    check(`master with 4 peers, CPU over its first ${EARLY_MS / 1000} s after settling (JIT warm-up)`, rest.masterEarlyCpuPercent, "%", null),
    check("peers at rest, highest RSS", rest.peersMaxRssMb, "MB", null),
    check(`peers at rest, highest CPU over ${REST_MS / 1000} s`, rest.peersMaxCpuPercent, "%", null),
  );
  return {
    rows,
    ratios: [],
    notes: [
      ...checks.map(formatCheck),
      ...notes,
      `agent: BENCH_ROUNDS=${settings.rounds} and BENCH_SECONDS=${settings.durationMs / 1000} do not apply here; BENCH_FAILOVER_SIZES=${FAILOVER_SIZES.join(",")}, BENCH_FAILOVER_TRIALS=${FAILOVER_TRIALS}`,
    ],
    checks,
  };
}
