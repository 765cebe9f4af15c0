#!/usr/bin/env node
/**
 * `npm run dev`: the whole local stack in one command, kept running like a supervisor would.
 *   redis-server (private, AOF on, data under .data/) unless REDIS_URL names one
 *   -> the Upstash gateway -> `wrangler dev` on 127.0.0.1:$PORT (default 8787),
 *   plus the cron triggers wrangler dev never fires (the transaction recovery sweep).
 * A child that dies is restarted (Redis on the same data, so nothing acknowledged is lost); one
 * that keeps dying stops the stack with one line. Ctrl-C or SIGTERM stops all of it, worker
 * first, Redis last (so it can flush its AOF).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { cronsOfWranglerToml, parseCron } from "./cron.ts";
import { startCronTicker } from "./cron-ticker.ts";
import { FRONT_PROXY_SECRET_HEADER } from "../shared/front-proxy-secret.ts";
import { FrontProxy } from "./front-proxy.ts";
import { startGatewayProcess } from "./gateway-process.ts";
import { redactSecrets } from "./log-redaction.ts";
import { isGroupAlive, livingProcesses, onLivingProcessesChange, type ManagedProcess } from "./managed-process.ts";
import { freePort, isPortInUse } from "./ports.ts";
import { isAlive, parentOf, startTimeOf } from "./process-tree.ts";
import { redisUsersIn, startRedisServer } from "./redis-server.ts";
import { RestartBudget } from "./restart-budget.ts";
import { StackStateFile, type StackRecord } from "./stack-state.ts";
import { ensureSystemTools, REDIS_SERVER } from "./system-packages.ts";
import { watchWorker } from "./worker-watch.ts";
import { quietWranglerOutput, startWranglerDev } from "./wrangler-dev.ts";

const env = process.env;
const dataDir = resolve(env.GROUPSYNC_DATA_DIR ?? ".data");
const port = portSetting("PORT", 8787);
// The original README's examples say localhost:8000: the same proxy listens there too; "0" or "" turns it off.
const compatPort = env.GROUPSYNC_COMPAT_PORT === "" || env.GROUPSYNC_COMPAT_PORT === "0" ? null : portSetting("GROUPSYNC_COMPAT_PORT", 8000);
const gatewayPort = portSetting("GATEWAY_PORT", 8079);
const redisPort = portSetting("REDIS_PORT", 6380);
const verbose = env.GROUPSYNC_VERBOSE === "1";
const workerUrl = `http://127.0.0.1:${port}`;
const stateFile = new StackStateFile(dataDir);
/** Worker settings a developer may set for `npm run dev` (README, "Configuration"). */
const WORKER_SETTINGS = [
  "TX_IDLE_TIMEOUT",
  "STORE_TIMEOUT_MS",
  "HEALTH_TIMEOUT_MS",
  "ALLOWED_HOSTS",
  "CORS_ALLOWED_ORIGINS",
  "RATE_LIMIT_ADMIN_FAILURES",
  "RATE_LIMIT_TOKEN_FAILURES",
  "RATE_LIMIT_WRITES",
  "QUOTA_EVENTS",
  "QUOTA_GOALS",
  "QUOTA_OPEN_TRANSACTIONS",
  "LIVE_MAX_SOCKETS_PER_TEAM",
  "LIVE_MAX_SOCKETS_PER_MEMBER",
  "WEBHOOK_TIMEOUT",
] as const;

/** A child of the stack: how to start it, and its current process. */
interface Supervised {
  name: string;
  start: () => Promise<ManagedProcess>;
  current: ManagedProcess | null;
  budget: RestartBudget;
  /** Stops what watches the current process (the worker's health watch). */
  unwatch?: () => void;
}

const children: Supervised[] = [];
let stopping = false;
let claimed = false;
let stopTicker: () => void = () => {};
// Per run, never written but to the worker's 0600 env file: the worker refuses requests without it,
// so nothing skips the front proxy by calling wrangler's private port (worker/limits/front-proxy-only.ts).
const frontProxySecret = { header: FRONT_PROXY_SECRET_HEADER, value: randomBytes(24).toString("base64url") };
const frontProxy = new FrontProxy({ secret: frontProxySecret });
/** The same front proxy on the compatibility port, when it is on and was free. */
let compatProxy: FrontProxy | null = null;
const frontProxies = () => (compatProxy === null ? [frontProxy] : [frontProxy, compatProxy]);
const setUpstream = (upstream: number | null) => frontProxies().forEach((proxy) => proxy.setUpstream(upstream));

function portSetting(name: string, fallback: number): number {
  const raw = env[name];
  const value = raw === undefined || raw === "" ? fallback : /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < 1 || value > 65535) fail(`${name} must be a port number, got "${raw}"`);
  return value;
}

function fail(message: string): never {
  console.error(`groupsync dev: ${message}`);
  process.exit(1);
}

function say(message: string): void {
  console.log(`groupsync dev: ${message}`);
}

/**
 * Worker output is useful (request logs, errors); redis and gateway chatter only with GROUPSYNC_VERBOSE=1.
 * Tokens in it (a URL's `?token=`) are cut to their first characters (log-redaction.ts).
 */
function forward(name: string, always: boolean) {
  return (line: string) => {
    if (always || verbose) console.log(`[${name}] ${redactSecrets(line)}`);
  };
}

function record(): StackRecord {
  return {
    supervisorPid: process.pid,
    url: workerUrl,
    dataDir,
    startedAt: new Date().toISOString(),
    supervisorStartTime: startTimeOf(process.pid),
    // Everything spawned and not yet gone, ready or still starting (managed-process.ts).
    children: livingProcesses().map((p) => ({ name: p.name, pid: p.pid, startTime: startTimeOf(p.pid) })),
  };
}

/**
 * Takes the data folder for this stack. A live stack on it is left alone (we refuse); the
 * process groups of one that was SIGKILLed are stopped first.
 */
async function claimDataFolder(): Promise<void> {
  // Everything the stack writes (AOF, the Durable Objects' sqlite, passwords) is its user's alone.
  process.umask(0o077);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    lockDown(dataDir);
  } catch (error) {
    fail(`cannot use ${dataDir} as the data folder (GROUPSYNC_DATA_DIR): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; choose a folder you can write`);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = stateFile.find();
    if (found.kind === "live") {
      fail(
        `a stack is already running on ${found.record.url} with this data folder (${dataDir}, pid ${found.record.supervisorPid}); ` +
          `stop it, or start another with its own folder and ports: GROUPSYNC_DATA_DIR=.data-2 PORT=8788 GATEWAY_PORT=8089 REDIS_PORT=6390 npm run dev`,
      );
    }
    if (found.kind === "leftovers") {
      say(`stopping leftovers of a stack that was killed (process groups ${found.groups.join(", ")})`);
      for (const group of found.groups) {
        try {
          process.kill(-group, "SIGKILL");
        } catch {}
      }
      await waitFor(() => found.groups.every((group) => !isGroupAlive(group)), 5_000);
    }
    stateFile.remove();
    if (stateFile.claim(record())) {
      claimed = true;
      onLivingProcessesChange(() => {
        if (!stopping) stateFile.update(record());
      });
      return;
    }
  }
  fail(`another stack keeps claiming ${dataDir}; try again`);
}

/** Folders 0700 and files 0600 under `dir`, for data folders made before the umask was set. */
function lockDown(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isDirectory()) chmodSync(path, 0o700);
    else if (entry.isFile()) chmodSync(path, 0o600);
  }
}

/** The second listener; a port already taken is one line, not a failure (the stack works on PORT). */
async function listenOnCompatPort(compat: number): Promise<string | null> {
  const proxy = new FrontProxy({ secret: frontProxySecret });
  try {
    await proxy.listen(compat);
  } catch (error) {
    say(`port ${compat} (the original README's) is taken (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}), so the stack answers on ${workerUrl} only; GROUPSYNC_COMPAT_PORT=... moves it, 0 turns it off`);
    return null;
  }
  compatProxy = proxy;
  return `http://127.0.0.1:${compat}`;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Starts a child and keeps it running: a crash is restarted within its budget, else the stack stops. */
async function supervise(child: Supervised, describe: (process: ManagedProcess, firstStart: boolean) => void): Promise<void> {
  children.push(child);
  let firstStart = true;
  const launch = async () => {
    if (stopping) throw new Error("the stack is stopping");
    const process_ = await child.start();
    if (stopping) {
      await process_.stop();
      throw new Error("the stack is stopping");
    }
    child.current = process_;
    describe(process_, firstStart);
    firstStart = false;
    void process_.exited.then(async ({ code, signal }) => {
      child.unwatch?.();
      if (stopping || child.current !== process_) return;
      child.current = null;
      // What the dead leader started (wrangler's workerd) would hold its ports against the restart.
      await process_.killGroup();
      const how = signal ?? `exit code ${code}`;
      if (!child.budget.allowRestart()) {
        void shutdown(`${child.name} died ${child.budget.recentCrashes} times within a minute (last: ${how})`, 1);
        return;
      }
      say(`${child.name} died (${how}); restarting it`);
      launch().then(
        () => say(`${child.name} is back`),
        (error: unknown) => void shutdown(`${child.name} could not be restarted: ${oneLine(error)}`, 1),
      );
    });
  };
  await launch();
}

/** A start error's first line and, when it quotes the child's output, its last line: the reason. */
function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const lines = redactSecrets(error.message).split("\n").map((line) => line.trim()).filter(Boolean);
  return lines.length > 1 ? `${lines[0]!.replace(/ Its last output:$/, "")} (${lines.at(-1)})` : (lines[0] ?? "unknown error");
}

async function shutdown(reason: string, exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  stopTicker();
  say(`stopping (${reason})`);
  await Promise.all(frontProxies().map((proxy) => proxy.close()));
  for (const child of children) child.unwatch?.();
  // Newest first (worker, gateway, Redis last), including a child that was still starting.
  for (const process_ of livingProcesses().reverse()) await process_.stop();
  if (claimed) stateFile.remove();
  say("stopped; nothing left running");
  process.exit(exitCode);
}

process.on("SIGINT", () => void shutdown("SIGINT", 0));
process.on("SIGTERM", () => void shutdown("SIGTERM", 0));
process.on("SIGHUP", () => void shutdown("the terminal closed", 0));

// `npm run dev` does not relay SIGTERM to this script, and may run it under `sh -c`, which
// outlives npm: a supervisor that kills npm would orphan the stack. So the stack also stops when
// the process that launched it is gone: our parent, and npm itself when we run as an npm script.
const launchers = [process.ppid];
if (env.npm_lifecycle_event !== undefined) {
  const grandparent = parentOf(process.ppid);
  if (grandparent !== null && grandparent > 1) launchers.push(grandparent);
}
setInterval(() => {
  if (process.ppid !== launchers[0] || !launchers.every(isAlive)) void shutdown("the process that launched it exited", 0);
}, 250).unref();

async function main(): Promise<void> {
  const useOwnRedis = !env.REDIS_URL;
  if (useOwnRedis) {
    const problem = ensureSystemTools([REDIS_SERVER], say);
    if (problem !== null) fail(problem);
  }
  await claimDataFolder();
  for (const [name, p] of [["PORT", port], ["GATEWAY_PORT", gatewayPort], ...(useOwnRedis ? [["REDIS_PORT", redisPort] as const] : [])] as const) {
    if (await isPortInUse(p)) {
      stateFile.remove();
      fail(`port ${p} is already in use; free it or choose another with ${name}=...`);
    }
  }

  let redisUrl = env.REDIS_URL ?? "";
  if (useOwnRedis) {
    const redisDir = join(dataDir, "redis");
    const usersFile = join(dataDir, "redis-users.json");
    const users = redisUsersIn(usersFile);
    const maxmemory = env.REDIS_MAXMEMORY || "512mb";
    await supervise(
      {
        name: "redis-server",
        start: async () => {
          const redis = await startRedisServer({ port: redisPort, dataDir: redisDir, users, maxmemory, onLine: forward("redis", false) });
          redisUrl = redis.url; // as the gateway user
          return redis.process;
        },
        current: null,
        budget: new RestartBudget(5, 60_000),
      },
      (_, first) => first && say(`redis-server on redis://127.0.0.1:${redisPort} (AOF under ${redisDir}; password-protected, users in ${usersFile}; maxmemory ${maxmemory})`),
    );
  } else {
    say(`using Redis at REDIS_URL`);
  }

  const token = env.GATEWAY_TOKEN ?? randomBytes(24).toString("base64url");
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  await supervise(
    {
      name: "gateway",
      start: async () => (await startGatewayProcess({ port: gatewayPort, redisUrl, token, onLine: forward("gateway", false) })).process,
      current: null,
      budget: new RestartBudget(5, 60_000),
    },
    (_, first) => first && say(`Upstash gateway on ${gatewayUrl}`),
  );

  // The open team lets the original README's curl examples work without tokens; "" turns it off.
  const openTeam = env.GROUPSYNC_OPEN_TEAM ?? "local";
  const adminSecret = env.ADMIN_SECRET ?? randomBytes(18).toString("base64url");
  const vars: Record<string, string> = {
    GROUPSYNC_ENV: "development",
    UPSTASH_REDIS_REST_URL: gatewayUrl,
    UPSTASH_REDIS_REST_TOKEN: token,
    ADMIN_SECRET: adminSecret,
    GROUPSYNC_OPEN_TEAM: openTeam,
    // The dev page's own origin, so a page served elsewhere on it can be tried against the API; "" for none.
    CORS_ALLOWED_ORIGINS: workerUrl,
    GROUPSYNC_FRONT_PROXY_SECRET: frontProxySecret.value,
    GROUPSYNC_PUBLIC_URL: workerUrl,
  };
  for (const name of WORKER_SETTINGS) if (env[name] !== undefined) vars[name] = env[name];
  // wrangler dev listens on a private port behind the front proxy, which answers 503 at once
  // while it restarts (see front-proxy.ts).
  const wranglerPort = await freePort();
  await frontProxy.listen(port);
  const compatUrl = compatPort !== null && compatPort !== port ? await listenOnCompatPort(compatPort) : null;
  // The proxy's own refusals (413, 408, ...) carry CORS headers for the origins the worker allows.
  const allowedOrigins = (vars.CORS_ALLOWED_ORIGINS ?? "").split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
  frontProxies().forEach((proxy) => proxy.setAllowedOrigins(allowedOrigins));
  const toTerminal = forward("worker", true);
  // Its "Ready on <private port>" would send a newcomer past the proxy; our own line names the URL.
  const privateReady = new RegExp(`[Rr]eady on http://127\\.0\\.0\\.1:${wranglerPort}\\b`);
  const workerOutput = quietWranglerOutput((line) => {
    if (!privateReady.test(line)) toTerminal(line);
  });
  const worker: Supervised = {
    name: "worker",
    start: async () => (await startWranglerDev({ port: wranglerPort, persistDir: join(dataDir, "wrangler"), vars, onLine: workerOutput })).process,
    current: null,
    budget: new RestartBudget(5, 60_000),
  };
  await supervise(worker, (process_, firstStart) => {
    setUpstream(wranglerPort);
    void process_.exited.then(() => setUpstream(null));
    worker.unwatch = watchWorker({
      wranglerPid: process_.pid,
      port: wranglerPort,
      url: `http://127.0.0.1:${wranglerPort}`,
      headers: { [frontProxySecret.header]: frontProxySecret.value },
      onUnhealthy: (why) => {
        setUpstream(null);
        say(`the worker is unhealthy (${why}); restarting wrangler dev`);
        process_.signal("SIGKILL");
      },
    });
    if (!firstStart) return;
    say(`worker on ${workerUrl}  (try: curl ${workerUrl}/health)`);
    say(`dashboard on ${workerUrl}/  (live updates: ${workerUrl.replace("http", "ws")}/ws)`);
    if (compatUrl !== null) say(`also on ${compatUrl}, the original README's port (try: curl ${compatUrl.replace("127.0.0.1", "localhost")}/health; GROUPSYNC_COMPAT_PORT=0 turns it off)`);
  });

  const crons = cronsOfWranglerToml(readFileSync(new URL("../wrangler.toml", import.meta.url), "utf8")).map(parseCron);
  stopTicker = startCronTicker({ url: workerUrl, crons, onFailure: (line) => say(line), onFired: (cron) => verbose && say(`fired cron "${cron}"`) });
  if (crons.length > 0) say(`cron triggers ${crons.map((c) => `"${c.expression}"`).join(", ")} fire the worker's scheduled handler (the transaction recovery sweep)`);
  if (openTeam) {
    say(`open team "${openTeam}": requests without a token act as member "anonymous" of it (development only; GROUPSYNC_OPEN_TEAM= turns it off)`);
  }
  say(`admin secret for POST /admin/teams: ${adminSecret}${env.ADMIN_SECRET ? " (from ADMIN_SECRET)" : " (random; set ADMIN_SECRET to choose it)"}`);
  const problem = await workerProblem();
  if (problem === null) say("ready; Ctrl-C stops everything");
  else say(`running, but not ready: ${problem} (Ctrl-C stops everything)`);
}

/**
 * What keeps the running worker from serving, as /health tells it: a setting it refuses (every
 * route answers 503 `misconfigured`, e.g. CORS_ALLOWED_ORIGINS with a path), or a store that is
 * down or refuses writes. null when it is ready.
 */
async function workerProblem(): Promise<string | null> {
  try {
    const answer = await fetch(`${workerUrl}/health`, { signal: AbortSignal.timeout(10_000) });
    const body = (await answer.json()) as { status?: string; reason?: string; error?: { code?: string; message?: string }; checks?: Record<string, { ok: boolean; error?: string }> };
    if (body.error !== undefined) return body.error.message ?? `GET /health answered ${answer.status} ${body.error.code}`;
    if (body.status === "degraded") return body.reason ?? "a store refuses writes";
    if (body.status !== "ok") {
      const down = Object.entries(body.checks ?? {}).filter(([, check]) => !check.ok);
      return `GET /health answered ${answer.status}: ${down.map(([name, check]) => `${name} ${check.error ?? "is down"}`).join(", ") || body.status}`;
    }
    return null;
  } catch (error) {
    return `GET /health failed (${oneLine(error)})`;
  }
}

main().catch((error: unknown) => void shutdown(oneLine(error), 1));
