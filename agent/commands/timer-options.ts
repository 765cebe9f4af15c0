/**
 * Command-line and environment settings of the timer commands, parsed and checked without side
 * effects. Every problem becomes a UsageError whose message names the option and what is wrong.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { parseDuration } from "../../shared/instant.ts";
import { MIN_TEAM_KEY_LENGTH } from "../net/envelope.ts";
import { parseHostPort, type HostPort } from "../net/peer-address.ts";
import { MAX_DURATION_MS, type PomodoroSettings } from "../../shared/pomodoro.ts";
import { UsageError } from "./tx.ts";

export const DEFAULT_AGENT_PORT = 7420;

export const TIMER_USAGE = `Group Pomodoro timer (peer to peer; any member may die, the timer goes on):
  start [options]             start a session; this agent is its master (runs in the foreground)
  join <host:port> [options]  join the session through any of its members (runs in the foreground)
  status [--json]             a running agent's view: role, term, master, members, timer, drop counters
  pause | resume | skip | stop
                              act on the shared timer from any member; the master applies it
  set <duration>              set what is left of the current phase (e.g. set 10m)

Options of start and join:
  --focus 25m  --short 5m  --long 15m  --every 4
                    phase lengths, and a long break after every Nth focus round
  --port N          TCP port for peers and the CLI (default $GROUPSYNC_AGENT_PORT or 7420; 0 = any free)
  --udp-port N      UDP port for timer ticks (default: the same number as --port)
  --host HOST       where other members reach this agent (start: 127.0.0.1, join: this machine's address
                    towards the member joined). Across machines, give start your LAN address.
  --node-id ID      this agent's name in the session (default $GROUPSYNC_NODE_ID, else <hostname>-<random>)
  --json            one JSON object per line on stdout: ready, role, master, term, members, phase, command
  SIGTERM or Ctrl-C leaves gracefully: a master hands over to a successor before it exits.

Options of status and the timer commands:
  --peer HOST:PORT  the agent to ask (default 127.0.0.1 and $GROUPSYNC_AGENT_PORT or 7420)
  --json            machine-readable output

Durations look like 25m, 90s, 1h30m or 500ms.`;

export const TIMER_ENV_USAGE = `  GROUPSYNC_TEAM_KEY   the team's shared secret (at least ${MIN_TEAM_KEY_LENGTH} characters), required by the timer
                       commands: every message between agents and from the CLI is signed with it (HMAC-SHA256)
  GROUPSYNC_AGENT_PORT default --port of start/join and port of --peer (7420)
  GROUPSYNC_NODE_ID    default --node-id`;

export interface RunOptions {
  readonly teamKey: string;
  readonly nodeId: string;
  readonly tcpPort: number;
  readonly udpPort: number;
  /** Null: decide from the command (start: 127.0.0.1; join: the local address towards the target). */
  readonly host: string | null;
  readonly json: boolean;
  readonly settings: Partial<PomodoroSettings>;
  /** Only for join. */
  readonly target: HostPort | null;
}

export interface ClientOptions {
  readonly teamKey: string;
  readonly peer: HostPort;
  readonly json: boolean;
  /** The positional arguments after the command (set's duration). */
  readonly positionals: readonly string[];
}

const RUN_OPTIONS = {
  focus: { type: "string" },
  short: { type: "string" },
  long: { type: "string" },
  every: { type: "string" },
  port: { type: "string" },
  "udp-port": { type: "string" },
  host: { type: "string" },
  "node-id": { type: "string" },
  json: { type: "boolean" },
} as const;

const CLIENT_OPTIONS = {
  peer: { type: "string" },
  json: { type: "boolean" },
} as const;

const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const HOST = /^(?:[A-Za-z0-9.-]+|[0-9A-Fa-f:.]+)$/;

/** True when the arguments ask for help instead of an action. */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}

export function parseRunOptions(command: "start" | "join", args: string[], env: NodeJS.ProcessEnv): RunOptions {
  const { values, positionals } = parse(args, RUN_OPTIONS);
  let target: HostPort | null = null;
  if (command === "join") {
    const [where, ...extra] = positionals;
    if (where === undefined) throw new UsageError("join needs the address of a member, as host:port (e.g. join 192.168.1.20:7420)");
    if (extra.length > 0) throw new UsageError(`join takes one address, got also '${extra.join(" ")}'`);
    target = parseHostPort(where);
    if (target === null) throw new UsageError(`join: '${where}' is not host:port (e.g. 192.168.1.20:7420)`);
  } else if (positionals.length > 0) {
    throw new UsageError(`start takes no arguments, got '${positionals.join(" ")}'`);
  }
  const tcpPort = values.port === undefined ? defaultPort(env) : parsePort("--port", values.port, true);
  const udpPort = values["udp-port"] === undefined ? tcpPort : parsePort("--udp-port", values["udp-port"], true);
  const host = values.host ?? null;
  if (host !== null && !HOST.test(host)) throw new UsageError(`--host: '${host}' is not a host name or IP address`);
  const settings: { -readonly [K in keyof PomodoroSettings]?: PomodoroSettings[K] } = {};
  if (values.focus !== undefined) settings.focusMs = parsePhaseDuration("--focus", values.focus);
  if (values.short !== undefined) settings.shortBreakMs = parsePhaseDuration("--short", values.short);
  if (values.long !== undefined) settings.longBreakMs = parsePhaseDuration("--long", values.long);
  if (values.every !== undefined) {
    const every = Number(values.every);
    if (!/^\d+$/.test(values.every) || every < 1 || every > 100) throw new UsageError(`--every must be a whole number from 1 to 100, got '${values.every}'`);
    settings.longBreakEvery = every;
  }
  return {
    teamKey: readTeamKey(env),
    nodeId: readNodeId(values["node-id"], env),
    tcpPort,
    udpPort,
    host,
    json: values.json ?? false,
    settings,
    target,
  };
}

export function parseClientOptions(args: string[], env: NodeJS.ProcessEnv): ClientOptions {
  const { values, positionals } = parse(args, CLIENT_OPTIONS);
  let peer: HostPort = { host: "127.0.0.1", port: defaultPort(env) };
  if (values.peer !== undefined) {
    const parsed = parseHostPort(values.peer);
    if (parsed === null) throw new UsageError(`--peer: '${values.peer}' is not host:port (e.g. 127.0.0.1:7420)`);
    peer = parsed;
  }
  if (peer.port === 0) throw new UsageError("--peer needs the agent's actual port, not 0");
  return { teamKey: readTeamKey(env), peer, json: values.json ?? false, positionals };
}

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

export function readTeamKey(env: NodeJS.ProcessEnv): string {
  const key = env.GROUPSYNC_TEAM_KEY;
  if (key === undefined || key === "") {
    throw new UsageError(`GROUPSYNC_TEAM_KEY is not set; every member of the team needs the same key, at least ${MIN_TEAM_KEY_LENGTH} characters`);
  }
  if (key.length < MIN_TEAM_KEY_LENGTH) {
    throw new UsageError(`GROUPSYNC_TEAM_KEY is too short (${key.length} characters); use at least ${MIN_TEAM_KEY_LENGTH}`);
  }
  return key;
}

function readNodeId(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const given = flag ?? (env.GROUPSYNC_NODE_ID === "" ? undefined : env.GROUPSYNC_NODE_ID);
  if (given === undefined) {
    const base = hostname().replace(/[^A-Za-z0-9._-]/g, "").replace(/^[^A-Za-z0-9]+/, "").slice(0, 48) || "agent";
    return `${base}-${randomBytes(3).toString("hex")}`;
  }
  if (!NODE_ID.test(given)) {
    const source = flag === undefined ? "GROUPSYNC_NODE_ID" : "--node-id";
    throw new UsageError(`${source}: '${given}' is not a node id (letters, digits, '.', '_' and '-', at most 64, starting with a letter or digit)`);
  }
  return given;
}

function defaultPort(env: NodeJS.ProcessEnv): number {
  const text = env.GROUPSYNC_AGENT_PORT;
  return text === undefined || text === "" ? DEFAULT_AGENT_PORT : parsePort("GROUPSYNC_AGENT_PORT", text, true);
}

function parsePort(name: string, text: string, allowZero: boolean): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535 || (!allowZero && port === 0)) {
    throw new UsageError(`${name} must be a port number from ${allowZero ? 0 : 1} to 65535, got '${text}'`);
  }
  return port;
}

function parse<T extends Record<string, { type: "string" | "boolean" }>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs explains itself in its first sentence; the rest is advice about "--".
    const message = (error as Error).message.split("\n")[0]!.replace(/\. To specify a positional argument.*$/, "");
    throw new UsageError(message);
  }
}
