/** Gateway settings, from the environment. Every one is documented in the README. */
export interface GatewayConfig {
  host: string;
  port: number;
  redisUrl: string;
  token: string;
  maxBodyBytes: number;
  commandTimeoutMs: number;
  exitWithParent: boolean;
  /** "shipped" (the default): only GroupSync's own Lua scripts run; "any": tests of the protocol only. */
  scripts: "shipped" | "any";
}

export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv): GatewayConfig {
  const token = env.GATEWAY_TOKEN ?? "";
  if (token.length < 16) {
    throw new Error("GATEWAY_TOKEN must be set to a secret of at least 16 characters (the worker's UPSTASH_REDIS_REST_TOKEN)");
  }
  return {
    host: env.GATEWAY_HOST ?? "127.0.0.1",
    port: integer(env, "GATEWAY_PORT", 8079, 0, 65535),
    redisUrl: env.REDIS_URL ?? "redis://127.0.0.1:6380",
    token,
    maxBodyBytes: integer(env, "GATEWAY_MAX_BODY_BYTES", 10 * 1024 * 1024, 1, 1024 ** 3),
    commandTimeoutMs: integer(env, "GATEWAY_COMMAND_TIMEOUT_MS", 10_000, 1, 3_600_000),
    exitWithParent: env.GATEWAY_EXIT_WITH_PARENT === "1",
    scripts: scriptsSetting(env.GATEWAY_SCRIPTS),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function scriptsSetting(raw: string | undefined): "shipped" | "any" {
  if (raw === undefined || raw === "" || raw === "shipped") return "shipped";
  if (raw === "any") return "any";
  throw new Error(`GATEWAY_SCRIPTS must be "shipped" (only GroupSync's own Lua scripts run) or "any" (protocol tests only), got "${raw}"`);
}
