import { DurableObject } from "cloudflare:workers";
import { checkAgentProof, type ProofCheck } from "../../shared/agent-proof.ts";
import { base64url } from "../../shared/base64url.ts";
import { AgentMessage, LIVE_CLOSE, MAX_CLIENT_MESSAGE_BYTES, MESSAGE_BURST, MESSAGES_PER_SECOND, type AgentInfo, type AgentTimerReport, type HubNotice, type TeamTimer } from "../../shared/live.ts";
import { advance, applyTimerCommand, type TimerCommand } from "../../shared/pomodoro.ts";
import { storedTeamAgentKey } from "../auth/agent-key.ts";
import { configOf, type Env } from "../env.ts";
import { describeIssues } from "../request.ts";
import { mainStore } from "../storage/stores.ts";
import { IDLE_HUB_SKIP_MS } from "./changes.ts";
import { appendToFeed, feedKeys, latestSeq, numbered, readFeed, type FeedEntry } from "./feed.ts";
import { PresenceBatcher } from "./presence.ts";
import { takeOnce, type TakenMessages } from "./replay-guard.ts";
import { MessageBudget, notUtf8, tooBig } from "./socket-limits.ts";
import { SocketRoster } from "./socket-roster.ts";
import {
  emptyRecord,
  judgeReport,
  MASTER_LEASE_MS,
  masterAlive,
  recordAfterCommand,
  recordFromReport,
  sameTimer,
  teamTimerView,
  type MasterPresence,
  type TimerRecord,
} from "./team-timer.ts";
import { putTimerScript } from "./timer-scripts.ts";
import { putTimerAndRounds } from "../focus/focus-store.ts";
import { focusRound, roundsEnded, type RoundContext } from "../focus/round-ending.ts";

/** What each socket carries through hibernation (serializeAttachment). */
interface SocketInfo {
  team: string;
  member: string;
  kind: "agent" | "browser";
  /** Sent in hello; every agent message on this socket is signed for it (shared/agent-proof.ts). */
  nonce: string;
  /** Set by the first proven heartbeat: a socket is an agent only once it has proven the team key. */
  nodeId?: string;
  role?: "master" | "peer";
  term?: number;
  master?: string | null;
  tcp?: string | null;
  /** When this socket's agent was last heard (a proven message). */
  lastSeen: number;
  /** The signed messages this socket has had taken, so a copy is refused (replay-guard.ts). */
  taken?: TakenMessages;
}

type SignedMessage = Exclude<AgentMessage, { type: "ping" }>;
type CommandResult = Extract<AgentMessage, { type: "command.result" }>;

export type CommandAnswer = { ok: true; timer: TeamTimer } | { ok: false; status: 409 | 503; code: string; message: string };

/** A socket replaying the feed gets no live messages until it has caught up (then it resumes after what it was sent). */
const CATCHING_UP = -1;
const REPLAY_BATCH = 500;
/**
 * When a hub checks the feed for changes it was not told about: once another worker isolate may
 * have stopped skipping it after a socket opens (IDLE_HUB_SKIP_MS in changes.ts: the isolate that
 * forwards the upgrade stops at once), then now and then while sockets are open, in case a poke was
 * lost (a worker that died between write and poke).
 */
const CATCH_UP_AFTER_CONNECT_MS = IDLE_HUB_SKIP_MS + 100;
const CATCH_UP_EVERY_MS = 30_000;
/** How long a REST command waits for the master agent's answer. */
const COMMAND_TIMEOUT_MS = 3000;
/** Agents that left stay listed (as not connected) this long. */
const LEFT_AGENTS_KEPT_MS = 10 * 60_000;
const TIMER_CHANNEL = "pomodoro";
const MEMBERS_CHANNEL = "team_members";

/**
 * One per team. Holds the team's WebSockets (hibernation API), fans the team feed out to them in
 * order, replays it to reconnecting clients, tracks the agents, and keeps the team timer.
 *
 * Order and exactly-once come from the feed, not from the order pokes arrive: the hub broadcasts
 * seq N only after N−1, reading the stream to fill any gap, and each socket remembers the last seq
 * it was sent, so replay and live delivery never duplicate.
 */
export class TeamHub extends DurableObject<Env> {
  #team: string | null = null;
  #lastSeq: number | null = null;
  #wantedSeq = 0;
  #pumping: Promise<void> | null = null;
  readonly #sent = new Map<WebSocket, number>();
  #record: TimerRecord | null = null;
  #timerQueue: Promise<unknown> = Promise.resolve();
  readonly #pendingCommands = new Map<string, { readonly master: WebSocket; readonly resolve: (answer: CommandResult) => void }>();
  readonly #lastHeard = new Map<string, number>();
  readonly #leftAgents = new Map<string, AgentInfo>();
  /** Socket messages one at a time, in arrival order: checking a MAC awaits, and a report must not overtake its heartbeat. */
  #inbound: Promise<unknown> = Promise.resolve();
  /** The team key agents sign with, as last read (agentKeyChanged forgets it). */
  #agentKey: Promise<string | null> | null = null;
  /** Agent messages refused since this hub started: not proven under the team key, or stale. */
  #refusedMessages = 0;
  /** Each socket's SocketInfo, read from its attachment once (hibernation empties this; #info refills it). */
  readonly #infos = new Map<WebSocket, SocketInfo>();
  /** What each socket may still send (socket-limits.ts); a socket woken from hibernation starts afresh. */
  readonly #budgets = new Map<WebSocket, MessageBudget>();
  /** Sockets this hub closed (a limit, a cap, a revoked token): nothing more is read from or sent to them. */
  readonly #closing = new WeakSet<WebSocket>();
  /** The open sockets by member and the agents among them (#openSockets builds it after hibernation). */
  #roster: SocketRoster<WebSocket> | null = null;
  readonly #presence = new PresenceBatcher();
  /** Browser sockets that have had the whole presence list; the others get it at the next flush. */
  readonly #presenceKnown = new WeakSet<WebSocket>();
  #presenceTimer: ReturnType<typeof setTimeout> | null = null;
  #latestRead: Promise<number> | null = null;
  /** When the alarm is set for, as this hub last set or read it (undefined: not read since it started). */
  #alarmAt: number | null | undefined = undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      const [stored, team] = [await ctx.storage.get<number>("lastSeq"), await ctx.storage.get<string>("team")];
      if (typeof stored === "number") this.#lastSeq = stored;
      if (typeof team === "string") this.#team = team;
    });
  }

  // ---- the feed ----------------------------------------------------------------------------

  /**
   * From the worker after a write: numbered changes it knows the text of, and the newest seq
   * written. Answers how many sockets the hub holds, so a worker can stop waking a hub nobody
   * listens to (see ChangeSink); the alarm below catches up anything skipped meanwhile.
   */
  async deliver(team: string, entries: FeedEntry[], upTo: number): Promise<number> {
    this.#team = team;
    const sockets = this.ctx.getWebSockets().length;
    if (this.#lastSeq === null) this.#lastSeq = Math.min(upTo, ...entries.map((e) => e.seq)) - 1;
    if (sockets === 0) {
      this.#lastSeq = Math.max(this.#lastSeq, upTo); // nobody to send to: nothing to read back either
      return 0;
    }
    for (const entry of [...entries].sort((a, b) => a.seq - b.seq)) {
      if (this.#pumping === null && entry.seq === this.#lastSeq + 1) this.#broadcast(entry);
    }
    if (upTo > this.#lastSeq) await this.#pump(upTo);
    return sockets;
  }

  /** Sends whatever reached the feed but not this hub (see CATCH_UP_AFTER_CONNECT_MS). */
  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    if (this.ctx.getWebSockets().length === 0 || this.#team === null) return;
    try {
      const latest = await latestSeq(mainStore(this.env), this.#team);
      if (this.#lastSeq !== null && latest > this.#lastSeq) await this.#pump(latest);
    } finally {
      this.#alarmAt = Date.now() + CATCH_UP_EVERY_MS;
      await this.ctx.storage.setAlarm(this.#alarmAt);
    }
  }

  /** Reads the stream until everything up to `upTo` has gone out, one reader at a time. */
  #pump(upTo: number): Promise<void> {
    this.#wantedSeq = Math.max(this.#wantedSeq, upTo);
    this.#pumping ??= (async () => {
      try {
        while ((this.#lastSeq ?? 0) < this.#wantedSeq) {
          const entries = await readFeed(mainStore(this.env), this.#requireTeam(), this.#lastSeq ?? 0, REPLAY_BATCH);
          if (entries.length === 0) break;
          for (const entry of entries) if (entry.seq > (this.#lastSeq ?? 0)) this.#broadcast(entry);
        }
      } finally {
        this.#pumping = null;
      }
    })();
    return this.#pumping;
  }

  #broadcast(entry: FeedEntry): void {
    this.#lastSeq = entry.seq;
    const sockets = this.ctx.getWebSockets();
    // Remembered for sockets that outlive this object's memory (hibernation).
    if (sockets.length > 0) this.ctx.storage.put("lastSeq", entry.seq, { allowUnconfirmed: true }).catch(() => {});
    for (const ws of sockets) {
      const sent = this.#sent.get(ws);
      if (sent === CATCHING_UP || (sent !== undefined && sent >= entry.seq)) continue;
      this.#send(ws, entry.text);
      this.#sent.set(ws, entry.seq);
    }
  }

  // ---- sockets -----------------------------------------------------------------------------

  /**
   * From worker/auth (a token revoked or replaced): closes that member's sockets, which were
   * opened with the old token, and answers how many. Each gets `error` (why, as every other close
   * of the hub) right before the Close frame, and no message after.
   */
  closeMemberSockets(member: string, code: number, reason: string, error: { code: string; message: string }): number {
    let closed = 0;
    for (const ws of this.ctx.getWebSockets()) {
      if (this.#info(ws)?.member !== member || this.#closing.has(ws)) continue;
      this.#sendNotice(ws, { type: "error", ...error });
      if (this.#closeSocket(ws, code, reason)) closed++;
    }
    this.#presenceChanged();
    return closed;
  }

  /** The upgrade, after the worker authenticated the member (headers set by worker/live/routes.ts). */
  override async fetch(request: Request): Promise<Response> {
    const team = request.headers.get("x-groupsync-team") ?? "";
    const member = request.headers.get("x-groupsync-member") ?? "";
    const kind = request.headers.get("x-groupsync-client") === "agent" ? "agent" : "browser";
    const lastSeqText = request.headers.get("x-groupsync-last-seq");
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    // Counted before this one is accepted: sockets this hub is closing no longer count.
    const open = this.#openSockets();
    const caps = configOf(this.env).liveSockets;
    // On the dev open team every token-less tab and agent is the same member: only the team cap applies there.
    const perMember = request.headers.get("x-groupsync-open-team") === "1" ? Infinity : caps.perMember;
    const refusal =
      open.size >= caps.perTeam
        ? `the team already has ${caps.perTeam} live sockets open (LIVE_MAX_SOCKETS_PER_TEAM)`
        : open.countOf(member) >= perMember
          ? `${member} already has ${caps.perMember} live sockets open (LIVE_MAX_SOCKETS_PER_MEMBER); close a tab or an agent`
          : null;
    // Accepted even when refused, so a browser can read why (an HTTP refusal of an upgrade shows it nothing).
    this.ctx.acceptWebSocket(server, [kind]);
    const info: SocketInfo = { team, member, kind, nonce: base64url(crypto.getRandomValues(new Uint8Array(18))), lastSeen: Date.now() };
    server.serializeAttachment(info);
    this.#infos.set(server, info);
    if (refusal !== null) {
      this.#sendNotice(server, { type: "error", code: "too_many_sockets", message: `${refusal}; try again later` });
      this.#closeSocket(server, LIVE_CLOSE.tooManySockets, "too many sockets");
      return new Response(null, { status: 101, webSocket: client });
    }
    open.add(server, member);
    this.#sent.set(server, CATCHING_UP);
    if (this.#team !== team) await this.ctx.storage.put("team", team);
    this.#team = team;
    const soon = Date.now() + CATCH_UP_AFTER_CONNECT_MS;
    // Remembered, so sockets joining together do not each read and write the alarm.
    if (this.#alarmAt === undefined) this.#alarmAt = await this.ctx.storage.getAlarm();
    if (this.#alarmAt === null || this.#alarmAt > soon) {
      this.#alarmAt = soon;
      await this.ctx.storage.setAlarm(soon);
    }
    void this.#welcome(server, info, lastSeqText === null ? undefined : Number(lastSeqText)).then(
      () => this.#presenceChanged(),
      (error: unknown) => {
        this.#sendNotice(server, { type: "error", code: "dependency_unavailable", message: `could not load the team's state: ${String(error)}` });
        this.#closeSocket(server, 1011, "dependency unavailable");
      },
    );
    return new Response(null, { status: 101, webSocket: client });
  }

  /** hello, then (with last_seq) every change after it, in order, then live changes. */
  async #welcome(ws: WebSocket, { member, nonce }: SocketInfo, lastSeq: number | undefined): Promise<void> {
    const redis = mainStore(this.env);
    const team = this.#requireTeam();
    const latest = await this.#latestSeq();
    if (this.#lastSeq === null || this.#lastSeq > latest) this.#lastSeq = latest;
    const timer = await this.#timerView();
    this.#sendNotice(ws, { type: "hello", team, member, seq: latest, server_time: Date.now(), timer, nonce });
    if (lastSeq === undefined) {
      this.#sent.set(ws, latest);
      // What went out after `latest` was read skipped this socket (it was catching up): rewind and
      // send it again; the sockets that had it skip it.
      const upTo = Math.max(latest, this.#lastSeq);
      this.#lastSeq = latest;
      if (upTo > latest) await this.#pump(upTo);
      return;
    }
    let cursor = lastSeq;
    if (cursor > latest) return this.#tellReload(ws, latest, "last_seq is ahead of the feed (its data was reset)");
    for (let first = true; ; first = false) {
      const entries = await readFeed(redis, team, cursor, REPLAY_BATCH);
      if (first && cursor < latest && (entries.length === 0 || entries[0]!.seq > cursor + 1)) {
        return this.#tellReload(ws, latest, `changes after ${cursor} are no longer kept`);
      }
      for (const entry of entries) this.#send(ws, entry.text);
      if (entries.length > 0) cursor = entries[entries.length - 1]!.seq;
      // Synchronous from here: nothing can be broadcast between this check and going live.
      if (entries.length < REPLAY_BATCH && cursor >= (this.#lastSeq ?? 0)) break;
    }
    this.#sent.set(ws, cursor);
    this.#sendNotice(ws, { type: "caught_up", seq: cursor });
  }

  /**
   * The feed's newest seq, one read for every socket that joins meanwhile (500 joining at once make
   * one read, not 500). A read that began before a socket was accepted is fine: #welcome sends
   * whatever went out after it again.
   */
  #latestSeq(): Promise<number> {
    this.#latestRead ??= latestSeq(mainStore(this.env), this.#requireTeam()).finally(() => (this.#latestRead = null));
    return this.#latestRead;
  }

  #tellReload(ws: WebSocket, latest: number, reason: string): void {
    this.#sendNotice(ws, { type: "reload", reason, seq: latest });
    this.#sent.set(ws, Math.max(latest, this.#lastSeq ?? 0));
  }

  /**
   * Limits first, before any work for the message: a socket over its rate or size is told which
   * limit, closed, and whatever else it had in flight is dropped unread.
   */
  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> | undefined {
    if (this.#closing.has(ws)) return;
    if (tooBig(data)) {
      return this.#cut(ws, LIVE_CLOSE.messageTooBig, "message_too_big", `a message was over ${MAX_CLIENT_MESSAGE_BYTES} bytes, the most the hub takes; the socket is closed`, "message too big");
    }
    if (notUtf8(data)) {
      return this.#cut(ws, LIVE_CLOSE.invalidUtf8, "invalid_utf8", "a text message was not valid UTF-8 (a literal U+FFFD counts as such: escape it as \\ufffd in JSON); the socket is closed", "invalid utf-8");
    }
    const now = Date.now();
    let budget = this.#budgets.get(ws);
    if (budget === undefined) this.#budgets.set(ws, (budget = new MessageBudget(now)));
    if (!budget.take(now)) {
      return this.#cut(ws, LIVE_CLOSE.rateLimited, "rate_limited", `more than ${MESSAGE_BURST} messages at once or ${MESSAGES_PER_SECOND} a second, the most the hub takes from one socket; the socket is closed`, "rate limit");
    }
    const run = this.#inbound.then(() => this.#onMessage(ws, data));
    this.#inbound = run.catch(() => {});
    return run;
  }

  #cut(ws: WebSocket, closeCode: number, code: string, message: string, reason: string): undefined {
    const info = this.#info(ws);
    console.log(JSON.stringify({ event: "live_socket_closed", team: info?.team, member: info?.member, code }));
    this.#sendNotice(ws, { type: "error", code, message });
    this.#closeSocket(ws, closeCode, reason);
    return undefined;
  }

  async #onMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (this.#closing.has(ws)) return;
    const info = this.#info(ws)!;
    if (this.#team === null) this.#team = info.team;
    if (typeof data !== "string") {
      return this.#sendNotice(ws, { type: "error", code: "invalid_message", message: `messages must be JSON text of at most ${MAX_CLIENT_MESSAGE_BYTES} bytes` });
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return this.#sendNotice(ws, { type: "error", code: "invalid_json", message: "message is not valid JSON" });
    }
    const parsed = AgentMessage.safeParse(json);
    if (!parsed.success) {
      const problem = describeIssues(parsed.error.issues)[0];
      return this.#sendNotice(ws, { type: "error", code: "invalid_message", message: problem ? `${problem.field}: ${problem.message}` : "invalid message" });
    }
    const message = parsed.data;
    if (message.type === "ping") return;
    const now = Date.now();
    const proof = await this.#checkProof(info, message, now);
    if (proof === "unavailable") {
      // Not the agent's fault: nothing counted; its next heartbeat is checked again.
      return this.#sendNotice(ws, { type: "error", code: "dependency_unavailable", message: "could not read the team's agent key; the message was not taken, send it again" });
    }
    if (proof !== "ok") {
      this.#refusedMessages += 1;
      const why =
        proof === "stale"
          ? `at is more than a minute away from the worker's clock (${now}); sign with the worker's time (hello's server_time plus the time since)`
          : proof === "no_key"
            ? "the team has no agent key yet: GET /team/agent-key makes one, PUT /team/agent-key gives the one your agents use"
            : "not signed under the team's key for this socket: sign each message with the team key (GET /team/agent-key) over the message and hello's nonce";
      return this.#sendNotice(ws, { type: "error", code: proof === "stale" ? "stale_message" : "not_proven", message: why });
    }
    const once = takeOnce(info.taken, message.at, message.mac);
    if (!once.fresh) {
      this.#refusedMessages += 1;
      const why = "a copy of a message this socket already sent, or signed before the last one it sent: each signed message is taken once, and at must not go back on one socket";
      return this.#sendNotice(ws, { type: "error", code: "not_proven", message: why });
    }
    info.taken = once.taken;
    info.lastSeen = now;
    ws.serializeAttachment(info);
    switch (message.type) {
      case "agent.heartbeat":
        return this.#onHeartbeat(ws, info, message, now);
      case "timer.report":
        if (info.nodeId !== message.node_id) {
          return this.#sendNotice(ws, { type: "error", code: "not_registered", message: "send agent.heartbeat with this node_id before reporting" });
        }
        return this.#onReport(ws, message.node_id, message.term, message.timer);
      case "command.result": {
        const pending = this.#pendingCommands.get(message.request_id);
        if (pending?.master === ws) pending.resolve(message);
        return;
      }
    }
  }

  /** Whether the message is signed under the team's key for this socket, and recent. No key yet, or a store outage, refuses it. */
  async #checkProof(info: SocketInfo, message: SignedMessage, now: number): Promise<ProofCheck | "no_key" | "unavailable"> {
    this.#agentKey ??= storedTeamAgentKey(mainStore(this.env), info.team);
    const pending = this.#agentKey;
    try {
      const key = await pending;
      if (key === null) {
        if (this.#agentKey === pending) this.#agentKey = null; // not kept: a PUT may come from another isolate's worker
        return "no_key";
      }
      return await checkAgentProof(key, info.nonce, message, now);
    } catch {
      if (this.#agentKey === pending) this.#agentKey = null; // read it again next time
      return "unavailable";
    }
  }

  /** After PUT /team/agent-key: agents are checked under the new key from their next message on. */
  async agentKeyChanged(team: string): Promise<void> {
    this.#team = team;
    this.#agentKey = null;
  }

  async #onHeartbeat(ws: WebSocket, info: SocketInfo, beat: Extract<AgentMessage, { type: "agent.heartbeat" }>, now: number): Promise<void> {
    const joined = info.nodeId === undefined;
    if (info.nodeId !== undefined && info.nodeId !== beat.node_id) {
      return this.#sendNotice(ws, { type: "error", code: "node_id_changed", message: "one socket speaks for one node; reconnect to change node_id" });
    }
    Object.assign(info, { kind: "agent", nodeId: beat.node_id, role: beat.role, term: beat.term, master: beat.master, tcp: beat.tcp, lastSeen: now });
    ws.serializeAttachment(info);
    this.#openSockets().markAgent(ws);
    this.#lastHeard.set(beat.node_id, now);
    this.#leftAgents.delete(beat.node_id);
    if (joined) await this.#announceMember("member.joined", info);
    // A master whose report would now be taken (the holder left or went silent, however high its
    // term) is asked for it: it reports only on change, and its last one may have been refused.
    if (beat.role === "master") {
      const record = await this.#loadRecord();
      if (record.master !== beat.node_id && judgeReport(record, beat.term, this.#presenceOf(record.master), now) === "ok") {
        this.#sendNotice(ws, { type: "report.wanted", term: record.term });
      }
    }
  }

  /**
   * The client sent a Close frame. The runtime does not answer it for us: until the hub closes its
   * side, the handshake hangs and the client sees 1006 when it gives up (~15 s). So answer with the
   * client's own code and reason (RFC 6455 5.5.1); 1005 and 1006 are never sent on the wire, so
   * those get a Close frame without a code.
   */
  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      if (code === 1005 || code === 1006 || code === 1015) ws.close();
      else ws.close(code, reason);
    } catch {
      // Already closed (or closing) from our side: nothing to answer.
    }
    await this.#dropSocket(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.#dropSocket(ws);
  }

  async #dropSocket(ws: WebSocket): Promise<void> {
    const info = this.#info(ws);
    // Still listed by getWebSockets() while its close handler runs: marked so nothing counts it.
    this.#closing.add(ws);
    this.#roster?.remove(ws);
    this.#sent.delete(ws);
    this.#infos.delete(ws);
    this.#budgets.delete(ws);
    if (info?.nodeId === undefined) return this.#presenceChanged();
    this.#team ??= info.team;
    const stillHere = this.#agentSockets().some((other) => other !== ws && this.#info(other)?.nodeId === info.nodeId);
    if (stillHere) return;
    this.#leftAgents.set(info.nodeId, { ...agentInfo(info), connected: false });
    await this.#announceMember("member.left", info).catch(() => {});
  }

  /**
   * Who has the dashboard open, to browser sockets. Presence is state, not history: it is not in the
   * feed (a reload would add two entries and push real changes out of the replay window). It goes
   * out batched (presence.ts): at most every PRESENCE_EVERY_MS, the whole list to each browser
   * socket that went live since, and what changed to the others. Agents are members of the feed.
   */
  #presenceChanged(): void {
    if (this.#presenceTimer !== null) return;
    this.#presenceTimer = setTimeout(() => this.#flushPresence(), this.#presence.delayMs(Date.now()));
  }

  #flushPresence(): void {
    this.#presenceTimer = null;
    const { people, diff } = this.#presence.flush(this.#people(), Date.now());
    const whole = JSON.stringify({ type: "presence", people } satisfies HubNotice);
    const changed = diff === null ? null : JSON.stringify({ type: "presence.diff", ...diff } satisfies HubNotice);
    for (const ws of this.ctx.getWebSockets("browser")) {
      if (this.#closing.has(ws) || this.#sent.get(ws) === CATCHING_UP) continue; // a catching-up socket asks again once live
      if (!this.#presenceKnown.has(ws)) {
        this.#send(ws, whole);
        this.#presenceKnown.add(ws);
      } else if (changed !== null) this.#send(ws, changed);
    }
  }

  /** Members with a browser socket open (agents are listed by GET /agents). */
  #people(): string[] {
    const members = new Set<string>();
    for (const ws of this.ctx.getWebSockets()) {
      const info = this.#info(ws);
      if (!this.#closing.has(ws) && info !== null && info.kind === "browser" && info.nodeId === undefined) members.add(info.member);
    }
    return [...members].sort();
  }

  async #announceMember(type: "member.joined" | "member.left", info: SocketInfo): Promise<void> {
    const message = JSON.stringify({ type, team: info.team, at: new Date().toISOString(), by: info.member, member: info.member, node_id: info.nodeId, kind: info.kind });
    const entries = await appendToFeed(mainStore(this.env), info.team, [{ channel: MEMBERS_CHANNEL, message }]);
    await this.deliver(info.team, entries, entries[entries.length - 1]?.seq ?? 0);
  }

  // ---- the team timer ----------------------------------------------------------------------

  async timerState(team: string): Promise<TeamTimer> {
    this.#team = team;
    return this.#timerView();
  }

  async agents(team: string): Promise<{ agents: AgentInfo[]; master: string | null; term: number; people: string[]; refused_messages: number }> {
    this.#team = team;
    const record = await this.#loadRecord();
    const now = Date.now();
    const connected = this.#agentSockets().map((ws) => agentInfo(this.#info(ws)!));
    const seen = new Set(connected.map((a) => a.node_id));
    for (const [id, left] of this.#leftAgents) if (now - Date.parse(left.last_seen) > LEFT_AGENTS_KEPT_MS) this.#leftAgents.delete(id);
    const gone = [...this.#leftAgents.values()].filter((a) => !seen.has(a.node_id));
    // The master is an agent heard from within its lease, never one that left or went silent.
    const master = await this.#masterSocket();
    const masterId = master === null ? null : (this.#info(master)!.nodeId ?? null);
    return { agents: [...connected, ...gone], master: masterId, term: record.term, people: this.#people(), refused_messages: this.#refusedMessages };
  }

  /** Records the focus rounds a timer nobody drives (no master within its lease) finished by its deadline since it was stored. */
  async settleFocus(team: string): Promise<void> {
    this.#team = team;
    await this.#serially(async () => {
      const record = await this.#loadRecord();
      const now = Date.now();
      if (masterAlive(record, this.#presenceOf(record.master), now)) return; // the master's reports end its rounds
      const rounds = roundsEnded(record, null, now).map((ended) => focusRound(ended, this.#roundContext(record, "worker")));
      if (rounds.length === 0) return;
      const { entries } = await putTimerAndRounds(mainStore(this.env), team, null, rounds);
      if (entries.length > 0) await this.deliver(team, entries, Math.max(...entries.map((e) => e.seq)));
    });
  }

  /** A REST command: to the master agent when one is connected, else applied here. */
  async command(team: string, by: string, command: TimerCommand): Promise<CommandAnswer> {
    this.#team = team;
    const master = await this.#masterSocket();
    if (master !== null) return this.#forward(master, by, command);
    return this.#serially(async () => {
      const record = await this.#loadRecord();
      const now = Date.now();
      const result = applyTimerCommand(advance(record.state, now), command, now);
      if (!result.ok) return { ok: false, status: 409, code: result.error.code, message: result.error.message } satisfies CommandAnswer;
      const timer = await this.#store(recordAfterCommand(record, result.state, command.kind, now));
      return { ok: true, timer } satisfies CommandAnswer;
    });
  }

  async #forward(master: WebSocket, by: string, command: TimerCommand): Promise<CommandAnswer> {
    const requestId = crypto.randomUUID();
    const answer = await new Promise<CommandResult | null>((resolve) => {
      const timeout = setTimeout(() => resolve(null), COMMAND_TIMEOUT_MS);
      this.#pendingCommands.set(requestId, {
        master,
        resolve: (result) => {
          clearTimeout(timeout);
          resolve(result);
        },
      });
      this.#sendNotice(master, { type: "command", request_id: requestId, command: { ...command }, by });
    }).finally(() => this.#pendingCommands.delete(requestId));
    if (answer === null) return { ok: false, status: 503, code: "master_unreachable", message: "the master agent did not answer in time; retry" };
    if (!answer.ok) return { ok: false, status: 409, code: answer.error?.code ?? "command_refused", message: answer.error?.message ?? "the master refused the command" };
    const info = this.#info(master)!;
    if (answer.timer !== undefined && info.nodeId !== undefined) await this.#onReport(master, info.nodeId, answer.term ?? info.term ?? 0, answer.timer);
    return { ok: true, timer: await this.#timerView() };
  }

  async #onReport(ws: WebSocket, nodeId: string, term: number, report: AgentTimerReport): Promise<void> {
    await this.#serially(async () => {
      const record = await this.#loadRecord();
      const now = Date.now();
      const verdict = judgeReport(record, term, this.#presenceOf(record.master), now);
      if (verdict !== "ok") {
        this.#sendNotice(ws, { type: "report.refused", code: verdict, term, current_term: record.term });
        return;
      }
      this.#lastHeard.set(nodeId, now);
      const next = recordFromReport(report, nodeId, term, now, record);
      if (!sameTimer(record, next)) await this.#store(next);
    });
  }

  /** Saves the record and announces it in one script; the hub then sends it out in feed order. */
  async #store(record: TimerRecord): Promise<TeamTimer> {
    const team = this.#requireTeam();
    const timer = teamTimerView(record, this.#memberIds(), record.updatedAt);
    const feed = feedKeys(team);
    const message = JSON.stringify({ type: "timer.state", team, at: new Date(record.updatedAt).toISOString(), by: record.master ?? "worker", timer });
    const rounds = this.#record === null ? [] : roundsEnded(this.#record, record, record.updatedAt).map((ended) => focusRound(ended, this.#roundContext(record)));
    if (rounds.length > 0) {
      // The rounds this change ended are recorded in the same step as the change (worker/focus).
      const write = { key: timerKey(team), recordJson: JSON.stringify(record), channel: TIMER_CHANNEL, message };
      const { entries } = await putTimerAndRounds(mainStore(this.env), team, write, rounds);
      this.#record = record;
      await this.deliver(team, entries, Math.max(...entries.map((e) => e.seq)));
      return timer;
    }
    const reply = (await putTimerScript.run(mainStore(this.env), [timerKey(team), feed.stream, feed.seq], [JSON.stringify(record), TIMER_CHANNEL, message, "1"])) as unknown[];
    this.#record = record;
    const seq = Number(reply[1]);
    await this.deliver(team, [{ seq, text: numbered(seq, message) }], seq);
    return timer;
  }

  /** Who is in the session now, for the rounds a change ends (worker/focus/round-ending.ts). */
  #roundContext(record: TimerRecord, endedBy: "record" | "worker" = "record"): RoundContext {
    const agentMembers = this.#agentSockets().map((ws) => (ws.deserializeAttachment() as SocketInfo).member);
    const master = endedBy === "worker" ? null : record.master;
    return { team: this.#requireTeam(), members: [...agentMembers, ...this.#people()], agents: this.#memberIds(), term: master === null ? 0 : record.term, master };
  }

  async #timerView(): Promise<TeamTimer> {
    return teamTimerView(await this.#loadRecord(), this.#memberIds(), Date.now());
  }

  async #loadRecord(): Promise<TimerRecord> {
    if (this.#record !== null) return this.#record;
    const raw = await mainStore(this.env).get<string>(timerKey(this.#requireTeam()));
    this.#record = raw === null ? emptyRecord() : (JSON.parse(raw) as TimerRecord);
    return this.#record;
  }

  /**
   * The connected agent that holds the timer: the record's master if heard within its lease, else
   * the highest-term agent heard within its lease calling itself master. Agents are only sockets
   * that proved the team key; a silent one loses its claim however high its term.
   */
  async #masterSocket(): Promise<WebSocket | null> {
    const record = await this.#loadRecord();
    const now = Date.now();
    let best: { ws: WebSocket; term: number } | null = null;
    for (const ws of this.#agentSockets()) {
      const info = this.#info(ws)!;
      if (now - this.#heardAt(info) > MASTER_LEASE_MS) continue;
      if (info.nodeId === record.master) return ws;
      if (info.role === "master" && (best === null || (info.term ?? 0) > best.term)) best = { ws, term: info.term ?? 0 };
    }
    return best?.ws ?? null;
  }

  /** What this hub knows of `nodeId`, the record's master: heard at (while it calls itself master), gone, or nothing since the hub started. */
  #presenceOf(nodeId: string | null): MasterPresence {
    if (nodeId === null) return "gone";
    const infos = this.#agentSockets().map((ws) => this.#info(ws)!).filter((info) => info.nodeId === nodeId);
    const claiming = infos.filter((info) => info.role === "master");
    if (claiming.length > 0) return { heardAt: Math.max(...claiming.map((info) => this.#heardAt(info))) };
    if (infos.length > 0 || this.#leftAgents.has(nodeId) || this.#lastHeard.has(nodeId)) return "gone";
    return "unknown";
  }

  #heardAt(info: SocketInfo): number {
    return Math.max(info.lastSeen, info.nodeId === undefined ? 0 : (this.#lastHeard.get(info.nodeId) ?? 0));
  }

  /** Timer changes one at a time: a report and a command never interleave their read and write. */
  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#timerQueue.then(work);
    this.#timerQueue = run.catch(() => {});
    return run;
  }

  #agentSockets(): WebSocket[] {
    return this.#openSockets().agents();
  }

  /** The roster of open sockets, from the runtime's list the first time after the hub started or woke. */
  #openSockets(): SocketRoster<WebSocket> {
    if (this.#roster === null) {
      this.#roster = new SocketRoster();
      for (const ws of this.ctx.getWebSockets()) {
        const info = this.#info(ws);
        if (!this.#closing.has(ws) && info !== null) this.#roster.add(ws, info.member, info.nodeId !== undefined);
      }
    }
    return this.#roster;
  }

  /** A socket's info, from memory, or from its attachment after hibernation. */
  #info(ws: WebSocket): SocketInfo | null {
    let info = this.#infos.get(ws);
    if (info === undefined) {
      const stored = ws.deserializeAttachment() as SocketInfo | null;
      if (stored === null) return null;
      this.#infos.set(ws, (info = stored));
    }
    return info;
  }

  /** Closes from our side; the socket gets nothing more. Answers whether the close went out. */
  #closeSocket(ws: WebSocket, code: number, reason: string): boolean {
    this.#closing.add(ws);
    this.#roster?.remove(ws);
    this.#sent.set(ws, Number.MAX_SAFE_INTEGER);
    try {
      ws.close(code, reason);
      return true;
    } catch {
      return false; // already closing: webSocketClose cleans up
    }
  }

  #memberIds(): string[] {
    return [...new Set(this.#agentSockets().map((ws) => this.#info(ws)!.nodeId!))].sort();
  }

  #requireTeam(): string {
    if (this.#team === null) throw new Error("hub used before it learned its team");
    return this.#team;
  }

  #sendNotice(ws: WebSocket, notice: HubNotice): void {
    this.#send(ws, JSON.stringify(notice));
  }

  #send(ws: WebSocket, text: string): void {
    try {
      ws.send(text);
    } catch {
      // Closing or closed: webSocketClose cleans up.
    }
  }
}

function timerKey(team: string): string {
  return `gs:{${team}}:timer`;
}

function agentInfo(info: SocketInfo): AgentInfo {
  return {
    node_id: info.nodeId ?? "",
    member: info.member,
    role: info.role ?? "peer",
    term: info.term ?? 0,
    master: info.master ?? null,
    tcp: info.tcp ?? null,
    connected: true,
    last_seen: new Date(info.lastSeen).toISOString(),
  };
}
