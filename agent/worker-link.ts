/**
 * The agent's link to the worker: one WebSocket to `GET /ws?client=agent`. It registers the agent
 * and heartbeats (role, term, master, members, address), and while this agent is master it reports
 * the timer, fenced by term, and runs the timer commands REST callers send through the worker.
 *
 * Every message it sends is signed under the team key for the socket's nonce (shared/agent-proof.ts):
 * the hub treats a socket as an agent only once it has proven the key.
 *
 * The P2P session never depends on it: if the worker is down the timer keeps running, and the link
 * reconnects with backoff. Everything that goes wrong here becomes a warning event, never a throw.
 */
import WebSocket from "ws";
import { signAgentMessage } from "../shared/agent-proof.ts";
import { AgentInfo, AgentTimerReport, HubNotice, TeamTimer, type AgentMessage } from "../shared/live.ts";
import { z } from "zod";
import { isGoalId, phaseDurationMs, remaining, type TimerCommand } from "../shared/pomodoro.ts";
import type { AgentEvent } from "./agent-events.ts";
import type { NodeRunner } from "./node-runner.ts";

export interface WorkerLinkOptions {
  /** The worker's base URL, e.g. http://127.0.0.1:8787. */
  readonly url: string;
  readonly token: string | undefined;
  /** The key the agent runs with; the hub checks it (the team's key at GET /team/agent-key). */
  readonly teamKey: string;
  readonly onEvent: (event: AgentEvent) => void;
  readonly heartbeatIntervalMs?: number;
}

/** An agent message before it is signed: `at` and `mac` are added by #send. */
type UnsignedMessage = AgentMessage extends infer M ? (M extends { type: "ping" } ? never : Omit<M, "at" | "mac">) : never;

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5000;

/** The timer as reported: what the master knows, relative to now (no clock needs to agree with the worker's). */
export function timerReport(runner: NodeRunner, now: number): AgentTimerReport {
  const timer = runner.node.timerAt(now);
  const settings = timer.settings;
  return {
    phase: timer.phase,
    paused: timer.paused,
    round: timer.completedFocusRounds,
    remaining_ms: Math.round(remaining(timer, now)),
    duration_ms: phaseDurationMs(timer.phase, settings),
    settings: { focus_ms: settings.focusMs, short_break_ms: settings.shortBreakMs, long_break_ms: settings.longBreakMs, long_break_every: settings.longBreakEvery },
    goal: timer.goal ?? null,
  };
}

export class WorkerLink {
  readonly #runner: NodeRunner;
  readonly #options: WorkerLinkOptions;
  #socket: WebSocket | null = null;
  #closed = false;
  #backoffMs = RECONNECT_MIN_MS;
  #heartbeat: NodeJS.Timeout | null = null;
  #reconnect: NodeJS.Timeout | null = null;
  /**
   * The hub has not heard the timer as it is now: a new connection, a request for it, or a change the
   * core reported (timer_changed, or a new term or role, which the hub fences reports by) since the last.
   */
  #reportDue = true;
  #connectedOnce = false;
  /** This socket's nonce and the worker's clock minus ours, from its hello; nothing is sent before. */
  #hello: { readonly socket: WebSocket; readonly nonce: string; readonly offsetMs: number; lastAt: number } | null = null;
  /** Signing awaits: sends go through here in order, so a report never overtakes its heartbeat. */
  #outbox: Promise<void> = Promise.resolve();
  /** The hub refused the last report (a term it would not take yet): report again with each heartbeat. */
  #reportAgain = false;
  /** Problems already warned about on this socket (the hub repeats them for every message). */
  readonly #warned = new Set<string>();

  constructor(runner: NodeRunner, options: WorkerLinkOptions) {
    this.#runner = runner;
    this.#options = options;
    runner.onNodeEvent((event) => {
      if (this.#closed) return;
      if (event.type !== "timer_changed" && event.type !== "term_changed" && event.type !== "role_changed") return;
      this.#reportDue = true;
      this.#reportIfDue();
    });
  }

  start(): void {
    this.#connect();
    this.#heartbeat = setInterval(() => this.#sendHeartbeat(), this.#options.heartbeatIntervalMs ?? 2000);
    this.#heartbeat.unref();
  }

  /** Sends a last report (a stopping master hands over; its successor reports next) and closes. */
  close(): void {
    this.#closed = true;
    for (const timer of [this.#heartbeat, this.#reconnect]) if (timer !== null) clearInterval(timer);
    this.#socket?.close(1000, "agent stopping");
    this.#socket = null;
  }

  #connect(): void {
    if (this.#closed) return;
    const url = new URL("/ws", this.#options.url);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    url.searchParams.set("client", "agent");
    const headers: Record<string, string> = this.#options.token ? { authorization: `Bearer ${this.#options.token}` } : {};
    const socket = new WebSocket(url, { headers, handshakeTimeout: 5000, maxPayload: 1024 * 1024 });
    this.#socket = socket;
    socket.on("open", () => {
      this.#backoffMs = RECONNECT_MIN_MS;
      this.#reportDue = true; // a new connection hears everything again (once its hello came)
      this.#hello = null;
      this.#warned.clear();
      if (!this.#connectedOnce) this.#options.onEvent({ event: "worker", connected: true, url: this.#options.url });
      this.#connectedOnce = true;
    });
    socket.on("message", (data) => this.#onMessage(socket, String(data)));
    socket.on("unexpected-response", (_request, response) => {
      this.#warn(`worker refused the link: HTTP ${response.statusCode}${response.statusCode === 401 ? " (check GROUPSYNC_TOKEN)" : ""}`);
    });
    socket.on("error", () => {}); // followed by close, which schedules the retry
    socket.on("close", () => {
      if (this.#socket === socket) this.#socket = null;
      this.#scheduleReconnect();
    });
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnect !== null) return;
    this.#reconnect = setTimeout(() => {
      this.#reconnect = null;
      this.#connect();
    }, this.#backoffMs);
    this.#reconnect.unref();
    this.#backoffMs = Math.min(RECONNECT_MAX_MS, this.#backoffMs * 2);
  }

  #onMessage(socket: WebSocket, text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return;
    }
    const notice = HubNotice.safeParse(value);
    if (!notice.success) return; // a change of the team feed: the agent has no use for it
    const message = notice.data;
    if (message.type === "hello") {
      // Registers at once: the hub signs us in by the first proven heartbeat.
      this.#hello = { socket, nonce: message.nonce, offsetMs: message.server_time - Date.now(), lastAt: 0 };
      this.#sendHeartbeat();
      this.#reportIfDue();
    } else if (message.type === "command") void this.#runForwardedCommand(message.request_id, message.command);
    else if (message.type === "report.wanted") {
      this.#reportDue = true;
      this.#reportIfDue();
    }
    else if (message.type === "report.refused") {
      this.#reportAgain = true;
      const why = message.code === "stale_term" ? "is older than" : "jumps too far above";
      this.#warnOnce(`report.${message.code}`, `the worker refused this agent's report: term ${message.term} ${why} ${message.current_term}; reporting again with each heartbeat`);
    } else if (message.type === "error") {
      const hint = message.code === "not_proven" ? " (the worker checks the team key: GROUPSYNC_TEAM_KEY must be the one at GET /team/agent-key, see README)" : "";
      // Refused unheard: once the key is right again (a PUT), the next heartbeat brings the report too.
      if (message.code === "not_proven" || message.code === "stale_message" || message.code === "dependency_unavailable") this.#reportAgain = true;
      this.#warnOnce(message.code, `worker: ${message.code}: ${message.message}${hint}`);
    }
  }

  async #runForwardedCommand(requestId: string, raw: Record<string, unknown>): Promise<void> {
    const command = parseCommand(raw);
    if (command === null) return this.#send({ type: "command.result", request_id: requestId, ok: false, error: { code: "bad_command", message: "the agent does not understand that command" } });
    const reply = await this.#runner.runCommand(command);
    const now = Date.now();
    if (!reply.ok) return this.#send({ type: "command.result", request_id: requestId, ok: false, error: { code: reply.code, message: reply.message } });
    this.#send({ type: "command.result", request_id: requestId, ok: true, term: this.#runner.node.term, timer: timerReport(this.#runner, now) });
  }

  #sendHeartbeat(): void {
    const node = this.#runner.node;
    const reportAgain = this.#reportAgain && node.role === "master";
    if (reportAgain) {
      this.#reportAgain = false;
      this.#reportDue = true;
    }
    this.#send({
      type: "agent.heartbeat",
      node_id: node.id,
      role: node.role === "master" ? "master" : "peer",
      term: node.term,
      master: node.masterId,
      members: node.members.map((m) => m.id).slice(0, 64),
      tcp: this.#runner.address,
    });
    if (reportAgain) this.#reportIfDue();
  }

  /** Reports the timer if the hub has not heard it as it is, while this agent is master and the socket is signed in. */
  #reportIfDue(): void {
    const node = this.#runner.node;
    if (!this.#reportDue || node.role !== "master" || this.#socket?.readyState !== WebSocket.OPEN || this.#hello?.socket !== this.#socket) return;
    this.#reportDue = false;
    this.#sendHeartbeat(); // the hub learns the role and term before the report it fences
    this.#send({ type: "timer.report", node_id: node.id, term: node.term, timer: timerReport(this.#runner, Date.now()) });
  }

  /** Signs `message` for this socket (at: the worker's time as we estimate it) and sends it, in order. */
  #send(message: UnsignedMessage): void {
    const socket = this.#socket;
    const hello = this.#hello;
    if (socket === null || socket.readyState !== WebSocket.OPEN || hello?.socket !== socket) return;
    // Strictly increasing on one socket: the hub takes each signed message once and none older than
    // the last (two identical heartbeats in one millisecond would otherwise be one message twice).
    const at = Math.max(hello.lastAt + 1, Math.round(Date.now() + hello.offsetMs));
    hello.lastAt = at;
    const unsigned = { ...message, at };
    this.#outbox = this.#outbox
      .then(() => signAgentMessage(this.#options.teamKey, hello.nonce, unsigned))
      .then((signed) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(signed), () => {});
      })
      .catch((error: unknown) => this.#warn(`cannot sign a message to the worker: ${String(error)}`));
  }

  #warn(message: string): void {
    this.#options.onEvent({ event: "warning", message });
  }

  #warnOnce(what: string, message: string): void {
    if (this.#warned.has(what)) return;
    this.#warned.add(what);
    this.#warn(message);
  }
}

/** A forwarded command, checked field by field: the worker is trusted, but a bug there must not crash the agent. */
function parseCommand(raw: Record<string, unknown>): TimerCommand | null {
  switch (raw.kind) {
    case "pause":
    case "resume":
    case "skip":
    case "stop":
      return { kind: raw.kind };
    case "set":
      return typeof raw.durationMs === "number" && Number.isFinite(raw.durationMs) ? { kind: "set", durationMs: raw.durationMs } : null;
    case "start": {
      const settings = typeof raw.settings === "object" && raw.settings !== null ? (raw.settings as Record<string, unknown>) : {};
      const picked: Record<string, number> = {};
      for (const key of ["focusMs", "shortBreakMs", "longBreakMs", "longBreakEvery"]) if (typeof settings[key] === "number") picked[key] = settings[key];
      if (raw.goal !== undefined && !isGoalId(raw.goal)) return null;
      return { kind: "start", settings: picked, ...(raw.goal === undefined ? {} : { goal: raw.goal }) };
    }
    default:
      return null;
  }
}

// ---- before the session: what the worker knows ----------------------------------------------------

const AgentList = z.object({ agents: z.array(AgentInfo), master: z.string().nullable() });

async function getJson(url: string, path: string, token: string | null, timeoutMs: number): Promise<unknown> {
  const res = await fetch(new URL(path, url), { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${path} answered HTTP ${res.status}${res.status === 401 ? " (check GROUPSYNC_TOKEN)" : ""}`);
  return res.json();
}

/** `join` with no address: the master's address as the worker lists it, else any connected agent's. */
export async function sessionAddressFromWorker(url: string, token: string | null): Promise<string> {
  const list = AgentList.parse(await getJson(url, "/agents", token, 5000));
  const connected = list.agents.filter((agent) => agent.connected && agent.tcp !== null);
  const master = connected.find((agent) => agent.node_id === list.master) ?? connected.find((agent) => agent.role === "master") ?? connected[0];
  if (master?.tcp == null) throw new Error("no agent of your team is registered with the worker; start a session first (groupsync-agent start)");
  return master.tcp;
}

/** The team timer the worker keeps, or null if it is idle, driven by agents, or unreachable. */
export async function workerKeptTimer(url: string, token: string | null): Promise<TeamTimer | null> {
  try {
    const timer = TeamTimer.parse(await getJson(url, "/pomo/state", token, 2000));
    return timer.phase !== "idle" && timer.master === null ? timer : null;
  } catch {
    return null;
  }
}

/**
 * A new session adopts the timer the worker kept while no agent ran it: same settings, phase and
 * round (reached by skipping from the first focus), time left and pause. Only commands any member
 * could send are used, so the session's log explains every step.
 */
export async function adoptTimer(runner: NodeRunner, timer: TeamTimer): Promise<void> {
  const target = timer.phase === "focus" ? 2 * timer.round : 2 * timer.round - 1;
  for (let i = 0; i < Math.min(target, 200); i++) if (!(await runner.runCommand({ kind: "skip" })).ok) return;
  if (timer.remaining_ms > 0) await runner.runCommand({ kind: "set", durationMs: timer.remaining_ms });
  if (timer.paused) await runner.runCommand({ kind: "pause" });
}
