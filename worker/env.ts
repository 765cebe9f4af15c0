import { parseDuration } from "../shared/instant.ts";
import { parseQuota, parseRate, type Rate } from "./limits/rate.ts";

/**
 * The worker's bindings. Secrets come from `wrangler secret put` in the cloud and from
 * `npm run dev` (as --var) locally; every one is documented in the README.
 */
export interface Env {
  /**
   * The realtime hub, one Durable Object per team (wrangler.toml). Typed loosely here so this file
   * stays free of workerd's globals (Node-side tests compile it too); worker/live/hub.ts narrows it.
   */
  TEAM_HUB?: unknown;
  /** "development" under `npm run dev`, "production" otherwise (wrangler.toml). */
  GROUPSYNC_ENV?: string;
  /** Upstash REST endpoint: real Upstash in the cloud, the local gateway in development. */
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  /** The calendar participant's own Redis (defaults to the main one). */
  CALENDAR_REDIS_REST_URL?: string;
  CALENDAR_REDIS_REST_TOKEN?: string;
  /** The goals participant's own Redis (defaults to the main one). */
  GOALS_REDIS_REST_URL?: string;
  GOALS_REDIS_REST_TOKEN?: string;
  /** An open transaction idle this long is aborted (a duration: "60s", "2m"; default 60s). */
  TX_IDLE_TIMEOUT?: string;
  /** Fault tests only, ignored in production: pause between recording a commit and applying it. */
  GROUPSYNC_TEST_PAUSE_AFTER_DECISION_MS?: string;
  /** How long any store call may take before it counts as an outage, in ms (default 5000). */
  STORE_TIMEOUT_MS?: string;
  /** How long /health waits for each dependency, in ms (default 2000). */
  HEALTH_TIMEOUT_MS?: string;
  /** Guards /admin (creating teams and members' tokens). Required in production. */
  ADMIN_SECRET?: string;
  /**
   * Development only: requests without a token act as member "anonymous" of this team, so the
   * original README's curl examples work. `npm run dev` sets it to "local". Refused in production.
   */
  GROUPSYNC_OPEN_TEAM?: string;
  /** `npm run dev` only: the front proxy's per-run secret; requests without it are refused (worker/limits/front-proxy-only.ts). */
  GROUPSYNC_FRONT_PROXY_SECRET?: string;
  /** `npm run dev` only: the stack's public URL, named when a request skipped the front proxy. */
  GROUPSYNC_PUBLIC_URL?: string;
  /** The open team answers only requests whose Host is one of these (comma-separated; default 127.0.0.1, localhost, [::1]). */
  ALLOWED_HOSTS?: string;
  /** The webhook outbox, one Durable Object per team (wrangler.toml); typed loosely like TEAM_HUB. */
  WEBHOOK_OUTBOX?: unknown;
  /** Encrypts webhook signing secrets at rest; production needs it (32+ characters) to register webhooks. */
  WEBHOOK_SECRETS_KEY?: string;
  /** Tests only, ignored in production: the unit the webhook retry schedule counts in (a duration; default 1s). */
  WEBHOOK_RETRY_UNIT?: string;
  /** Tests only, ignored in production: how often an outbox looks at the feed for changes whose notice was lost (a duration; default 30s). */
  WEBHOOK_CATCH_UP_EVERY?: string;
  /** How long a webhook receiver may take to answer (a duration; default 15s). */
  WEBHOOK_TIMEOUT?: string;
  /** Pages on these origins may call the API from a browser (CORS; comma-separated, e.g. https://app.example). */
  CORS_ALLOWED_ORIGINS?: string;
  /** Most WebSockets one team's hub holds at once (default 1000); more are refused with close code 1013. */
  LIVE_MAX_SOCKETS_PER_TEAM?: string;
  /** Most WebSockets one member holds at once (default 10). */
  LIVE_MAX_SOCKETS_PER_MEMBER?: string;
  /** Rate limits, "<count>/<duration>" or "off" (defaults in DEFAULT_LIMITS): wrong admin secrets per client address, */
  RATE_LIMIT_ADMIN_FAILURES?: string;
  /** unknown tokens per client address, */
  RATE_LIMIT_TOKEN_FAILURES?: string;
  /** and writes (POST, PUT, PATCH, DELETE) per member. */
  RATE_LIMIT_WRITES?: string;
  /** Quotas per team, a count or "off": events, goals, open transactions. */
  QUOTA_EVENTS?: string;
  QUOTA_GOALS?: string;
  QUOTA_OPEN_TRANSACTIONS?: string;
}

/** Who is calling: set by the access middleware for every team route. */
export interface Member {
  team: string;
  member: string;
}

export type AppEnv = { Bindings: Env; Variables: { member: Member; requestId: string } };

export function isProduction(env: Env): boolean {
  return (env.GROUPSYNC_ENV ?? "production") === "production";
}

/** A setting that cannot be used as it is: named, so the operator knows what to fix. */
export class ConfigError extends Error {
  readonly setting: string;
  constructor(setting: string, problem: string) {
    super(`${setting} ${problem}`);
    this.name = "ConfigError";
    this.setting = setting;
  }
}

/** A Redis REST endpoint and its token (either may be missing: redisFromEnv says so when used). */
export interface StoreAddress {
  url: string | undefined;
  token: string | undefined;
}

/** The worker's settings, parsed and checked once (see configOf): every reader gets typed values. */
export interface Config {
  production: boolean;
  /** The main store (teams, tokens, the coordinator's records) and each participant's own. */
  stores: { main: StoreAddress; calendar: StoreAddress; goals: StoreAddress };
  /** Whether the calendar / goals participant has a store of its own (for /health). */
  separateStores: { calendar: boolean; goals: boolean };
  storeTimeoutMs: number;
  healthTimeoutMs: number;
  txIdleTimeoutMs: number;
  /** 0 in production, whatever the setting says. */
  pauseAfterDecisionMs: number;
  /** Guards /admin; undefined (or empty) disables it. */
  adminSecret: string | undefined;
  /** Development only: the team token-less requests act in (see Env.GROUPSYNC_OPEN_TEAM). */
  openTeam: string | undefined;
  /** The open team's allowed Host names as set (open-team.ts parses the list; undefined: its default). */
  allowedHosts: string | undefined;
  webhooks: WebhookConfig;
  /** Origins whose pages may call the API (CORS), each as scheme://host[:port]; empty: none. */
  corsAllowedOrigins: string[];
  /** Caps on open WebSockets (worker/live/team-hub.ts). */
  liveSockets: { perTeam: number; perMember: number };
  /** Each rate limit (null: off); see worker/limits/. */
  rateLimits: Record<RateLimitName, Rate | null>;
  /** Each per-team quota (null: off). */
  quotas: Record<QuotaName, number | null>;
}

/** Webhook delivery settings (worker/webhooks). */
export interface WebhookConfig {
  /** Encrypts signing secrets at rest; undefined in production when WEBHOOK_SECRETS_KEY is unset. */
  secretsKey: string | undefined;
  /** The retry schedule's unit: 1000 (seconds) in production. */
  retryUnitMs: number;
  timeoutMs: number;
  /** How often an outbox with endpoints looks at the feed itself: 30 s in production. */
  catchUpEveryMs: number;
}

/** With endpoints enabled and nothing due, an outbox still looks at the feed this often, for changes whose notice was lost. */
export const WEBHOOK_CATCH_UP_EVERY_MS = 30_000;

/** Development's stand-in for WEBHOOK_SECRETS_KEY: secrets of a local stack need no protection from its own disk. */
export const DEVELOPMENT_WEBHOOK_SECRETS_KEY = "groupsync-development-webhook-secrets-key";

export type RateLimitName = "admin_failures" | "token_failures" | "writes";
export type QuotaName = "events" | "goals" | "open_transactions";

/** The limits a deployment has unless its settings say otherwise (README, "Rate limits and quotas"). */
export const DEFAULT_LIMITS = {
  RATE_LIMIT_ADMIN_FAILURES: "10/1m",
  RATE_LIMIT_TOKEN_FAILURES: "30/1m",
  RATE_LIMIT_WRITES: "300/1m",
  QUOTA_EVENTS: "10000",
  QUOTA_GOALS: "1000",
  QUOTA_OPEN_TRANSACTIONS: "100",
} as const satisfies Partial<Record<keyof Env, string>>;

/** Reads every setting from the bindings; throws ConfigError naming the first one that is wrong. */
export function parseConfig(env: Env): Config {
  const production = isProduction(env);
  const main = { url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN };
  const or = (url: string | undefined, token: string | undefined): StoreAddress => ({ url: url || main.url, token: token || main.token });
  return {
    production,
    stores: { main, calendar: or(env.CALENDAR_REDIS_REST_URL, env.CALENDAR_REDIS_REST_TOKEN), goals: or(env.GOALS_REDIS_REST_URL, env.GOALS_REDIS_REST_TOKEN) },
    separateStores: {
      calendar: Boolean(env.CALENDAR_REDIS_REST_URL && env.CALENDAR_REDIS_REST_URL !== main.url),
      goals: Boolean(env.GOALS_REDIS_REST_URL && env.GOALS_REDIS_REST_URL !== main.url),
    },
    storeTimeoutMs: positiveMs("STORE_TIMEOUT_MS", env.STORE_TIMEOUT_MS, 5000),
    healthTimeoutMs: positiveMs("HEALTH_TIMEOUT_MS", env.HEALTH_TIMEOUT_MS, 2000),
    txIdleTimeoutMs: duration("TX_IDLE_TIMEOUT", env.TX_IDLE_TIMEOUT, 60_000),
    pauseAfterDecisionMs: production ? 0 : nonNegativeMs("GROUPSYNC_TEST_PAUSE_AFTER_DECISION_MS", env.GROUPSYNC_TEST_PAUSE_AFTER_DECISION_MS),
    adminSecret: env.ADMIN_SECRET || undefined,
    openTeam: env.GROUPSYNC_OPEN_TEAM || undefined,
    allowedHosts: env.ALLOWED_HOSTS || undefined,
    webhooks: {
      secretsKey: env.WEBHOOK_SECRETS_KEY || (production ? undefined : DEVELOPMENT_WEBHOOK_SECRETS_KEY),
      retryUnitMs: production ? 1000 : retryUnit(env.WEBHOOK_RETRY_UNIT),
      timeoutMs: duration("WEBHOOK_TIMEOUT", env.WEBHOOK_TIMEOUT, 15_000),
      catchUpEveryMs: production ? WEBHOOK_CATCH_UP_EVERY_MS : duration("WEBHOOK_CATCH_UP_EVERY", env.WEBHOOK_CATCH_UP_EVERY, WEBHOOK_CATCH_UP_EVERY_MS),
    },
    corsAllowedOrigins: origins("CORS_ALLOWED_ORIGINS", env.CORS_ALLOWED_ORIGINS),
    liveSockets: {
      perTeam: positiveCount("LIVE_MAX_SOCKETS_PER_TEAM", env.LIVE_MAX_SOCKETS_PER_TEAM, 1000),
      perMember: positiveCount("LIVE_MAX_SOCKETS_PER_MEMBER", env.LIVE_MAX_SOCKETS_PER_MEMBER, 10),
    },
    rateLimits: {
      admin_failures: rate(env, "RATE_LIMIT_ADMIN_FAILURES"),
      token_failures: rate(env, "RATE_LIMIT_TOKEN_FAILURES"),
      writes: rate(env, "RATE_LIMIT_WRITES"),
    },
    quotas: {
      events: quota(env, "QUOTA_EVENTS"),
      goals: quota(env, "QUOTA_GOALS"),
      open_transactions: quota(env, "QUOTA_OPEN_TRANSACTIONS"),
    },
  };
}

function rate(env: Env, setting: keyof typeof DEFAULT_LIMITS): Rate | null {
  const text = env[setting]?.trim() || DEFAULT_LIMITS[setting];
  const parsed = parseRate(text);
  if (parsed !== null && "problem" in parsed) throw new ConfigError(setting, `is ${JSON.stringify(env[setting])}, which ${parsed.problem}`);
  return parsed;
}

function quota(env: Env, setting: keyof typeof DEFAULT_LIMITS): number | null {
  const text = env[setting]?.trim() || DEFAULT_LIMITS[setting];
  const parsed = parseQuota(text);
  if (typeof parsed === "object" && parsed !== null) throw new ConfigError(setting, `is ${JSON.stringify(env[setting])}; it ${parsed.problem}`);
  return parsed;
}

// Parsed once per bindings object: workerd hands every request of an isolate the same one.
const parsed = new WeakMap<Env, Config | ConfigError>();

// app.request() without bindings (tests of the app alone) gets the defaults.
const NO_BINDINGS: Env = {};

/** The parsed config of these bindings; throws the same ConfigError on every call while it is wrong. */
export function configOf(bindings: Env | undefined): Config {
  const env = bindings ?? NO_BINDINGS;
  let config = parsed.get(env);
  if (config === undefined) {
    try {
      config = parseConfig(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      config = error;
    }
    parsed.set(env, config);
  }
  if (config instanceof ConfigError) throw config;
  return config;
}

/** Unset or empty means the default, as before; anything else must be a whole number of ms above 0. */
function positiveMs(setting: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text.trim() === "") return fallback;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms <= 0) throw new ConfigError(setting, `is ${JSON.stringify(text)}; it must be a whole number of milliseconds above 0, like ${fallback}`);
  return ms;
}

function positiveCount(setting: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text.trim() === "") return fallback;
  const count = Number(text);
  if (!Number.isInteger(count) || count <= 0) throw new ConfigError(setting, `is ${JSON.stringify(text)}; it must be a whole number above 0, like ${fallback}`);
  return count;
}

function nonNegativeMs(setting: string, text: string | undefined): number {
  if (text === undefined || text.trim() === "") return 0;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 0) throw new ConfigError(setting, `is ${JSON.stringify(text)}; it must be a whole number of milliseconds (0 or more)`);
  return ms;
}

/** A duration, or a fraction of a millisecond ("0.1ms": the whole 24 h schedule in 10 s). */
function retryUnit(text: string | undefined): number {
  const fraction = /^\s*(\d*\.\d+)ms\s*$/.exec(text ?? "");
  if (fraction === null) return duration("WEBHOOK_RETRY_UNIT", text, 1000);
  const ms = Number(fraction[1]);
  if (!(ms > 0)) throw new ConfigError("WEBHOOK_RETRY_UNIT", `is ${JSON.stringify(text)}; it must be longer than 0`);
  return ms;
}

function duration(setting: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text.trim() === "") return fallback;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw new ConfigError(setting, `is ${JSON.stringify(text)}, which is not a duration; write it like 60s, 2m or 500ms`);
  }
  if (ms <= 0) throw new ConfigError(setting, `is ${JSON.stringify(text)}; it must be longer than 0`);
  return ms;
}

/** A comma-separated list of origins, each exactly as a browser sends it in Origin (no path, no "*"). */
function origins(setting: string, text: string | undefined): string[] {
  const listed = (text ?? "").split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
  for (const entry of listed) {
    let origin: string | undefined;
    try {
      origin = new URL(entry).origin;
    } catch {
      // reported below
    }
    if (origin !== entry || !/^https?:\/\//.test(entry)) {
      throw new ConfigError(setting, `lists ${JSON.stringify(entry)}, which is not an origin; write each like https://app.example or http://127.0.0.1:8787 (scheme, host and port only, no path, no "*")`);
    }
  }
  return listed;
}
