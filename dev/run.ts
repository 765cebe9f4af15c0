#!/usr/bin/env node
/**
 * `npm run dev`: the whole local stack in one command.
 *   redis-server (private, AOF on, data under .data/) unless REDIS_URL names one
 *   -> the Upstash gateway -> `wrangler dev` on 127.0.0.1:$PORT (default 8787).
 * Ctrl-C or SIGTERM stops all of it, worker first, Redis last (so it can flush its AOF).
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startGatewayProcess } from "./gateway-process.ts";
import { isGroupAlive, type ManagedProcess } from "./managed-process.ts";
import { isPortInUse } from "./ports.ts";
import { isRedisInstalled, REDIS_INSTALL_HINT, startRedisServer } from "./redis-server.ts";
import { startWranglerDev } from "./wrangler-dev.ts";

const env = process.env;
const dataDir = resolve(env.GROUPSYNC_DATA_DIR ?? ".data");
const port = portSetting("PORT", 8787);
const gatewayPort = portSetting("GATEWAY_PORT", 8079);
const redisPort = portSetting("REDIS_PORT", 6380);
const verbose = env.GROUPSYNC_VERBOSE === "1";
const pidFile = join(dataDir, "dev-stack.pids");

const started: ManagedProcess[] = [];
let stopping = false;

function portSetting(name: string, fallback: number): number {
  const raw = env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
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

/** Worker output is useful (request logs, errors); redis and gateway chatter only with GROUPSYNC_VERBOSE=1. */
function forward(name: string, always: boolean) {
  return (line: string) => {
    if (always || verbose) console.log(`[${name}] ${line}`);
  };
}

/** A previous run that was SIGKILLed leaves its children; stop them before taking their ports. */
function stopLeftoversFromLastRun(): void {
  if (!existsSync(pidFile)) return;
  for (const pid of readFileSync(pidFile, "utf8").split(/\s+/).filter(Boolean).map(Number)) {
    if (Number.isInteger(pid) && pid > 1 && isGroupAlive(pid)) {
      say(`stopping process group ${pid} left over from a previous run`);
      try {
        process.kill(-pid, "SIGTERM");
      } catch {}
    }
  }
  rmSync(pidFile, { force: true });
}

function remember(child: ManagedProcess): void {
  started.push(child);
  writeFileSync(pidFile, started.map((p) => p.pid).join("\n") + "\n");
  void child.exited.then(({ code, signal }) => {
    if (!stopping) void shutdown(`${child.name} exited unexpectedly (${signal ?? `code ${code}`})`, 1);
  });
}

async function shutdown(reason: string, exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say(`stopping (${reason})`);
  for (const child of [...started].reverse()) await child.stop();
  rmSync(pidFile, { force: true });
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

function parentOf(pid: number): number | null {
  try {
    // /proc/PID/stat is "pid (comm) state ppid ..."; comm may hold spaces, so read after the ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null; // not Linux: the parent check alone still applies
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function main(): Promise<void> {
  const useOwnRedis = !env.REDIS_URL;
  if (useOwnRedis && !isRedisInstalled()) fail(REDIS_INSTALL_HINT);
  stopLeftoversFromLastRun();
  for (const [name, p] of [["PORT", port], ["GATEWAY_PORT", gatewayPort], ...(useOwnRedis ? [["REDIS_PORT", redisPort] as const] : [])] as const) {
    if (await isPortInUse(p)) fail(`port ${p} is already in use; free it or choose another with ${name}=...`);
  }

  let redisUrl = env.REDIS_URL ?? "";
  if (useOwnRedis) {
    const redis = await startRedisServer({ port: redisPort, dataDir: join(dataDir, "redis"), onLine: forward("redis", false) });
    remember(redis.process);
    redisUrl = redis.url;
    say(`redis-server on ${redis.url} (AOF under ${join(dataDir, "redis")})`);
  } else {
    say(`using Redis at REDIS_URL`);
  }

  const token = env.GATEWAY_TOKEN ?? randomBytes(24).toString("base64url");
  const gateway = await startGatewayProcess({ port: gatewayPort, redisUrl, token, onLine: forward("gateway", false) });
  remember(gateway.process);
  say(`Upstash gateway on ${gateway.url}`);

  // The open team lets the original README's curl examples work without tokens; "" turns it off.
  const openTeam = env.GROUPSYNC_OPEN_TEAM ?? "local";
  const adminSecret = env.ADMIN_SECRET ?? randomBytes(18).toString("base64url");
  const worker = await startWranglerDev({
    port,
    persistDir: join(dataDir, "wrangler"),
    vars: {
      GROUPSYNC_ENV: "development",
      UPSTASH_REDIS_REST_URL: gateway.url,
      UPSTASH_REDIS_REST_TOKEN: token,
      ADMIN_SECRET: adminSecret,
      GROUPSYNC_OPEN_TEAM: openTeam,
    },
    onLine: forward("worker", true),
  });
  remember(worker.process);
  say(`worker on ${worker.url}  (try: curl ${worker.url}/health)`);
  say(`dashboard on ${worker.url}/  (live updates: ${worker.url.replace("http", "ws")}/ws)`);
  if (openTeam) {
    say(`open team "${openTeam}": requests without a token act as member "anonymous" of it (development only; GROUPSYNC_OPEN_TEAM= turns it off)`);
  }
  say(`admin secret for POST /admin/teams: ${adminSecret}${env.ADMIN_SECRET ? " (from ADMIN_SECRET)" : " (random; set ADMIN_SECRET to choose it)"}`);
  say("ready; Ctrl-C stops everything");
}

main().catch((error: unknown) => void shutdown(error instanceof Error ? error.message : String(error), 1));
