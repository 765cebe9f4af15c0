/**
 * Where groupsync-agent's settings come from, in rising precedence: built-in defaults, the config
 * file, environment variables, command-line flags. `resolveAgentSettings` is the one place that
 * merges them; the commands (timer, tx, the menu) only read its answer.
 *
 * The config file is JSON, found at `--config PATH`, else `$GROUPSYNC_CONFIG`, else
 * `$XDG_CONFIG_HOME/groupsync/agent.json` (default ~/.config/groupsync/agent.json). Only the default
 * location may be missing. Every key is checked when the file is read, so a typo surfaces at once
 * as one line naming the file and the key, whichever command is run.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import { parseDuration } from "../shared/instant.ts";
import { MAX_DURATION_MS, type PomodoroSettings } from "../shared/pomodoro.ts";
import { MIN_TEAM_KEY_LENGTH } from "./net/envelope.ts";
import { weakTeamKeyReason } from "./net/team-key-strength.ts";

/**
 * Bad input from the user: a flag, a variable or the config file. The CLI prints its message on one
 * line and exits with 2. (Defined here, the root of the settings code, so every command can share it
 * without import cycles; commands/tx.ts re-exports it.)
 */
export class UsageError extends Error {}

export const DEFAULT_WORKER_URL = "http://127.0.0.1:8787";
export const DEFAULT_AGENT_PORT = 7420;

export const CONFIG_FILE_KEYS = [
  "url",
  "token",
  "team_key",
  "state_dir",
  "host",
  "port",
  "udp_port",
  "node_id",
  "focus",
  "short",
  "long",
  "every",
] as const;

/** For `--help`: the file, where it is looked for, and its keys. */
export const CONFIG_USAGE = `Config file (JSON; optional): --config PATH, else $GROUPSYNC_CONFIG, else
$XDG_CONFIG_HOME/groupsync/agent.json (default ~/.config/groupsync/agent.json). Precedence, lowest
first: built-in defaults < config file < environment variables < flags. Every key is optional:
  url        the worker (as GROUPSYNC_URL)          token      your member token (as GROUPSYNC_TOKEN)
  team_key   the team's shared key (as GROUPSYNC_TEAM_KEY)
  state_dir  as GROUPSYNC_STATE_DIR; relative to the file's directory, ~/ is your home
  host       as --host        port      as --port (and of --peer)        udp_port   as --udp-port
  node_id    as --node-id     focus, short, long   phase lengths, e.g. "25m"    every   as --every (a number)
  e.g. {"url": "https://groupsync.example.workers.dev", "token": "gs_…", "focus": "50m", "short": "10m"}
An unknown key, a wrong type or a bad value stops every command with exit code 2, naming the file and key.`;

/** Flags as the user typed them (strings from parseArgs); each overrides the file and the environment. */
export interface AgentFlags {
  readonly config?: string;
  readonly host?: string;
  readonly port?: string;
  readonly udpPort?: string;
  readonly nodeId?: string;
  readonly focus?: string;
  readonly short?: string;
  readonly long?: string;
  readonly every?: string;
}

export interface AgentSettings {
  /** The config file that was read; null when there was none. */
  readonly configFile: string | null;
  /** The worker's base URL. */
  readonly url: string;
  /** Whether the URL was set (env or file) rather than defaulted: only then do start/join link to the worker. */
  readonly urlConfigured: boolean;
  /** The member token for the worker; null: send none (the open team of `npm run dev`). */
  readonly token: string | null;
  /** Null when not set anywhere: the timer commands then use the state directory's key file (team-key-source.ts). */
  readonly teamKey: string | null;
  /** Where the current transaction and the team key file are kept. */
  readonly stateDir: string;
  /** Null: decide from the command (start: 127.0.0.1; join: the local address towards the target). */
  readonly host: string | null;
  /** TCP port of start/join, and the port --peer defaults to. */
  readonly port: number;
  /** UDP port of start/join; the TCP port's number unless set. */
  readonly udpPort: number;
  /** Null: start/join make one up from the host name. */
  readonly nodeId: string | null;
  /** Only the phase settings given somewhere; the rest are the timer's defaults. */
  readonly timer: Partial<PomodoroSettings>;
}

const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const HOST = /^(?:[A-Za-z0-9.-]+|[0-9A-Fa-f:.]+)$/;
const NODE_ID_RULE = "letters, digits, '.', '_' and '-', at most 64, starting with a letter or digit";

// ---- checks shared by flags, variables and the file ---------------------------------------------

/** A phase length or a `set` duration: parseDuration's syntax, more than 0 and at most 24 h. */
export function parsePhaseDuration(name: string, text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (error) {
    throw new UsageError(`${name}: ${(error as Error).message}`);
  }
  if (ms <= 0 || ms > MAX_DURATION_MS) throw new UsageError(`${name} must be more than 0 and at most 24h, got '${text}'`);
  return ms;
}

export function parsePort(name: string, text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`${name} must be a port number from 0 to 65535, got '${text}'`);
  return port;
}

function parseEvery(name: string, text: string): number {
  const every = Number(text);
  if (!/^\d+$/.test(text) || every < 1 || every > 100) throw new UsageError(`${name} must be a whole number from 1 to 100, got '${text}'`);
  return every;
}

function checkHost(name: string, host: string): string {
  if (!HOST.test(host)) throw new UsageError(`${name}: '${host}' is not a host name or IP address`);
  return host;
}

function checkNodeId(name: string, id: string): string {
  if (!NODE_ID.test(id)) throw new UsageError(`${name}: '${id}' is not a node id (${NODE_ID_RULE})`);
  return id;
}

function checkUrl(name: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${name}: '${text}' is not a URL (e.g. ${DEFAULT_WORKER_URL})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${name}: '${text}' is not an http or https URL`);
  return text;
}

// ---- the file ---------------------------------------------------------------------------------

/** A zod check built from one of the checks above, so the file and the flags say the same thing. */
function checked<T>(check: (name: string, text: string) => T, expected: string) {
  const KEY = "\u0000"; // stands in for the flag's name; the key is named when the issue is reported
  return z.string({ error: `must be ${expected}` }).transform((text, ctx) => {
    try {
      return check(KEY, text);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message.replace(`${KEY}: `, "").replace(`${KEY} `, "") });
      return z.NEVER;
    }
  });
}

const duration = checked(parsePhaseDuration, 'a duration in quotes, e.g. "25m"');
const wholeNumber = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

const ConfigFileSchema = z.strictObject({
  url: checked(checkUrl, "a URL in quotes"),
  token: z.string({ error: "must be a string" }).min(1, { error: "must not be empty (leave the key out instead)" }),
  team_key: z
    .string({ error: "must be a string" })
    .superRefine((key, ctx) => {
      const weak = weakTeamKeyReason(key);
      if (weak !== null) ctx.addIssue({ code: "custom", message: weak.replace(/^is too short.*$/, `must be at least ${MIN_TEAM_KEY_LENGTH} characters`) });
    }),
  state_dir: z.string({ error: "must be a path in quotes" }).min(1, { error: "must not be empty" }),
  host: checked(checkHost, "a host name or IP address in quotes"),
  port: wholeNumber(0, 65535),
  udp_port: wholeNumber(0, 65535),
  node_id: checked(checkNodeId, "a string"),
  focus: duration,
  short: duration,
  long: duration,
  every: wholeNumber(1, 100),
}).partial();

type ConfigFileValues = z.output<typeof ConfigFileSchema>;

interface ConfigLocation {
  readonly path: string;
  /** Named by --config or GROUPSYNC_CONFIG, so it must exist. */
  readonly namedBy: "--config" | "GROUPSYNC_CONFIG" | null;
}

/** Where the config file is looked for; `env` is consulted for GROUPSYNC_CONFIG, XDG_CONFIG_HOME and HOME. */
export function configFileLocation(flag: string | undefined, env: NodeJS.ProcessEnv): ConfigLocation {
  if (flag !== undefined) {
    if (flag === "") throw new UsageError("--config needs a path");
    return { path: resolve(flag), namedBy: "--config" };
  }
  const named = nonEmpty(env.GROUPSYNC_CONFIG);
  if (named !== undefined) return { path: resolve(named), namedBy: "GROUPSYNC_CONFIG" };
  // XDG says a relative XDG_CONFIG_HOME is invalid and to be ignored.
  const xdg = nonEmpty(env.XDG_CONFIG_HOME);
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(homeOf(env), ".config");
  return { path: join(base, "groupsync", "agent.json"), namedBy: null };
}

/** The file's checked values; null when the default file does not exist. Throws UsageError naming the file. */
export function readConfigFile(location: ConfigLocation): ConfigFileValues | null {
  const { path, namedBy } = location;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && namedBy === null) return null;
    if (code === "ENOENT") throw new UsageError(`config file ${path} (named by ${namedBy}) does not exist`);
    throw new UsageError(`config file ${path}: cannot be read (${code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`config file ${path}: not valid JSON: ${(error as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new UsageError(`config file ${path}: must hold one JSON object, e.g. {"focus": "25m"}`);
  }
  const parsed = ConfigFileSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === "unrecognized_keys") {
    throw new UsageError(`config file ${path}: unknown key "${issue.keys[0]}" (known keys: ${CONFIG_FILE_KEYS.join(", ")})`);
  }
  throw new UsageError(`config file ${path}: ${String(issue.path[0])}: ${issue.message}`);
}

// ---- merging ----------------------------------------------------------------------------------

/**
 * Every setting from defaults < config file < environment < flags, checked. Throws UsageError
 * naming the flag, variable or file key that is wrong. Empty variables count as unset.
 */
export function resolveAgentSettings(flags: AgentFlags, env: NodeJS.ProcessEnv): AgentSettings {
  const location = configFileLocation(flags.config, env);
  const values = readConfigFile(location);
  const file = values ?? {};

  const envUrl = nonEmpty(env.GROUPSYNC_URL);
  const envTeamKey = nonEmpty(env.GROUPSYNC_TEAM_KEY);
  const envPort = nonEmpty(env.GROUPSYNC_AGENT_PORT);
  const envNodeId = nonEmpty(env.GROUPSYNC_NODE_ID);
  const envStateDir = nonEmpty(env.GROUPSYNC_STATE_DIR);

  const port = flags.port !== undefined ? parsePort("--port", flags.port) : envPort !== undefined ? parsePort("GROUPSYNC_AGENT_PORT", envPort) : (file.port ?? DEFAULT_AGENT_PORT);
  const timer: { -readonly [K in keyof PomodoroSettings]?: PomodoroSettings[K] } = {};
  const focusMs = flags.focus !== undefined ? parsePhaseDuration("--focus", flags.focus) : file.focus;
  const shortBreakMs = flags.short !== undefined ? parsePhaseDuration("--short", flags.short) : file.short;
  const longBreakMs = flags.long !== undefined ? parsePhaseDuration("--long", flags.long) : file.long;
  const longBreakEvery = flags.every !== undefined ? parseEvery("--every", flags.every) : file.every;
  if (focusMs !== undefined) timer.focusMs = focusMs;
  if (shortBreakMs !== undefined) timer.shortBreakMs = shortBreakMs;
  if (longBreakMs !== undefined) timer.longBreakMs = longBreakMs;
  if (longBreakEvery !== undefined) timer.longBreakEvery = longBreakEvery;

  return {
    configFile: values === null ? null : location.path,
    url: envUrl !== undefined ? checkUrl("GROUPSYNC_URL", envUrl) : (file.url ?? DEFAULT_WORKER_URL),
    urlConfigured: envUrl !== undefined || file.url !== undefined,
    token: nonEmpty(env.GROUPSYNC_TOKEN) ?? file.token ?? null,
    teamKey: envTeamKey ?? file.team_key ?? null,
    stateDir: envStateDir ?? (file.state_dir !== undefined ? fileRelativePath(file.state_dir, location.path, env) : defaultStateDir(env)),
    host: flags.host !== undefined ? checkHost("--host", flags.host) : (file.host ?? null),
    port,
    udpPort: flags.udpPort !== undefined ? parsePort("--udp-port", flags.udpPort) : (file.udp_port ?? port),
    nodeId: flags.nodeId !== undefined ? checkNodeId("--node-id", flags.nodeId) : envNodeId !== undefined ? checkNodeId("GROUPSYNC_NODE_ID", envNodeId) : (file.node_id ?? null),
    timer,
  };
}

/**
 * The team key set by the variable or the config file, checked; null when neither sets one (then
 * the key file in the state directory is used: team-key-source.ts).
 */
export function explicitTeamKey(settings: AgentSettings): string | null {
  const key = settings.teamKey;
  if (key === null) return null;
  // The file's key is checked when it is read; only the variable can be weak here.
  const weak = weakTeamKeyReason(key);
  if (weak !== null) throw new UsageError(`GROUPSYNC_TEAM_KEY ${weak}`);
  return key;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function homeOf(env: NodeJS.ProcessEnv): string {
  return nonEmpty(env.HOME) ?? homedir();
}

function defaultStateDir(env: NodeJS.ProcessEnv): string {
  // As with XDG_CONFIG_HOME, a relative XDG_STATE_HOME is invalid and ignored.
  const xdg = nonEmpty(env.XDG_STATE_HOME);
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(homeOf(env), ".local", "state"), "groupsync");
}

/** A path in the file means the same wherever the agent is run from. */
function fileRelativePath(path: string, configPath: string, env: NodeJS.ProcessEnv): string {
  if (path === "~" || path.startsWith("~/")) return join(homeOf(env), path.slice(1));
  return resolve(dirname(configPath), path);
}

