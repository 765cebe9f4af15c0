import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGatewayProcess, type RunningGateway } from "../../dev/gateway-process.ts";
import type { ManagedProcess } from "../../dev/managed-process.ts";
import { freePort } from "../../dev/ports.ts";
import { startRedisServer, type RunningRedis } from "../../dev/redis-server.ts";

/**
 * Real processes for tests: each helper picks free ports, and everything started is recorded
 * so `stopAll()` (call it in afterAll) stops it by PID even when a test fails half-way.
 */
const running = new Set<ManagedProcess>();
const tempDirs: string[] = [];

export function tempDir(prefix = "groupsync-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function track<T extends { process: ManagedProcess }>(started: T): T {
  running.add(started.process);
  void started.process.exited.then(() => running.delete(started.process));
  return started;
}

export interface TestRedis extends RunningRedis {
  dataDir: string;
  /** Starts a fresh redis-server on the same port and data directory (after a stop or a kill). */
  restart: () => Promise<TestRedis>;
}

export async function startTestRedis(options: { port?: number; dataDir?: string } = {}): Promise<TestRedis> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? tempDir("groupsync-redis-");
  const redis = track(await startRedisServer({ port, dataDir, fsync: "always" }));
  return { ...redis, dataDir, restart: () => startTestRedis({ port, dataDir }) };
}

export function randomToken(): string {
  return randomBytes(24).toString("base64url");
}

export async function startTestGateway(
  redisUrl: string,
  options: { port?: number; env?: NodeJS.ProcessEnv; token?: string } = {},
): Promise<RunningGateway> {
  const port = options.port ?? (await freePort());
  return track(await startGatewayProcess({ port, redisUrl, token: options.token ?? randomToken(), env: options.env }));
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
  running.clear();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
