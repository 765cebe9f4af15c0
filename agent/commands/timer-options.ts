/**
 * Command-line settings of the timer commands, merged with the environment and the config file
 * (config-file.ts) and checked without side effects. Every problem becomes a UsageError whose
 * message names the option, variable or file key and what is wrong.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { parseCommandLine } from "../command-line.ts";
import { MIN_TEAM_KEY_LENGTH } from "../net/envelope.ts";
import { parseHostPort, type HostPort } from "../net/peer-address.ts";
import { isGoalId, type PomodoroSettings } from "../../shared/pomodoro.ts";
import { explicitTeamKey, resolveAgentSettings, UsageError, type AgentFlags, type AgentSettings } from "../config-file.ts";
import { decodeInvite } from "../invite.ts";
import type { WorkerAccess } from "../team-key-source.ts";

export { DEFAULT_AGENT_PORT, parsePhaseDuration } from "../config-file.ts";

export const TIMER_USAGE = `Group Pomodoro timer (peer to peer; any member may die, the timer goes on):
  start [options]             start a session; this agent is its master (runs in the foreground).
                              Prints the line to join it from another machine (join --invite gsi_…).
                              If an agent of the team already runs here (or the worker knows the
                              team's session), start restarts its stopped timer, or says how to join
                              it; --new-session starts a session apart all the same.
  join [host:port] [options]  join the session through any of its members (runs in the foreground);
                              with no address, asks the worker (GROUPSYNC_URL) where the session is
  join --invite gsi_…         join with the invite another member's start printed: its address and
                              the team key, which is kept in the state directory for later commands
  status [--json]             a running agent's view: role, term, master, members, timer, drop counters
  pause | resume | skip | stop
                              act on the shared timer from any member; the master applies it
  set <duration>              set what is left of the current phase (e.g. set 10m)

Options of start and join:
  --focus 25m  --short 5m  --long 15m  --every 4
                    phase lengths, and a long break after every Nth focus round
  --port N          TCP port for peers and the CLI (default $GROUPSYNC_AGENT_PORT or 7420; 0 = any free)
  --udp-port N      UDP port for timer ticks (default: the same number as --port)
  --host HOST       (or --advertise HOST) where other members reach this agent (start: this machine's first network address,
                    127.0.0.1 if it has none; join: this machine's address towards the member joined).
                    The invite carries it: give another address here if that one is not reachable.
  --new-session     start a session even though the team already has one (the team is split)
  --goal ID         (start) the team goal the session is for: its id (GET /goals, groupsync-agent tx);
                    every focus round is recorded with it. The worker (GROUPSYNC_URL, default
                    http://127.0.0.1:8787) is asked first: an id the team has no goal for is refused;
                    with --no-worker or no answer it is taken as given, with a warning. Peers drop a
                    timer carrying an id not of a goal's form
  --node-id ID      this agent's name in the session (default $GROUPSYNC_NODE_ID, else <hostname>-<random>)
  --config PATH     read this config file (its keys: groupsync-agent --help); every command takes it
  --json            one JSON object per line on stdout: ready, role, master, term, members, phase, command
  --no-worker       do not link to the worker even though GROUPSYNC_URL (or the file's url) is set.
                    With a worker URL, the agent registers there, heartbeats, reports the timer while
                    it is master, and runs the timer commands sent to /pomo on the worker.
  SIGTERM or Ctrl-C leaves gracefully: a master hands over to a successor before it exits.

Options of status and the timer commands:
  --peer HOST:PORT  the agent to ask (default 127.0.0.1 and $GROUPSYNC_AGENT_PORT or 7420)
  --json            machine-readable output

Durations look like 25m, 90s, 1h30m or 500ms.`;

export const TIMER_ENV_USAGE = `  GROUPSYNC_TEAM_KEY   the team's shared secret (at least ${MIN_TEAM_KEY_LENGTH} characters): every message between
                       agents, from the CLI and to the worker is signed with it (HMAC-SHA256). Unset: with
                       GROUPSYNC_URL and GROUPSYNC_TOKEN the worker's team key, else the key file in the
                       state directory (team-key, mode 0600), which start creates (32 random bytes)
  GROUPSYNC_AGENT_PORT default --port of start/join and port of --peer (7420)
  GROUPSYNC_NODE_ID    default --node-id
  GROUPSYNC_CONFIG     the config file, when --config is not given`;

export interface RunOptions {
  /** Set explicitly (variable, config file or invite); null: resolve it (team-key-source.ts). */
  readonly teamKey: string | null;
  /** Where the team key file is (and the current transaction). */
  readonly stateDir: string;
  /** The key came from --invite: keep it in the state directory for later commands. */
  readonly keyFromInvite: boolean;
  /** --new-session: start even if the team already has a session. */
  readonly newSession: boolean;
  /** --goal: the goal id the session (or the restarted timer) is for; null for none. */
  readonly goal: string | null;
  /** --port was given: never fall back to another port. */
  readonly portGiven: boolean;
  readonly nodeId: string;
  readonly tcpPort: number;
  readonly udpPort: number;
  /** Null: decide from the command (start: 127.0.0.1; join: the local address towards the target). */
  readonly host: string | null;
  readonly json: boolean;
  readonly settings: Partial<PomodoroSettings>;
  /** Only for join; null with `viaWorker` means: ask the worker where the session is. */
  readonly target: HostPort | null;
  /** Join through the worker's list of agents (join with no address). */
  readonly viaWorker: boolean;
  /** The worker to register with and report to; null when no URL is configured or --no-worker. */
  readonly worker: WorkerAccess | null;
  /**
   * The worker `start --goal` asks for the team's goals: the configured one, else the default URL
   * (as `stats` reaches it); null only with --no-worker.
   */
  readonly goalWorker: WorkerAccess | null;
}

export interface ClientOptions {
  /** Null: resolve it (team-key-source.ts): the worker's key, else the state directory's key file. */
  readonly teamKey: string | null;
  readonly stateDir: string;
  /** The worker to ask for the key when none is explicit; null without a worker URL. */
  readonly keyWorker: WorkerAccess | null;
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
  advertise: { type: "string" },
  "node-id": { type: "string" },
  config: { type: "string" },
  json: { type: "boolean" },
  "no-worker": { type: "boolean" },
  "new-session": { type: "boolean" },
  invite: { type: "string" },
  goal: { type: "string" },
} as const;

const CLIENT_OPTIONS = {
  peer: { type: "string" },
  config: { type: "string" },
  json: { type: "boolean" },
} as const;

/** True when the arguments ask for help instead of an action. */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes("--help") || args.includes("-h");
}

export function parseRunOptions(command: "start" | "join", args: string[], env: NodeJS.ProcessEnv): RunOptions {
  const { flags, json, positionals, noWorker, newSession, invite, goal } = readRunFlags(args);
  let target: HostPort | null = null;
  const settings = resolveAgentSettings(flags, env);
  let inviteKey: string | null = null;
  if (invite !== undefined && command !== "join") throw new UsageError("--invite is for join (start prints the invite)");
  if (newSession && command !== "start") throw new UsageError("--new-session is for start");
  if (goal !== undefined && command !== "start") throw new UsageError("--goal is for start (a member joining takes the session's goal)");
  if (invite !== undefined) {
    if (positionals.length > 0) throw new UsageError(`join takes an address or --invite, not both (got '${positionals.join(" ")}')`);
    const decoded = decodeInvite(invite);
    if ("error" in decoded) throw new UsageError(`--invite: ${decoded.error}`);
    target = decoded.target;
    inviteKey = decoded.teamKey;
  } else if (command === "join") {
    const [where, ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`join takes one address, got also '${extra.join(" ")}'`);
    if (where === undefined) {
      if (!settings.urlConfigured || noWorker) {
        throw new UsageError("join needs the address of a member, as host:port (e.g. join 192.168.1.20:7420), or the worker (GROUPSYNC_URL) to ask");
      }
    } else {
      target = parseHostPort(where);
      if (target === null) throw new UsageError(`join: '${where}' is not host:port (e.g. 192.168.1.20:7420)`);
    }
  } else if (positionals.length > 0) {
    throw new UsageError(`start takes no arguments, got '${positionals.join(" ")}'`);
  }
  const options = runOptionsFrom(settings, { json, target, viaWorker: command === "join" && target === null, noWorker });
  return { ...options, teamKey: inviteKey ?? options.teamKey, keyFromInvite: inviteKey !== null, newSession, portGiven: flags.port !== undefined, goal: goal ?? null };
}

/** The options of start/join (also what the menu takes), as resolveAgentSettings wants them. */
export function readRunFlags(args: string[]): {
  readonly flags: AgentFlags;
  readonly json: boolean;
  readonly noWorker: boolean;
  readonly newSession: boolean;
  readonly invite: string | undefined;
  readonly goal: string | undefined;
  readonly positionals: readonly string[];
} {
  const { values, positionals } = parseCommandLine(args, RUN_OPTIONS);
  if (values.host !== undefined && values.advertise !== undefined && values.host !== values.advertise) {
    throw new UsageError(`--advertise is another name for --host; got both, '${values.advertise}' and '${values.host}'`);
  }
  const flags: AgentFlags = {
    config: values.config,
    host: values.host ?? values.advertise,
    port: values.port,
    udpPort: values["udp-port"],
    nodeId: values["node-id"],
    focus: values.focus,
    short: values.short,
    long: values.long,
    every: values.every,
  };
  if (values.goal !== undefined && !isGoalId(values.goal)) {
    throw new UsageError(`--goal: '${values.goal}' is not a goal id (1-128 letters, digits, '-', '_', '.', '~', starting with a letter or digit)`);
  }
  return { flags, json: values.json ?? false, noWorker: values["no-worker"] ?? false, newSession: values["new-session"] ?? false, invite: values.invite, goal: values.goal, positionals };
}

/** What start or join runs with, from resolved settings. */
export function runOptionsFrom(
  settings: AgentSettings,
  extra: { readonly json: boolean; readonly target: HostPort | null; readonly viaWorker?: boolean; readonly noWorker?: boolean },
): RunOptions {
  return {
    teamKey: explicitTeamKey(settings),
    stateDir: settings.stateDir,
    keyFromInvite: false,
    newSession: false,
    goal: null,
    portGiven: false,
    nodeId: settings.nodeId ?? randomNodeId(),
    tcpPort: settings.port,
    udpPort: settings.udpPort,
    host: settings.host,
    json: extra.json,
    settings: settings.timer,
    target: extra.target,
    viaWorker: extra.viaWorker ?? false,
    worker: settings.urlConfigured && !extra.noWorker ? { url: settings.url, token: settings.token } : null,
    goalWorker: extra.noWorker ? null : { url: settings.url, token: settings.token },
  };
}

export function parseClientOptions(args: string[], env: NodeJS.ProcessEnv): ClientOptions {
  const { values, positionals } = parseCommandLine(args, CLIENT_OPTIONS);
  const settings = resolveAgentSettings({ config: values.config }, env);
  let peer: HostPort = { host: "127.0.0.1", port: settings.port };
  if (values.peer !== undefined) {
    const parsed = parseHostPort(values.peer);
    if (parsed === null) throw new UsageError(`--peer: '${values.peer}' is not host:port (e.g. 127.0.0.1:7420)`);
    peer = parsed;
  }
  if (peer.port === 0) throw new UsageError("--peer needs the agent's actual port, not 0");
  const keyWorker = settings.urlConfigured ? { url: settings.url, token: settings.token } : null;
  return { teamKey: explicitTeamKey(settings), stateDir: settings.stateDir, keyWorker, peer, json: values.json ?? false, positionals };
}

function randomNodeId(): string {
  const base = hostname().replace(/[^A-Za-z0-9._-]/g, "").replace(/^[^A-Za-z0-9]+/, "").slice(0, 48) || "agent";
  return `${base}-${randomBytes(3).toString("hex")}`;
}
