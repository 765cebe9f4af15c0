#!/usr/bin/env node
/**
 * The local Upstash gateway: lets the worker's @upstash/redis client reach a real redis-server.
 * Prints one JSON line `{"event":"listening",...}` on stdout once it accepts requests.
 */
import type { AddressInfo } from "node:net";
import { gatewayConfigFromEnv } from "./config.ts";
import { createGatewayServer } from "./http-server.ts";
import { RedisBackend, redact } from "./redis-backend.ts";
import { SHIPPED_SCRIPT_SHA1S } from "./shipped-scripts.ts";

let config;
try {
  config = gatewayConfigFromEnv(process.env);
} catch (error) {
  console.error(`groupsync-gateway: ${(error as Error).message}`);
  process.exit(2);
}

const scripts = config.scripts === "any" ? "any" : SHIPPED_SCRIPT_SHA1S;
const backend = new RedisBackend({ url: config.redisUrl, commandTimeoutMs: config.commandTimeoutMs, scripts });
const redisReady = await backend.start();
const server = createGatewayServer(backend, { token: config.token, maxBodyBytes: config.maxBodyBytes });

server.on("error", (error) => {
  console.error(`groupsync-gateway: cannot listen on ${config.host}:${config.port}: ${error.message}`);
  process.exit(1);
});
server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ event: "listening", url: `http://${config.host}:${port}`, redis: redact(config.redisUrl), redis_ready: redisReady }));
});

let stopping = false;
async function stop(reason: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(JSON.stringify({ event: "stopping", reason }));
  server.close();
  server.closeAllConnections();
  await backend.close();
  process.exit(0);
}
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));

// Under `npm run dev` and in tests, a gateway whose parent was SIGKILLed must not linger.
if (config.exitWithParent) {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop("parent exited");
  }, 500).unref();
}
