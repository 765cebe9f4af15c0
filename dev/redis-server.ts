import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ManagedProcess } from "./managed-process.ts";
import { planInstall, REDIS_SERVER } from "./system-packages.ts";

export interface RedisServerOptions {
  port: number;
  /** Where the append-only file lives. */
  dataDir: string;
  /**
   * "always" fsyncs before every acknowledgement, so an acknowledged write survives even a power
   * cut; "everysec" survives a killed redis-server (the write is already in the page cache) but
   * may lose the last second if the machine crashes. Default "always": a 2xx is durable.
   */
  fsync?: "always" | "everysec";
  /** Password-protected users (see RedisUsers); without it the server is open to local processes. */
  users?: RedisUsers;
  /** `maxmemory` with `noeviction`: writes fail cleanly instead of evicting data. "0" means no limit. */
  maxmemory?: string;
  onLine?: (line: string) => void;
}

/**
 * Two users for the dev stack's Redis: `default`, the developer's (everything, for redis-cli), and
 * `gateway`, what the gateway connects as: every data command, none of the @admin and @dangerous
 * ones (FLUSHALL, CONFIG, SHUTDOWN, DEBUG, KEYS, CLIENT KILL…), also not from inside a Lua script,
 * which the gateway's own command check cannot see into.
 */
export interface RedisUsers {
  adminPassword: string;
  gatewayPassword: string;
}

export interface RunningRedis {
  process: ManagedProcess;
  port: number;
  /** The URL to connect with: as the gateway user when there are users. */
  url: string;
}

/**
 * The users of a data folder's Redis, made once (random) and kept in `file` (0600), so the
 * passwords stay the same across restarts and `redis-cli` can use them.
 */
export function redisUsersIn(file: string): RedisUsers {
  try {
    const kept = JSON.parse(readFileSync(file, "utf8")) as Partial<RedisUsers>;
    if (typeof kept.adminPassword === "string" && typeof kept.gatewayPassword === "string") return kept as RedisUsers;
  } catch {}
  const users = { adminPassword: randomBytes(24).toString("hex"), gatewayPassword: randomBytes(24).toString("hex") };
  writeFileSync(file, JSON.stringify(users, null, 2) + "\n", { mode: 0o600 });
  return users;
}

/** A private redis-server with AOF on, in the foreground of its own process group. */
export async function startRedisServer(options: RedisServerOptions): Promise<RunningRedis> {
  if (!REDIS_SERVER.isPresent(globalThis.process.env)) {
    const plan = planInstall([REDIS_SERVER], "none", false);
    throw new Error(plan.kind === "refuse" ? plan.message : "redis-server is not installed");
  }
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  // Passwords go in a 0600 config file, never on the command line, where `ps` would show them.
  const config = join(options.dataDir, "redis.conf");
  const users = options.users;
  writeFileSync(
    config,
    users === undefined
      ? ""
      : `user default on >${users.adminPassword} ~* &* +@all\nuser gateway on >${users.gatewayPassword} ~* &* +@all -@admin -@dangerous -script|flush -function\n`,
    { mode: 0o600 },
  );
  const process = await ManagedProcess.start({
    name: "redis",
    command: "redis-server",
    args: [
      config,
      "--port", String(options.port),
      "--bind", "127.0.0.1",
      "--dir", options.dataDir,
      "--appendonly", "yes",
      "--appendfsync", options.fsync ?? "always",
      "--save", "",
      "--daemonize", "no",
      ...(options.maxmemory === undefined ? [] : ["--maxmemory", options.maxmemory, "--maxmemory-policy", "noeviction"]),
    ],
    isReady: (line) => line.includes("Ready to accept connections"),
    onLine: options.onLine,
  });
  const credentials = users === undefined ? "" : `gateway:${users.gatewayPassword}@`;
  return { process, port: options.port, url: `redis://${credentials}127.0.0.1:${options.port}` };
}
