import { mkdirSync } from "node:fs";
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
  onLine?: (line: string) => void;
}

export interface RunningRedis {
  process: ManagedProcess;
  port: number;
  url: string;
}

/** A private redis-server with AOF on, in the foreground of its own process group. */
export async function startRedisServer(options: RedisServerOptions): Promise<RunningRedis> {
  if (!REDIS_SERVER.isPresent(globalThis.process.env)) {
    const plan = planInstall([REDIS_SERVER], "none", false);
    throw new Error(plan.kind === "refuse" ? plan.message : "redis-server is not installed");
  }
  mkdirSync(options.dataDir, { recursive: true });
  const process = await ManagedProcess.start({
    name: "redis",
    command: "redis-server",
    args: [
      "--port", String(options.port),
      "--bind", "127.0.0.1",
      "--dir", options.dataDir,
      "--appendonly", "yes",
      "--appendfsync", options.fsync ?? "always",
      "--save", "",
      "--daemonize", "no",
    ],
    isReady: (line) => line.includes("Ready to accept connections"),
    onLine: options.onLine,
  });
  return { process, port: options.port, url: `redis://127.0.0.1:${options.port}` };
}
