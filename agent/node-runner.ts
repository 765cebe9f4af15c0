/**
 * The I/O shell around one ElectionNode, like etcd's raft node runner around its state machine: it
 * feeds the node the clock (`tick` every few ms), the network (`receive`) and the user (`command`,
 * `leave`), and carries out what the node outputs: messages go out over TCP to the addresses the node
 * names, events become AgentEvents. The node decides everything; this file only moves bytes.
 *
 * Transports: TCP for every core message (join, membership, heartbeats with their clock probes,
 * votes, commands) and for the CLI's control requests; UDP for the master's timer ticks. Everything
 * is a signed envelope (net/wire-auth.ts); whatever fails to open is dropped and counted, never thrown.
 */
import { createServer, type Server, type Socket } from "node:net";
import { fromNodeEvent, type AgentEvent } from "./agent-events.ts";
import { COMMAND_CONFIRM_TIMEOUT_MS, parseControlRequest, type ControlReply } from "./control/protocol.ts";
import { ElectionNode, type ElectionConfig } from "./core/election.ts";
import { stampKey } from "../shared/lamport.ts";
import type { AppliedCommand, NodeEvent, NodeOutput } from "./core/messages.ts";
import { remaining, type PomodoroSettings, type TimerCommand, type TimerErrorCode } from "../shared/pomodoro.ts";
import { DropCounters, type DropReason, type Transport } from "./net/drop-counters.ts";
import type { SignedEnvelope } from "./net/envelope.ts";
import { readFrames, type FrameReader } from "./net/frame-reader.ts";
import { encodeFrame } from "./net/frames.ts";
import { encodeHello, encodeRefusal } from "./net/handshake.ts";
import { InboundGate } from "./net/inbound-gate.ts";
import { OutgoingLinks } from "./net/outgoing-links.ts";
import { formatHostPort, formatPeerAddress, parsePeerAddress, type HostPort } from "./net/peer-address.ts";
import { portRefuses } from "./net/port-probe.ts";
import { newChallenge, tcpBinding, udpBinding } from "./net/recipient-binding.ts";
import { openUdpEndpoint, type UdpEndpoint } from "./net/udp-endpoint.ts";
import { WireAuth } from "./net/wire-auth.ts";
import type { ControlBody, TickBody } from "./net/wire-body.ts";
import { buildStatus, type AgentStatus, type ShellFacts } from "./status-report.ts";

export interface NodeRunnerOptions {
  readonly nodeId: string;
  readonly teamKey: string;
  /** The host other members reach this agent at. */
  readonly advertiseHost: string;
  /** The interface to listen on. */
  readonly bindHost: string;
  /** 0 picks a free port. */
  readonly tcpPort: number;
  readonly udpPort: number;
  /** Timer settings this agent starts a session with (and uses until a start command says otherwise). */
  readonly settings: Partial<PomodoroSettings>;
  readonly onEvent: (event: AgentEvent) => void;
  readonly election?: Partial<ElectionConfig>;
  /** How often the node's clock advances. */
  readonly loopIntervalMs?: number;
  /**
   * How often a master sends its timer over UDP (default 1 s). Ticks only refresh `last_tick`: the
   * truth travels in heartbeats ten times a second, so four signed datagrams a second per member
   * (the old 250 ms) cost the master CPU for nothing a member shows.
   */
  readonly udpTickIntervalMs?: number;
}

interface PendingConfirmation {
  readonly deadline: number;
  readonly respond: (reply: ControlReply) => void;
}

const LINK_SWEEP_INTERVAL_MS = 5000;
const REFUSAL_WARNING_INTERVAL_MS = 10_000;

const REFUSALS: Record<TimerErrorCode, string> = {
  not_running: "the timer is idle",
  already_running: "the timer is already running",
  already_paused: "the timer is already paused",
  not_paused: "the timer is not paused",
  invalid_duration: "that duration is out of range (more than 0, at most 24 h)",
  invalid_settings: "those settings are out of range",
};

export class NodeRunner {
  readonly node: ElectionNode;
  readonly tcpPort: number;
  readonly udpPort: number;
  readonly drops = new DropCounters();
  readonly #auth: WireAuth;
  readonly #server: Server;
  readonly #udp: UdpEndpoint;
  readonly #links = new OutgoingLinks({ onRefused: (target, reason) => this.#onRefused(target, reason) });
  /** When each peer's refusal was last reported, so a link retried every few ms warns once in a while. */
  readonly #refusalsWarnedAt = new Map<string, number>();
  readonly #inbound = new Set<Socket>();
  /** Accepted connections that have not sent a signed frame yet (no key needed to open one). */
  readonly #unauthenticated = new InboundGate<Socket>();
  readonly #onEvent: (event: AgentEvent) => void;
  readonly #settings: Partial<PomodoroSettings>;
  readonly #udpTickIntervalMs: number;
  readonly #startedAt = Date.now();
  readonly #confirmations = new Map<string, PendingConfirmation>();
  #loop: NodeJS.Timeout | null = null;
  #nextUdpTickAt = 0;
  #nextSweepAt = 0;
  #ticksReceived = 0;
  #lastTick: ShellFacts["lastTick"] = null;
  #unroutable = 0;
  #stopping: Promise<void> | null = null;
  /** Who signed the core messages on each inbound connection (the master's tells us when it dies). */
  readonly #speakers = new WeakMap<Socket, string>();
  readonly #stopHooks: Array<() => void> = [];
  readonly #nodeEventListeners: Array<(event: NodeEvent) => void> = [];

  /** Binds the TCP and UDP ports; nothing is sent until startSession() or joinSession(). */
  static async open(options: NodeRunnerOptions): Promise<NodeRunner> {
    let runner: NodeRunner | null = null;
    const server = createServer((socket) => {
      if (runner === null) socket.destroy();
      else runner.#accept(socket);
    });
    server.maxConnections = 512;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.tcpPort, options.bindHost, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", () => {}); // Accept errors (e.g. EMFILE) affect one connection, not the agent.
    const tcpPort = (server.address() as { port: number }).port;
    let udp: UdpEndpoint;
    try {
      udp = await openUdpEndpoint(options.bindHost, options.udpPort, {
        onDatagram: (text) => {
          if (runner !== null) runner.#onDatagram(text);
        },
        onOversize: () => {
          if (runner !== null) runner.#drop("oversize", "udp");
        },
        onError: (error) => {
          if (runner !== null) runner.#warn(`udp: ${describe(error)}`);
        },
      });
    } catch (error) {
      server.close();
      throw error;
    }
    runner = new NodeRunner(options, server, udp, tcpPort);
    return runner;
  }

  private constructor(options: NodeRunnerOptions, server: Server, udp: UdpEndpoint, tcpPort: number) {
    this.#server = server;
    this.#udp = udp;
    this.tcpPort = tcpPort;
    this.udpPort = udp.port;
    this.#onEvent = options.onEvent;
    this.#settings = options.settings;
    this.#udpTickIntervalMs = options.udpTickIntervalMs ?? 1000;
    this.node = new ElectionNode({
      id: options.nodeId,
      address: formatPeerAddress(options.advertiseHost, tcpPort, udp.port),
      now: Date.now(),
      random: Math.random,
      config: options.election,
      settings: options.settings,
    });
    this.#auth = new WireAuth({ teamKey: options.teamKey, senderId: options.nodeId });
    // Every 50 ms: half the heartbeat interval (core config), so heartbeats leave at most 50 ms late.
    // Each wake-up costs (an empty 25 ms interval alone is 0.5 % CPU here); a 10 ms loop cost an
    // agent at rest ~3 % CPU for no gain in failover time.
    this.#loop = setInterval(() => this.#runLoop(), options.loopIntervalMs ?? 50);
  }

  get address(): string {
    return this.node.address;
  }

  /** Begins a new session with this agent as its master, and starts the first focus phase (for `goal`, if given). */
  startSession(settings: Partial<PomodoroSettings> = this.#settings, goal?: string): void {
    const now = Date.now();
    this.#deliver(this.node.bootstrap(now));
    this.#deliver(this.node.command({ kind: "start", settings, ...(goal === undefined ? {} : { goal }) }, now));
  }

  /**
   * Runs a timer command as if a member typed it here, answering once the master applied or
   * refused it. The worker forwards REST commands to the master agent this way.
   */
  runCommand(command: TimerCommand): Promise<ControlReply> {
    if (this.#stopping !== null) return Promise.resolve({ ok: false, code: "stopping", message: "the agent is stopping" });
    return new Promise((respond) => this.#guarded(() => this.#command(command, Date.now(), respond)));
  }

  /** Asks the agent at `target` (any member) to let this one in. */
  joinSession(target: HostPort): void {
    this.#deliver(this.node.join(formatHostPort(target), Date.now()));
  }

  status(now = Date.now()): AgentStatus {
    return buildStatus(
      this.node,
      {
        tcpPort: this.tcpPort,
        udpPort: this.udpPort,
        startedAt: this.#startedAt,
        ticksReceived: this.#ticksReceived,
        lastTick: this.#lastTick,
        drops: this.drops.snapshot(),
        links: { ...this.#links.stats, unsent: this.#links.stats.unsent + this.#unroutable },
      },
      now,
    );
  }

  /**
   * Leaves the session gracefully: a master hands over to a successor and waits to see it take
   * over (the core's leave()), so the group is never without a master; then every socket closes.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** Hears every event the node outputs, after the agent's own handling (the worker link reports timer changes so). */
  onNodeEvent(listener: (event: NodeEvent) => void): void {
    this.#nodeEventListeners.push(listener);
  }

  /** Runs `hook` once the agent has left (after a master's handover), before the `stopped` event. */
  onStopped(hook: () => void): void {
    this.#stopHooks.push(hook);
  }

  async #stop(): Promise<void> {
    const started = Date.now();
    this.#guarded(() => this.#deliver(this.node.leave(started)));
    const deadline = started + this.node.config.leaveTimeoutMs + 500;
    while (!this.node.hasLeft && Date.now() < deadline) await sleep(10);
    if (this.#loop !== null) clearInterval(this.#loop);
    this.#loop = null;
    for (const { respond } of this.#confirmations.values()) respond({ ok: false, code: "stopping", message: "the agent is stopping" });
    this.#confirmations.clear();
    await this.#links.close(500);
    for (const socket of this.#inbound) socket.destroy();
    await Promise.all([new Promise((resolve) => this.#server.close(resolve)), this.#udp.close()]);
    for (const hook of this.#stopHooks) hook();
    this.#onEvent({ event: "stopped" });
  }

  // ---- the clock ---------------------------------------------------------------------------

  #runLoop(): void {
    const now = Date.now();
    this.#guarded(() => this.#deliver(this.node.tick(now)));
    this.#sendUdpTicks(now);
    for (const [key, pending] of this.#confirmations) {
      if (now < pending.deadline) continue;
      this.#confirmations.delete(key);
      pending.respond({
        ok: false,
        code: "unconfirmed",
        message: `no master confirmed the command within ${COMMAND_CONFIRM_TIMEOUT_MS / 1000} s; the agent keeps resending it until one does`,
      });
    }
    if (now >= this.#nextSweepAt) {
      this.#nextSweepAt = now + LINK_SWEEP_INTERVAL_MS;
      this.#links.sweep(now);
    }
  }

  // ---- sending -----------------------------------------------------------------------------

  /** Carries out a node output: messages to the addresses the node names, events to the user. */
  #deliver(output: NodeOutput): void {
    const node = this.node;
    for (const { to, message } of output.messages) {
      const addresses =
        to === "all"
          ? node.members.filter((member) => member.id !== node.id).map((member) => member.address)
          : typeof to === "string"
            ? [node.addressOf(to)]
            : [to.address];
      for (const address of addresses) {
        const peer = address === null || address === node.address ? null : parsePeerAddress(address);
        if (peer === null) {
          this.#unroutable += 1;
          continue;
        }
        this.#links.send(peer, (to) => this.#auth.seal({ kind: "core", message }, message.term, to));
      }
    }
    for (const event of output.events) {
      this.#onEvent(fromNodeEvent(event));
      if (event.type === "command_applied") this.#confirm(event.entry);
      if (event.type === "command_overridden") this.#refuseOverridden(event.overridden.entry);
      for (const listener of this.#nodeEventListeners) listener(event);
    }
  }

  /** The master sends its timer to every member over UDP; losing one changes nothing. */
  #sendUdpTicks(now: number): void {
    const node = this.node;
    if (node.role !== "master" || now < this.#nextUdpTickAt) return;
    this.#nextUdpTickAt = now + this.#udpTickIntervalMs;
    const timer = node.timerAt(now);
    const tick: TickBody = {
      kind: "tick",
      phase: timer.phase,
      paused: timer.paused,
      ends_at: timer.paused ? null : timer.endsAt,
      remaining_ms: remaining(timer, now),
      sent_at: now,
    };
    for (const member of node.members) {
      if (member.id === node.id) continue;
      const peer = parsePeerAddress(member.address);
      // Bound to the member's current run, known once it has spoken to us over TCP (acks do, every other beat).
      const boot = this.#auth.bootOf(member.id);
      if (peer?.udpPort == null || boot === null) continue;
      this.#udp.send(peer.host, peer.udpPort, this.#auth.seal(tick, node.term, udpBinding(member.id, boot)));
    }
  }

  // ---- receiving ---------------------------------------------------------------------------

  /**
   * Greets the connection with a fresh challenge that everything signed on it must be bound to, and
   * counts it as unauthenticated until a frame opens (too many such: the oldest is closed).
   */
  #accept(socket: Socket): void {
    this.#inbound.add(socket);
    for (const crowded of this.#unauthenticated.admit(socket, socket.remoteAddress ?? "")) {
      this.#drop("crowded", "tcp");
      // Said before closing, so a CLI pushed out by a flood can name the cause.
      crowded.end(encodeFrame(encodeRefusal("crowded")), () => crowded.destroy());
    }
    socket.on("close", () => {
      this.#inbound.delete(socket);
      this.#unauthenticated.release(socket);
      this.#checkMasterGone(socket);
    });
    const challenge = newChallenge();
    const reader = readFrames(socket, {
      onFrame: (text) => this.#onTcpFrame(text, socket, challenge, reader),
      onDrop: (reason) => this.#drop(reason, "tcp"),
      onError: (error) => this.#warn(`while handling a message: ${describe(error)}`),
    });
    socket.write(encodeFrame(encodeHello(challenge)));
  }

  #onTcpFrame(text: string, socket: Socket, challenge: string, reader: FrameReader): void {
    if (socket.writableEnded) return; // refused already; what follows is not read
    const result = this.#auth.open(text, { to: tcpBinding(challenge) });
    if (!result.ok) {
      this.#drop(result.reason, "tcp");
      // Whoever cannot sign for this connection is no peer of ours: say why (so a CLI can tell a wrong
      // key from anything else) and close. A replay may come from a confused one, so it stays.
      if (result.reason !== "replay") socket.end(encodeFrame(encodeRefusal(result.reason)), () => socket.destroy());
      return;
    }
    reader.authenticated();
    this.#unauthenticated.release(socket);
    const { envelope, body } = result.opened;
    switch (body.kind) {
      case "core":
        if (this.#stopping !== null && this.node.hasLeft) return;
        this.#heardFrom(envelope.from);
        this.#speakers.set(socket, envelope.from);
        const refusedBefore = { term: this.node.refusedTermJumps, lamport: this.node.refusedLamportJumps };
        this.#deliver(this.node.receive(body.message, Date.now()));
        if (this.node.refusedTermJumps !== refusedBefore.term) this.#drop("term_jump", "tcp");
        if (this.node.refusedLamportJumps !== refusedBefore.lamport) this.#drop("lamport_jump", "tcp");
        return;
      case "tick":
        return this.#onTick(envelope, body);
      case "control":
        return this.#onControl(envelope, body, socket, challenge);
      case "control_reply":
        return this.#drop("unexpected", "tcp");
    }
  }

  /**
   * The master's own connection to us closed: if its port now refuses connections, its process is
   * gone (SIGKILL, a crash) and the followers need not wait out the election timeout (core masterGone).
   */
  #checkMasterGone(socket: Socket): void {
    const speaker = this.#speakers.get(socket);
    if (speaker === undefined || speaker !== this.node.masterId || this.#stopping !== null) return;
    const address = this.node.addressOf(speaker);
    const peer = address === null ? null : parsePeerAddress(address);
    if (peer === null) return;
    void portRefuses(peer).then((refused) => {
      if (refused && this.#stopping === null) this.#guarded(() => this.#deliver(this.node.masterGone(speaker, Date.now())));
    });
  }

  /** Proof of life for our link to that peer (net/link-health.ts): links to silent peers get replaced. */
  #heardFrom(id: string): void {
    const address = this.node.addressOf(id);
    const peer = address === null ? null : parsePeerAddress(address);
    if (peer !== null) this.#links.heardFrom(peer);
  }

  #onDatagram(text: string): void {
    const node = this.node;
    // No connection, so no challenge: bound to this run, and fresh by the sender's clock as we estimate it.
    const senderOffsetMs = (from: string) => (from === node.masterId ? node.offsetToMasterMs() : null);
    const result = this.#auth.open(text, { to: this.#auth.udpBinding, senderOffsetMs });
    if (!result.ok) return this.#drop(result.reason, "udp");
    const { envelope, body } = result.opened;
    if (body.kind !== "tick") return this.#drop("unexpected", "udp");
    this.#onTick(envelope, body);
  }

  #onTick(envelope: SignedEnvelope, tick: TickBody): void {
    this.#ticksReceived += 1;
    this.#lastTick = { from: envelope.from, term: envelope.term, phase: tick.phase, paused: tick.paused, ends_at: tick.ends_at, receivedAt: Date.now() };
  }

  /** Freshness needs no clock here: the request was signed for this connection's challenge. */
  #onControl(envelope: SignedEnvelope, body: ControlBody, socket: Socket, challenge: string): void {
    const now = Date.now();
    const respond = (reply: ControlReply): void => {
      if (!socket.destroyed) socket.write(encodeFrame(this.#auth.seal({ kind: "control_reply", re: envelope.seq, reply }, this.node.term, tcpBinding(challenge))));
    };
    const request = parseControlRequest(body.request);
    if (request === null) return respond({ ok: false, code: "bad_request", message: "this agent does not understand that request" });
    if (request.op === "status") return respond({ ok: true, status: this.status(now) });
    if (this.#stopping !== null) return respond({ ok: false, code: "stopping", message: "the agent is stopping" });
    this.#command(request.command, now, respond);
  }

  /** Issues a command on the node and answers once the master's log shows it applied (or refused). */
  #command(command: TimerCommand, now: number, respond: (reply: ControlReply) => void): void {
    const output = this.node.command(command, now);
    this.#confirmations.set(stampKey(output.stamp), { deadline: now + COMMAND_CONFIRM_TIMEOUT_MS, respond });
    this.#deliver(output);
  }

  #confirm(entry: AppliedCommand): void {
    const key = stampKey(entry.stamp);
    const pending = this.#confirmations.get(key);
    if (pending === undefined) return;
    this.#confirmations.delete(key);
    if (entry.outcome === "applied") pending.respond({ ok: true, outcome: "applied", seq: entry.seq, term: entry.term });
    else pending.respond({ ok: false, code: entry.outcome, message: REFUSALS[entry.outcome] });
  }

  /** A command applied on the side of a partition that lost the merge: its issuer hears so if still waiting. */
  #refuseOverridden(entry: AppliedCommand): void {
    const key = stampKey(entry.stamp);
    const pending = this.#confirmations.get(key);
    if (pending === undefined) return;
    this.#confirmations.delete(key);
    pending.respond({ ok: false, code: "overridden", message: "it was overridden when the session merged with another side of a partition" });
  }

  /** A peer closed our link saying why: worth a line, since only a user can fix a wrong key. */
  #onRefused(target: HostPort, reason: string): void {
    const where = formatHostPort(target);
    const now = Date.now();
    if (now - (this.#refusalsWarnedAt.get(where) ?? -Infinity) < REFUSAL_WARNING_INTERVAL_MS) return;
    this.#refusalsWarnedAt.set(where, now);
    if (this.#refusalsWarnedAt.size > 1024) this.#refusalsWarnedAt.clear();
    const why = reason === "bad_mac" ? "it could not verify our signature: GROUPSYNC_TEAM_KEY is not the same as its" : `it refused our message (${reason})`;
    this.#warn(`the agent at ${where} closed our link: ${why}`);
  }

  #drop(reason: DropReason, transport: Transport): void {
    this.drops.add(reason, transport);
  }

  #warn(message: string): void {
    this.#onEvent({ event: "warning", message });
  }

  /** A throw from the core is a bug; report it and keep serving rather than take the agent down. */
  #guarded(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.#warn(`internal error: ${describe(error)}`);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
