/**
 * The timer commands of groupsync-agent: `start` and `join` run an agent in the foreground;
 * `status`, `pause`, `resume`, `skip`, `stop` and `set` ask a running one over its TCP port.
 * Bad input throws UsageError (exit 2); everything else prints one line and returns an exit code.
 */
import { connect, isIP } from "node:net";
import { networkInterfaces } from "node:os";
import { pickAdvertiseAddress } from "../advertise-address.ts";
import { formatEvent, type AgentEvent } from "../agent-events.ts";
import { ControlError, requestControl } from "../control/client.ts";
import type { ControlReply } from "../control/protocol.ts";
import type { TimerCommand } from "../../shared/pomodoro.ts";
import { NodeRunner } from "../node-runner.ts";
import type { TeamTimer } from "../../shared/live.ts";
import { formatHostPort, parsePeerAddress, type HostPort } from "../net/peer-address.ts";
import { formatStatus, type AgentStatus } from "../status-report.ts";
import { offerTeamKey, resolveTeamKey, storeTeamKey, teamKeyFile } from "../team-key-source.ts";
import { encodeInvite } from "../invite.ts";
import { listRunningAgents, recordRunningAgent, runningAgentsDir } from "../running-agents.ts";
import { checkGoal } from "./goal-check.ts";
import { parseClientOptions, parsePhaseDuration, parseRunOptions, TIMER_USAGE, wantsHelp, type RunOptions } from "./timer-options.ts";
import { UsageError } from "./tx.ts";
import { printError } from "../terminal-text.ts";

export const TIMER_COMMANDS = new Set(["start", "join", "status", "pause", "resume", "skip", "stop", "set"]);

export async function timerCommand(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (wantsHelp(args)) {
    console.log(TIMER_USAGE);
    return 0;
  }
  if (command === "start" || command === "join") return runAgent(parseRunOptions(command, args, env));
  const options = parseClientOptions(args, env);
  const [duration, ...extra] = options.positionals;
  if (command === "status" && duration !== undefined) throw new UsageError(`status takes no arguments, got '${options.positionals.join(" ")}'`);
  const { key: teamKey } = await resolveTeamKey({ explicit: options.teamKey, stateDir: options.stateDir, create: false, worker: options.keyWorker });
  if (command === "status") return showStatus(options.peer, teamKey, options.json);
  let timerCommand: TimerCommand;
  if (command === "set") {
    if (duration === undefined) throw new UsageError("set needs a duration, e.g. set 10m");
    if (extra.length > 0) throw new UsageError(`set takes one duration, got also '${extra.join(" ")}'`);
    timerCommand = { kind: "set", durationMs: parsePhaseDuration("set", duration) };
  } else {
    if (duration !== undefined) throw new UsageError(`${command} takes no arguments, got '${options.positionals.join(" ")}'`);
    timerCommand = { kind: command as "pause" | "resume" | "skip" | "stop" };
  }
  return sendCommand(options.peer, teamKey, timerCommand, options.json);
}

// ---- the foreground agent ----------------------------------------------------------------------

async function runAgent(options: RunOptions): Promise<number> {
  const print = (event: AgentEvent) => {
    if (options.json) writeLine(process.stdout, JSON.stringify(event));
    else if (event.event === "warning") printError(formatEvent(event));
    else writeLine(process.stdout, `${new Date().toTimeString().slice(0, 8)} ${formatEvent(event)}`);
  };
  // A reader that went away (a closed pipe) must not take the agent down with it.
  process.stdout.on("error", () => {});
  const started = await startAgent(options, print);
  if (!started.ok) {
    const restarted = started.existing === null ? null : await restartStoppedTimer(started.existing, options);
    if (restarted !== null) {
      console.log(restarted);
      return 0;
    }
    printError(started.message);
    return 1;
  }
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  // A second signal while handing over means "now".
  const force = () => process.exit(1);
  process.once("SIGTERM", force);
  process.once("SIGINT", force);
  await started.runner.stop();
  // Every handle is closed; should one linger, do not hang around for it.
  setTimeout(() => process.exit(0), 1000).unref();
  return 0;
}

export type StartedAgent =
  | {
      readonly ok: true;
      readonly runner: NodeRunner;
      /** Where this process reaches the agent's control port. */
      readonly control: HostPort;
      readonly teamKey: string;
    }
  | {
      readonly ok: false;
      readonly message: string;
      /** `start` found the team's session already running (here or through the worker). */
      readonly existing: ExistingSession | null;
    };

/** A running session of the team that `start` found instead of starting a second one. */
export interface ExistingSession {
  /** Where its agent answers control requests. */
  readonly control: HostPort;
  readonly teamKey: string;
  readonly status: AgentStatus;
}

/**
 * Opens the agent's ports and starts or joins a session (`options.target`), reporting to `onEvent`
 * from the `ready` line on. What `start` and `join` run in the foreground, and the menu in the
 * background of its own process. Stop it with `runner.stop()`.
 *
 * `start` never silently splits the team: when an agent of the team already answers on this
 * machine's port, or the worker lists the team's session, it returns that session as `existing`
 * instead (unless --new-session).
 */
export async function startAgent(options: RunOptions, onEvent: (event: AgentEvent) => void): Promise<StartedAgent> {
  const failed = (message: string, existing: ExistingSession | null = null): StartedAgent => ({ ok: false, message, existing });
  const starting = options.target === null && !options.viaWorker;
  let teamKey;
  try {
    teamKey = await resolveTeamKey({ explicit: options.teamKey, stateDir: options.stateDir, create: starting, worker: options.worker });
  } catch (error) {
    if (error instanceof UsageError) return failed(error.message);
    throw error;
  }
  const worker = options.worker;
  const goalCheck = options.goal === null ? null : await checkGoal(options.goalWorker, options.goal);
  if (goalCheck?.kind === "missing") return failed(goalCheck.message);
  // Said before anything else: also when `start` only restarts a running session's stopped timer.
  if (goalCheck?.kind === "unchecked") onEvent({ event: "warning", message: goalCheck.message });
  if (starting && !options.newSession) {
    const existing = await findExistingSession(options, teamKey.key);
    if (existing !== null) return failed(existing.message, existing.session);
  }
  if (options.viaWorker && worker !== null) {
    try {
      const { sessionAddressFromWorker } = await loadWorkerLink();
      const address = await sessionAddressFromWorker(worker.url, worker.token);
      // Agents register their peer address, host:tcp/udp; joining needs the TCP part.
      const peer = parsePeerAddress(address);
      const target = peer === null ? null : { host: peer.host, port: peer.port };
      if (target === null) return failed(`the worker lists the session at '${address}', which is not host:port`);
      options = { ...options, target, viaWorker: false };
    } catch (error) {
      return failed(`cannot find the session through the worker at ${worker.url}: ${(error as Error).message}`);
    }
  }
  // A new session takes over the timer the worker kept while no agent ran it.
  const adopted: TeamTimer | null = options.target === null && options.worker !== null ? await (await loadWorkerLink()).workerKeptTimer(options.worker.url, options.worker.token) : null;
  let host = options.host;
  if (host === null && options.target !== null) {
    try {
      host = await localAddressTowards(options.target);
    } catch (error) {
      return failed(`cannot reach ${formatHostPort(options.target)} to join: ${(error as Error).message}`);
    }
  }
  // Reachable from other machines, so that the invite works there.
  host ??= pickAdvertiseAddress(networkInterfaces()) ?? "127.0.0.1";
  const bindHost = isLoopback(host) ? host : isIP(host) === 6 ? "::" : "0.0.0.0";
  const open = (tcpPort: number, udpPort: number) =>
    NodeRunner.open({ nodeId: options.nodeId, teamKey: teamKey.key, advertiseHost: host, bindHost, tcpPort, udpPort, settings: options.settings, onEvent });
  let runner: NodeRunner;
  try {
    try {
      runner = await open(options.tcpPort, options.udpPort);
    } catch (error) {
      // A second agent on this machine (e.g. `join 127.0.0.1:7420` beside `start`) takes any free
      // port rather than the default one its neighbour holds; a port the user chose is kept.
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || starting || options.portGiven) throw error;
      runner = await open(0, 0);
    }
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { port?: number };
    const why = e.code === "EADDRINUSE" ? "the port is in use (another agent?); choose another with --port / --udp-port" : (e.code ?? e.message);
    return failed(`cannot listen on ${bindHost} (tcp ${options.tcpPort}, udp ${options.udpPort}): ${why}`);
  }
  onEvent({ event: "ready", node_id: runner.node.id, tcp_port: runner.tcpPort, udp_port: runner.udpPort, address: runner.address });
  if (teamKey.origin === "created") onEvent({ event: "team_key", origin: "created", file: teamKey.file! });
  if (options.keyFromInvite && storeTeamKey(options.stateDir, teamKey.key)) onEvent({ event: "team_key", origin: "invite", file: teamKeyFile(options.stateDir) });
  if (options.target === null) {
    const here = formatHostPort({ host: "127.0.0.1", port: runner.tcpPort });
    const invite = isLoopback(host) ? null : encodeInvite({ target: { host, port: runner.tcpPort }, teamKey: teamKey.key });
    onEvent({ event: "invite", invite, address: formatHostPort({ host, port: runner.tcpPort }), local: here });
  }
  const settings = adopted === null ? null : {
    focusMs: adopted.settings.focus_ms,
    shortBreakMs: adopted.settings.short_break_ms,
    longBreakMs: adopted.settings.long_break_ms,
    longBreakEvery: adopted.settings.long_break_every,
  };
  // A session adopting the worker's timer keeps its goal unless --goal names another.
  const goal = options.goal ?? adopted?.goal ?? undefined;
  if (options.target === null) runner.startSession(settings ?? undefined, goal);
  else runner.joinSession(options.target);
  if (adopted !== null) await (await loadWorkerLink()).adoptTimer(runner, adopted);
  if (options.worker !== null) {
    if (teamKey.origin !== "worker" && (await offerTeamKey(options.worker, teamKey.key)) === false) {
      onEvent({
        event: "warning",
        message: `the worker at ${options.worker.url} checks this team's agents under another key than this agent's (${teamKey.origin === "setting" ? "GROUPSYNC_TEAM_KEY" : teamKey.file}), so it will refuse this agent's reports; if yours is the team's key, give it to the worker: PUT /team/agent-key (see README)`,
      });
    }
    const { WorkerLink } = await loadWorkerLink();
    const link = new WorkerLink(runner, { url: options.worker.url, token: options.worker.token ?? undefined, teamKey: teamKey.key, onEvent });
    link.start();
    runner.onStopped(() => link.close());
  }
  const control = { host: isLoopback(bindHost) ? bindHost : bindHost === "::" ? "::1" : "127.0.0.1", port: runner.tcpPort };
  // So that a later `start` finds this session even when it does not hold the agent port.
  try {
    runner.onStopped(recordRunningAgent(options.stateDir, control));
  } catch (error) {
    onEvent({ event: "warning", message: `cannot record this agent in ${runningAgentsDir(options.stateDir)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); a later start will find it only on the agent port` });
  }
  return { ok: true, runner, control, teamKey: teamKey.key };
}

/**
 * The team's running session, if an agent on this machine answers (on its agent port, or as
 * recorded in the state directory: a `join`ed agent on a free port may hold the session after the
 * one on the default port died) or the worker knows one; null otherwise.
 */
async function findExistingSession(options: RunOptions, teamKey: string): Promise<{ readonly message: string; readonly session: ExistingSession | null } | null> {
  const apart = (extra: string) => `or, to split the team on purpose, start one apart with --new-session${extra}`;
  const local = await findLocalAgent(options, teamKey);
  if (local !== null) {
    const { control, status } = local;
    return {
      message: `an agent of your team already runs a session on this machine (node ${status.node_id}, master ${status.master ?? "being elected"}): join it with \`groupsync-agent join ${formatHostPort(control)}\`, ${apart(" --port N")}`,
      session: { control, teamKey, status },
    };
  }
  const worker = options.worker;
  if (worker === null) return null;
  let address: string;
  try {
    address = await (await loadWorkerLink()).sessionAddressFromWorker(worker.url, worker.token);
  } catch {
    return null; // No session registered (or no worker to ask): this one is the team's.
  }
  const peer = parsePeerAddress(address);
  const control = peer === null ? null : { host: peer.host, port: peer.port };
  const status = control === null ? null : await fetchStatus(control, teamKey, 1500).catch(() => null);
  return {
    message: `your team already has a session (at ${address}, as the worker at ${worker.url} says): join it with \`groupsync-agent join\` (or join ${peer === null ? address : formatHostPort(peer)}), ${apart("")}`,
    session: control === null || status === null ? null : { control, teamKey, status },
  };
}

/** An agent of the team on this machine that answers status: the one on the agent port first, else any recorded in the state directory. */
async function findLocalAgent(options: RunOptions, teamKey: string): Promise<{ readonly control: HostPort; readonly status: AgentStatus } | null> {
  const candidates: HostPort[] = options.tcpPort === 0 ? [] : [{ host: "127.0.0.1", port: options.tcpPort }];
  for (const agent of listRunningAgents(options.stateDir)) {
    if (!candidates.some((known) => known.port === agent.control.port)) candidates.push(agent.control);
  }
  // Asked at once; connection refused is instant on loopback, and an agent of another team (another key) does not answer.
  const answers = await Promise.all(candidates.map((control) => fetchStatus(control, teamKey, 1500).then((status) => ({ control, status }), () => null)));
  return answers.find((answer) => answer !== null) ?? null;
}

/**
 * `start` in a running session whose timer is stopped starts the timer again (what the original's
 * menu did); the line to print, or null when the timer runs and `start` has nothing to do.
 */
export async function restartStoppedTimer(existing: ExistingSession, options: Pick<RunOptions, "settings" | "goal">): Promise<string | null> {
  if (existing.status.phase !== "idle") return null;
  const settings = Object.keys(options.settings).length === 0 ? {} : { settings: options.settings };
  const goal = options.goal === null ? {} : { goal: options.goal };
  const applied = await applyCommand(existing.control, existing.teamKey, { kind: "start", ...settings, ...goal });
  return `the session's timer was stopped: started it again${options.goal === null ? "" : ` for goal ${options.goal}`} (node ${existing.status.node_id} at ${formatHostPort(existing.control)}; command ${applied.seq}, term ${applied.term})`;
}

/** The worker link (ws, the live-feed schemas) loads only for agents that have a worker: the rest never pay its memory. */
function loadWorkerLink(): Promise<typeof import("../worker-link.ts")> {
  return import("../worker-link.ts");
}

/** The local address this machine uses to reach `target`: what other members can reach us at. */
function localAddressTowards(target: HostPort): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    socket.setTimeout(3000, () => socket.destroy(new Error("timed out")));
    socket.once("connect", () => {
      const local = (socket.localAddress ?? "127.0.0.1").replace(/^::ffff:/, "");
      socket.destroy();
      resolve(local);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => reject(new Error(error.code === "ECONNREFUSED" ? "connection refused" : (error.code ?? error.message))));
  });
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

function writeLine(stream: NodeJS.WriteStream, line: string): void {
  stream.write(`${line}\n`);
}

// ---- asking a running agent --------------------------------------------------------------------

/** The agent refused a request (e.g. pause while paused); `code` is for programs, the message for people. */
export class RequestRefused extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** The agent's status, its times on this machine's clock. Throws ControlError or RequestRefused. */
export async function fetchStatus(peer: HostPort, teamKey: string, timeoutMs?: number): Promise<AgentStatus> {
  const exchange = await requestControl({ target: peer, teamKey, request: { op: "status" }, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  const { reply } = exchange;
  if (!reply.ok || !("status" in reply)) throw refusal(reply);
  return onLocalClock(reply.status, exchange.agentOffsetMs, exchange.rttMs);
}

/** Has the master apply `command`; answers once it did. Throws ControlError or RequestRefused. */
export async function applyCommand(peer: HostPort, teamKey: string, command: TimerCommand): Promise<{ readonly seq: number; readonly term: number }> {
  const { reply } = await requestControl({ target: peer, teamKey, request: { op: "command", command } });
  if (!reply.ok || !("outcome" in reply)) throw refusal(reply);
  return { seq: reply.seq, term: reply.term };
}

/** What `groupsync-agent <command>` prints when the master applied it. */
export function describeApplied(kind: TimerCommand["kind"], applied: { readonly seq: number; readonly term: number }): string {
  return `${kind}: applied by the master (command ${applied.seq}, term ${applied.term})`;
}

async function showStatus(peer: HostPort, teamKey: string, json: boolean): Promise<number> {
  return reportFailure("status", json, async () => {
    const status = await fetchStatus(peer, teamKey);
    console.log(json ? JSON.stringify(status) : formatStatus(status));
  });
}

async function sendCommand(peer: HostPort, teamKey: string, command: TimerCommand, json: boolean): Promise<number> {
  return reportFailure(command.kind, json, async () => {
    const applied = await applyCommand(peer, teamKey, command);
    if (json) console.log(JSON.stringify({ ok: true, command: command.kind, outcome: "applied", seq: applied.seq, term: applied.term }));
    else console.log(describeApplied(command.kind, applied));
  });
}

/** Runs `action`; an unreachable or refusing agent becomes one line on stderr and exit code 1. */
async function reportFailure(what: string, json: boolean, action: () => Promise<void>): Promise<number> {
  try {
    await action();
    return 0;
  } catch (error) {
    if (error instanceof ControlError) {
      printError(error.message);
      return 1;
    }
    if (!(error instanceof RequestRefused)) throw error;
    if (json) console.log(JSON.stringify({ ok: false, command: what, code: error.code, message: error.message }));
    printError(`${what} refused: ${error.message} (${error.code})`);
    return 1;
  }
}

function refusal(reply: ControlReply): RequestRefused {
  return reply.ok ? new RequestRefused("unexpected", "unexpected answer") : new RequestRefused(reply.code, reply.message);
}

/**
 * The status with its times on this machine's clock. Only when the agent's clock is clearly apart
 * from ours (more than the round trip, which bounds the estimate's error) is anything moved: on one
 * machine the numbers pass through untouched.
 */
function onLocalClock(status: AgentStatus, agentOffsetMs: number, rttMs: number): AgentStatus {
  if (Math.abs(agentOffsetMs) <= Math.max(rttMs, 5)) return status;
  const shift = (ms: number | null) => (ms === null ? null : Math.round(ms - agentOffsetMs));
  return { ...status, ends_at: shift(status.ends_at), now: Math.round(status.now - agentOffsetMs) };
}
