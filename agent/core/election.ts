/**
 * One member of a GroupSync timer session: membership, leader election and the shared timer, as a
 * deterministic state machine in the style of etcd's raft. Inputs are `tick(now)`, `receive(message,
 * now)` and the user's actions; each returns the messages to send and the events that happened. No
 * sockets, timers or clocks in here: `now` is always the node's own clock reading, passed in.
 *
 * Election is Raft's, without log replication:
 * - The master heartbeats every member every `heartbeatMs`. A member that hears nothing for its
 *   election timeout (drawn afresh within [min, max] with the injected `random` each time it is
 *   reset; followers take turns by id, see #drawElectionDeadline) becomes candidate for term + 1,
 *   votes for itself and asks everyone else.
 * - A node votes at most once per term, for a candidate whose term is not behind its own and whose
 *   timer is at least as recent as its own. A majority of the member list wins, the dead master
 *   included, so two masters can never share a term.
 * - Any message from a higher term makes the receiver adopt that term and step down; stale
 *   heartbeats are answered with the newer term, which is how a master frozen by SIGSTOP and
 *   resumed learns it was replaced.
 *
 * The master owns the timer (deadlines on its own clock) and ships it in every heartbeat with its
 * clock reading, so members keep a copy translated to their own clock; whoever becomes master next
 * continues from that copy, and the deadline survives failover. Timer commands from any member go to
 * the master stamped with a Lamport time and are applied in stamp order (see command-queue.ts).
 */
import { addSample, bestEstimate, emptySamples, toLocalDeadline, type OffsetSamples } from "./clock-offset.ts";
import { EMPTY_QUEUE, enqueue, takeAll, takeSettled, type CommandQueue, type StampedCommand } from "./command-queue.ts";
import { LamportClock, stampKey, type LamportStamp } from "../../shared/lamport.ts";
import type {
  AppliedCommand,
  ClockEcho,
  CommandMessage,
  Destination,
  Envelope,
  Handover,
  Heartbeat,
  HeartbeatAck,
  JoinRedirect,
  JoinRequest,
  LeaveNotice,
  Member,
  Message,
  MessageBody,
  NodeEvent,
  NodeId,
  NodeOutput,
  RequestVote,
  Role,
  StateVersion,
  Vote,
} from "./messages.ts";
import {
  advance,
  applyTimerCommand,
  idleTimer,
  resolveSettings,
  type PomodoroSettings,
  type TimerCommand,
  type TimerState,
} from "../../shared/pomodoro.ts";
import { randomInt } from "./seeded-random.ts";

export interface ElectionConfig {
  readonly heartbeatMs: number;
  readonly electionTimeoutMinMs: number;
  readonly electionTimeoutMaxMs: number;
  /** The master drops a member it has had no ack from for this long. */
  readonly memberTimeoutMs: number;
  /** How long the master holds a command before applying it, so concurrent ones are ordered by stamp. */
  readonly commandSettleMs: number;
  /** How often a member resends a command the master has not applied yet. */
  readonly commandRetryMs: number;
  readonly joinRetryMs: number;
  /** A leaving master gives up waiting to see its successor after this long. */
  readonly leaveTimeoutMs: number;
  /** Clock-offset samples kept per master; the lowest round trip among them wins. */
  readonly clockSamples: number;
  /** How many of the latest applied commands each heartbeat repeats. */
  readonly recentCommandsSent: number;
}

/**
 * Heartbeats every 100 ms, elections after 300-600 ms of silence: failover in ~300 ms (median over
 * 20 SIGKILLs, `npm run bench`), and a master of five at rest under 2 % CPU. At 50 ms / 150-300 ms
 * failover took ~170 ms, but the master's signed heartbeats and their acks cost 2.5-2.7 % CPU.
 */
export const DEFAULT_ELECTION_CONFIG: ElectionConfig = Object.freeze({
  heartbeatMs: 100,
  electionTimeoutMinMs: 300,
  electionTimeoutMaxMs: 600,
  memberTimeoutMs: 2000,
  commandSettleMs: 20,
  commandRetryMs: 100,
  joinRetryMs: 200,
  leaveTimeoutMs: 1000,
  clockSamples: 8,
  recentCommandsSent: 16,
});

/** detached: neither started nor joined a session yet; joining: asking to be let in; member: in the member list. */
export type MembershipStatus = "detached" | "joining" | "member";

export interface ElectionNodeOptions {
  readonly id: NodeId;
  readonly address: string;
  /** The node's clock when it is created; arms the first election timeout. */
  readonly now: number;
  /** Returns numbers in [0, 1); inject a seeded one (seeded-random.ts) for reproducible runs. */
  readonly random: () => number;
  /** A fixed starting member list (the node is added if missing); without it, call bootstrap() or join(). */
  readonly members?: readonly Member[];
  readonly config?: Partial<ElectionConfig>;
  /** Timer settings used until a `start` command says otherwise. */
  readonly settings?: Partial<PomodoroSettings>;
}

/** What `command()` returns: the usual output plus the stamp, to recognise the command in `command_applied` events. */
export interface CommandOutput extends NodeOutput {
  readonly stamp: LamportStamp;
}

interface FollowerProgress {
  lastAckAt: number;
  ackedMembersVersion: number | null;
  echo: ClockEcho | null;
}

interface PendingCommand extends StampedCommand {
  nextSendAt: number;
}

interface MasterClock {
  readonly masterId: NodeId;
  samples: OffsetSamples;
  /** sentAt − receivedAt of the latest heartbeat: the offset if the network took no time. Used until a round trip completes. */
  crudeOffsetMs: number;
}

interface Leaving {
  readonly since: number;
  readonly successor: NodeId;
  nextHandoverAt: number;
}

interface Snapshot {
  readonly role: Role;
  readonly term: number;
  readonly masterId: NodeId | null;
  readonly membersRevision: number;
}

/** Stamps of applied commands remembered to drop resends; far more than can be in flight at once. */
const APPLIED_KEYS_KEPT = 1024;
/** Applied commands kept locally for `appliedCommands`. */
const LOG_KEPT = 256;

export class ElectionNode {
  readonly id: NodeId;
  readonly address: string;
  readonly config: ElectionConfig;
  readonly #random: () => number;
  readonly #lamport = new LamportClock();

  #role: Role = "peer";
  #term = 0;
  #masterId: NodeId | null = null;
  /** Whom this node voted for, and in which term: one vote per term, kept across stepping down. */
  #vote: { readonly term: number; readonly candidate: NodeId } | null = null;
  #votesReceived = new Set<NodeId>();
  #electionDeadline: number;
  #lastHeartbeatAt: number | null = null;

  #status: MembershipStatus;
  #joinTarget: string | null = null;
  #nextJoinAt = 0;
  #members = new Map<NodeId, string>();
  /** Every address ever learned, members or not: replies to removed members still need a way back. */
  readonly #addressBook = new Map<NodeId, string>();
  #membersVersion = 0;
  /** Bumped on every local change to the member list, so events can report it cheaply. */
  #membersRevision = 0;
  /**
   * When each member last sent us anything (ack, vote, command…), on our clock: proof it is alive,
   * unlike a follower's lastAckAt, which starts at "now" to give new followers time before removal.
   */
  readonly #lastHeardAt = new Map<NodeId, number>();

  #timer: TimerState;
  #stateVersion: StateVersion = { term: 0, seq: 0 };
  /** The term of the message our members and timer came from: a newer term's state always wins. */
  #stateTerm = 0;
  #log: AppliedCommand[] = [];
  /** Highest command seq already reported; null until first synced (a joiner does not replay history). */
  #lastSeenSeq: number | null;
  /** This node's commands the master has not applied yet, by stamp key. */
  #unacked = new Map<string, PendingCommand>();

  // Master only.
  #followers = new Map<NodeId, FollowerProgress>();
  #departing = new Set<NodeId>();
  #queue: CommandQueue = EMPTY_QUEUE;
  #appliedKeys = new Set<string>();
  #nextHeartbeatAt = 0;

  #masterClock: MasterClock | null = null;
  #leaving: Leaving | null = null;
  #left = false;
  #out: { messages: Envelope[]; events: NodeEvent[] } = { messages: [], events: [] };

  constructor(options: ElectionNodeOptions) {
    this.id = options.id;
    this.address = options.address;
    this.config = checkConfig({ ...DEFAULT_ELECTION_CONFIG, ...options.config });
    this.#random = options.random;
    const settings = resolveSettings(options.settings);
    if (!settings.ok) throw new RangeError(settings.error.message);
    this.#timer = idleTimer(settings.settings);
    this.#members.set(this.id, this.address);
    this.#addressBook.set(this.id, this.address);
    if (options.members === undefined) {
      this.#status = "detached";
      this.#lastSeenSeq = null;
    } else {
      for (const member of options.members) {
        this.#members.set(member.id, member.address);
        this.#addressBook.set(member.id, member.address);
      }
      this.#status = "member";
      this.#lastSeenSeq = 0;
    }
    this.#electionDeadline = this.#drawElectionDeadline(options.now);
  }

  get role(): Role {
    return this.#role;
  }

  get term(): number {
    return this.#term;
  }

  get masterId(): NodeId | null {
    return this.#masterId;
  }

  get membership(): MembershipStatus {
    return this.#status;
  }

  /** The member list as this node knows it, sorted by id, itself included. */
  get members(): Member[] {
    return sortedMembers(this.#members);
  }

  /** True once leave() has finished: the shell may exit. */
  get hasLeft(): boolean {
    return this.#left;
  }

  /** The latest applied commands this node knows of, oldest first. */
  get appliedCommands(): readonly AppliedCommand[] {
    return this.#log;
  }

  /** When this node last heard the master's heartbeat (its own clock); null if never. */
  get lastHeartbeatAt(): number | null {
    return this.#lastHeartbeatAt;
  }

  get stateVersion(): StateVersion {
    return this.#stateVersion;
  }

  /** Where to send a message addressed to `id`: a member, or any node this one has known. */
  addressOf(id: NodeId): string | null {
    return this.#members.get(id) ?? this.#addressBook.get(id) ?? null;
  }

  /** The shared timer as of `now`, with deadlines on this node's clock. */
  timerAt(now: number): TimerState {
    return advance(this.#timer, now);
  }

  /** Master clock minus this node's clock, best estimate; 0 on the master, null before any heartbeat. */
  offsetToMasterMs(): number | null {
    if (this.#role === "master") return 0;
    if (this.#masterClock === null || this.#masterClock.masterId !== this.#masterId) return null;
    return this.#offsetTo(this.#masterClock);
  }

  /** Starts a new session with this node as its only member and master. */
  bootstrap(now: number): NodeOutput {
    return this.#step(() => {
      this.#status = "member";
      this.#lastSeenSeq ??= 0;
      this.#replaceMembers([{ id: this.id, address: this.address }], this.#membersVersion + 1, now);
      this.#startElection(now);
    });
  }

  /** Asks the node at `address` to let this node in; retried every joinRetryMs, following redirects to the master. */
  join(address: string, now: number): NodeOutput {
    return this.#step(() => this.#startJoining(address, now));
  }

  /** A user's timer command: applied by the master, wherever it was issued. */
  command(command: TimerCommand, now: number): CommandOutput {
    const stamp: LamportStamp = { time: this.#lamport.tick(), nodeId: this.id };
    const output = this.#step(() => {
      if (this.#role === "master" && this.#leaving === null) {
        this.#queue = enqueue(this.#queue, { stamp, command }, now);
      } else {
        this.#unacked.set(stampKey(stamp), { stamp, command, nextSendAt: now });
        this.#resendCommands(now);
      }
    });
    return { ...output, stamp };
  }

  /**
   * Graceful stop. A master with other members hands over to the lowest-id member it heard from
   * within the shortest election timeout, with term + 1, and stays master until it sees the
   * successor's heartbeat, so there is never a moment without a master. With no such member it just
   * leaves, and the others elect as usual. Anyone else just tells the master. Watch `hasLeft`.
   */
  leave(now: number): NodeOutput {
    return this.#step(() => {
      if (this.#left || this.#leaving !== null) return;
      const successor = this.#role === "master" ? this.#pickSuccessor(now) : null;
      if (successor === null) {
        if (this.#masterId !== null && this.#masterId !== this.id) this.#send(this.#masterId, { type: "leave" });
        this.#finishLeaving();
        return;
      }
      // Whatever is still waiting is applied now, so the handover carries it.
      for (const waiting of takeAll(this.#queue)) this.#applyCommand(waiting, now);
      this.#queue = EMPTY_QUEUE;
      this.#vote = { term: this.#term + 1, candidate: successor };
      this.#leaving = { since: now, successor, nextHandoverAt: now };
      this.#tickLeaving(now);
    });
  }

  tick(now: number): NodeOutput {
    return this.#step(() => {
      if (this.#left) return;
      if (this.#leaving !== null) this.#tickLeaving(now);
      else if (this.#status === "joining") this.#tickJoining(now);
      else if (this.#status === "detached") return;
      else if (this.#role === "master") this.#tickMaster(now);
      else {
        if (now >= this.#electionDeadline) this.#startElection(now);
        this.#resendCommands(now);
      }
    });
  }

  receive(message: Message, now: number): NodeOutput {
    return this.#step(() => {
      if (this.#left) return;
      this.#lamport.receive(message.lamport);
      if (this.#members.has(message.from)) this.#lastHeardAt.set(message.from, now);
      if (this.#leaving !== null) this.#receiveWhileLeaving(message, now);
      else this.#dispatch(message, now);
    });
  }

  // ---- dispatch ----------------------------------------------------------------------------

  #dispatch(message: Message, now: number): void {
    if (this.#status === "detached") {
      if (message.type === "join") this.#onJoin(message, now); // Answered with "no master known here".
      return;
    }
    // Joins and leaves come from nodes that may not be members (and may carry any term): they must not move ours.
    if (message.type === "join") return this.#onJoin(message, now);
    if (message.type === "leave") return this.#onLeave(message, now);
    // A vote request from a non-member must not disrupt us either (Raft's "removed server" problem).
    if (message.type === "request_vote") return this.#onRequestVote(message, now);
    if (message.term > this.#term) this.#adoptTerm(message.term, now);
    switch (message.type) {
      case "heartbeat":
        return this.#onHeartbeat(message, now);
      case "heartbeat_ack":
        return this.#onHeartbeatAck(message, now);
      case "vote":
        return this.#onVote(message, now);
      case "handover":
        return this.#onHandover(message, now);
      case "join_redirect":
        return this.#onJoinRedirect(message, now);
      case "command":
        return this.#onCommand(message, now);
    }
  }

  /** Seeing a newer term: adopt it and follow. The vote record survives, since it is per term. */
  #adoptTerm(term: number, now: number): void {
    if (this.#role === "master") this.#stopBeingMaster(now);
    this.#term = term;
    this.#role = "peer";
    this.#masterId = null;
    this.#votesReceived.clear();
  }

  #stopBeingMaster(now: number): void {
    // Commands we accepted but did not apply go to the next master, as if issued here.
    for (const waiting of takeAll(this.#queue)) {
      if (!this.#appliedKeys.has(stampKey(waiting.stamp))) this.#unacked.set(stampKey(waiting.stamp), { ...waiting, nextSendAt: now });
    }
    this.#queue = EMPTY_QUEUE;
    this.#followers.clear();
    this.#role = "peer";
    // A deposed master's timeout is long expired; without a fresh one it would campaign at once.
    this.#electionDeadline = this.#drawElectionDeadline(now);
  }

  // ---- heartbeats ----------------------------------------------------------------------------

  #onHeartbeat(message: Heartbeat, now: number): void {
    if (message.term < this.#term) return this.#rejectStale(message.from, now);
    if (this.#role === "master") return; // A second master in our own term cannot happen; never follow one.
    this.#role = "peer";
    this.#votesReceived.clear();
    if (this.#masterId !== message.from) {
      this.#masterId = message.from;
      for (const pending of this.#unacked.values()) pending.nextSendAt = now;
    }
    this.#lastHeartbeatAt = now;
    this.#electionDeadline = this.#drawElectionDeadline(now);
    this.#observeMasterClock(message.from, message.sentAt, message.echo, now);
    this.#adoptSharedState(message, this.#offsetTo(this.#masterClock!), now);

    const listed = this.#members.has(this.id);
    if (this.#status === "joining" && listed) {
      this.#status = "member";
      this.#joinTarget = null;
      this.#emit({ type: "joined", masterId: message.from });
    } else if (this.#status === "member" && !listed) {
      // The master dropped us (we were silent too long): ask to be let back in.
      return this.#startJoining(this.#members.get(message.from) ?? null, now);
    }
    this.#send(message.from, {
      type: "heartbeat_ack",
      sentAt: now,
      membersVersion: this.#membersVersion, // what we hold, which a reordered old heartbeat did not change
      accepted: true,
      member: true,
    });
    this.#resendCommands(now);
  }

  /**
   * Takes the master's members, timer (translated to our clock) and command log, unless we already
   * have newer ones: heartbeats can arrive out of order, and an old one must not undo a command.
   */
  #adoptSharedState(state: Heartbeat | Handover, offsetMs: number, now: number): void {
    const newerTerm = state.term > this.#stateTerm;
    this.#stateTerm = Math.max(this.#stateTerm, state.term);
    if (newerTerm || state.membersVersion >= this.#membersVersion) this.#replaceMembers(state.members, state.membersVersion, now);
    if (newerTerm || !isOlder(state.stateVersion, this.#stateVersion)) {
      const { timer } = state;
      this.#timer = advance({ ...timer, endsAt: timer.endsAt === null ? null : toLocalDeadline(timer.endsAt, offsetMs) }, now);
      this.#stateVersion = state.stateVersion;
    }
    if (this.#lastSeenSeq === null) this.#lastSeenSeq = state.stateVersion.seq;
    this.#mergeLog(state.recentCommands);
  }

  #observeMasterClock(masterId: NodeId, sentAt: number, echo: ClockEcho | null, now: number): void {
    if (this.#masterClock === null || this.#masterClock.masterId !== masterId) {
      this.#masterClock = { masterId, samples: emptySamples(this.config.clockSamples), crudeOffsetMs: sentAt - now };
    }
    this.#masterClock.crudeOffsetMs = sentAt - now;
    if (echo !== null) {
      this.#masterClock.samples = addSample(this.#masterClock.samples, {
        t0: echo.peerSentAt,
        t1: echo.masterReceivedAt,
        t2: sentAt,
        t3: now,
      });
    }
  }

  #offsetTo(clock: MasterClock): number {
    return bestEstimate(clock.samples)?.offsetMs ?? clock.crudeOffsetMs;
  }

  #onHeartbeatAck(message: HeartbeatAck, now: number): void {
    if (!message.accepted) {
      // Our term was stale (we have adopted the newer one already). If they do not count us as a member, rejoin.
      if (!message.member && this.#status === "member") this.#startJoining(this.#members.get(message.from) ?? null, now);
      return;
    }
    if (this.#role !== "master" || message.term !== this.#term) return;
    const follower = this.#followers.get(message.from);
    if (follower === undefined) return;
    follower.lastAckAt = now;
    follower.ackedMembersVersion = message.membersVersion;
    follower.echo = { peerSentAt: message.sentAt, masterReceivedAt: now };
  }

  /** Tells the sender of an old-term heartbeat or handover which term it is now. */
  #rejectStale(to: NodeId, now: number): void {
    this.#send(to, {
      type: "heartbeat_ack",
      sentAt: now,
      membersVersion: this.#membersVersion,
      accepted: false,
      member: this.#members.has(to),
    });
  }

  // ---- the master ----------------------------------------------------------------------------

  #tickMaster(now: number): void {
    this.#timer = advance(this.#timer, now);
    const { ready, rest } = takeSettled(this.#queue, now, this.config.commandSettleMs);
    this.#queue = rest;
    for (const command of ready) this.#applyCommand(command, now);
    const membersChanged = this.#maintainMembers(now);
    // A change goes out at once rather than waiting for the next beat.
    if (ready.length > 0 || membersChanged || now >= this.#nextHeartbeatAt) this.#sendHeartbeats(now);
  }

  #applyCommand(request: StampedCommand, now: number): void {
    const key = stampKey(request.stamp);
    if (this.#appliedKeys.has(key)) return;
    this.#rememberApplied(key);
    const result = applyTimerCommand(this.#timer, request.command, now);
    if (result.ok) this.#timer = result.state;
    this.#stateVersion = { term: this.#term, seq: this.#stateVersion.seq + 1 };
    const entry: AppliedCommand = {
      seq: this.#stateVersion.seq,
      term: this.#term,
      stamp: request.stamp,
      command: request.command,
      outcome: result.ok ? "applied" : result.error.code,
    };
    this.#mergeLog([entry]);
  }

  #rememberApplied(key: string): void {
    this.#appliedKeys.add(key);
    if (this.#appliedKeys.size > APPLIED_KEYS_KEPT) {
      const oldest = this.#appliedKeys.values().next().value;
      if (oldest !== undefined) this.#appliedKeys.delete(oldest);
    }
  }

  #sendHeartbeats(now: number): void {
    this.#nextHeartbeatAt = now + this.config.heartbeatMs;
    const members = this.members;
    const recentCommands = this.#log.slice(-this.config.recentCommandsSent);
    for (const [id, follower] of this.#followers) {
      this.#send(id, {
        type: "heartbeat",
        sentAt: now,
        members,
        membersVersion: this.#membersVersion,
        timer: this.#timer,
        stateVersion: this.#stateVersion,
        recentCommands,
        echo: follower.echo,
      });
      follower.echo = null;
    }
  }

  /**
   * Drops members that left or went silent, one per change. Membership changes only while the
   * master hears from a majority and a majority has the current list: a master cut off in a minority
   * cannot shrink the group until it looks like a majority, and one-at-a-time changes keep every old
   * majority overlapping every new one (Raft's single-server change).
   */
  #maintainMembers(now: number): boolean {
    const removed = this.#nextRemovable(now);
    if (removed === null || !this.#canChangeMembers(now)) return false;
    const remaining = this.members.filter((member) => member.id !== removed);
    this.#replaceMembers(remaining, this.#membersVersion + 1, now);
    this.#departing.delete(removed);
    return true;
  }

  /** The lowest id among followers that left or went silent; null (the usual answer, asked every tick) if none. */
  #nextRemovable(now: number): NodeId | null {
    const silentSince = now - this.config.memberTimeoutMs;
    let lowest: NodeId | null = null;
    for (const [id, follower] of this.#followers) {
      const removable = this.#departing.has(id) || follower.lastAckAt <= silentSince;
      if (removable && (lowest === null || id < lowest)) lowest = id;
    }
    return lowest;
  }

  #canChangeMembers(now: number): boolean {
    if (this.#role !== "master" || this.#leaving !== null) return false;
    const needed = majority(this.#members.size);
    // "Hears from" means within an election timeout: acks that are merely not yet expired do not
    // count, or a freshly cut-off master would still see a majority while the first member expires.
    const recently = now - this.config.electionTimeoutMaxMs;
    let alive = 1;
    let upToDate = 1;
    for (const follower of this.#followers.values()) {
      if (follower.lastAckAt >= recently) alive += 1;
      if (follower.ackedMembersVersion === this.#membersVersion) upToDate += 1;
    }
    return alive >= needed && upToDate >= needed;
  }

  #onJoin(message: JoinRequest, now: number): void {
    this.#addressBook.set(message.from, message.address);
    if (this.#role !== "master" || this.#leaving !== null) {
      const masterAddress = this.#masterId === null ? null : (this.#members.get(this.#masterId) ?? null);
      this.#send({ address: message.address }, { type: "join_redirect", masterId: this.#masterId, masterAddress });
      return;
    }
    if (!this.#members.has(message.from) || this.#members.get(message.from) !== message.address) {
      if (!this.#canChangeMembers(now)) return; // The joiner retries.
      const others = this.members.filter((member) => member.id !== message.from);
      this.#replaceMembers([...others, { id: message.from, address: message.address }], this.#membersVersion + 1, now);
    }
    this.#departing.delete(message.from);
    this.#sendHeartbeats(now);
  }

  #onLeave(message: LeaveNotice, now: number): void {
    if (this.#role !== "master" || !this.#members.has(message.from) || message.from === this.id) return;
    this.#departing.add(message.from);
    if (this.#maintainMembers(now)) this.#sendHeartbeats(now);
  }

  #onCommand(message: CommandMessage, now: number): void {
    // Only the master queues; anyone else drops it and the origin resends to the master it knows.
    if (this.#role !== "master" || this.#appliedKeys.has(stampKey(message.stamp))) return;
    this.#queue = enqueue(this.#queue, { stamp: message.stamp, command: message.command }, now);
  }

  // ---- elections -----------------------------------------------------------------------------

  #startElection(now: number): void {
    this.#term += 1;
    this.#role = "candidate";
    this.#masterId = null;
    this.#vote = { term: this.#term, candidate: this.id };
    this.#votesReceived = new Set([this.id]);
    this.#electionDeadline = this.#drawElectionDeadline(now);
    if (this.#members.size > 1) this.#send("all", { type: "request_vote", stateVersion: this.#stateVersion });
    this.#countVotes(now);
  }

  #onRequestVote(message: RequestVote, now: number): void {
    if (this.#status === "joining") return; // Not a member yet: our vote does not count and our list is not authoritative.
    if (!this.#members.has(message.from)) {
      this.#send(message.from, { type: "vote", granted: false, member: false });
      return;
    }
    if (message.term > this.#term) this.#adoptTerm(message.term, now);
    const votedFor = this.#votedFor(this.#term);
    const granted =
      message.term === this.#term &&
      (votedFor === null || votedFor === message.from) &&
      !isOlder(message.stateVersion, this.#stateVersion);
    if (granted) {
      this.#vote = { term: this.#term, candidate: message.from };
      this.#electionDeadline = this.#drawElectionDeadline(now);
    }
    this.#send(message.from, { type: "vote", granted, member: true });
  }

  #onVote(message: Vote, now: number): void {
    if (!message.member) {
      // The voter's list no longer has us: we were removed while cut off. Rejoin rather than disrupt.
      if (this.#role !== "master" && this.#status === "member") this.#startJoining(this.#members.get(message.from) ?? null, now);
      return;
    }
    if (this.#role !== "candidate" || message.term !== this.#term || !message.granted) return;
    this.#votesReceived.add(message.from);
    this.#countVotes(now);
  }

  #countVotes(now: number): void {
    let votes = 0;
    for (const voter of this.#votesReceived) if (this.#members.has(voter)) votes += 1;
    if (votes >= majority(this.#members.size)) this.#becomeMaster(now);
  }

  #becomeMaster(now: number): void {
    this.#role = "master";
    this.#masterId = this.id;
    this.#votesReceived.clear();
    this.#timer = advance(this.#timer, now);
    this.#followers = new Map();
    for (const id of this.#members.keys()) {
      if (id !== this.id) this.#followers.set(id, { lastAckAt: now, ackedMembersVersion: null, echo: null });
    }
    for (const pending of this.#unacked.values()) this.#queue = enqueue(this.#queue, pending, now);
    this.#unacked.clear();
    this.#sendHeartbeats(now);
  }

  #votedFor(term: number): NodeId | null {
    return this.#vote !== null && this.#vote.term === term ? this.#vote.candidate : null;
  }

  /**
   * A follower of a known master takes its turn: [min, max] is cut into one slice per member who
   * could succeed, and each draws its timeout from the first half of its own slice, by rank (id
   * order). When the master dies, the first in line campaigns alone and the others hear its request
   * before their slices open, so a split vote, which costs a whole extra timeout, needs the first in
   * line to be dead or cut off as well. Anyone else (candidates, a node that has just seen a newer
   * term) draws from the whole range, as in Raft, which breaks ties after a failed campaign.
   */
  #drawElectionDeadline(now: number): number {
    const { electionTimeoutMinMs: min, electionTimeoutMaxMs: max } = this.config;
    const turn = this.#successionTurn();
    if (turn === null) return now + randomInt(this.#random, min, max);
    const slice = (max - min) / turn.of;
    return now + Math.round(min + turn.rank * slice) + randomInt(this.#random, 0, Math.floor(slice / 2));
  }

  /** This node's place among the members who could succeed the master it follows; null when it follows none. */
  #successionTurn(): { rank: number; of: number } | null {
    if (this.#role !== "peer" || this.#masterId === null || this.#status !== "member") return null;
    const inLine = [...this.#members.keys()].filter((id) => id !== this.#masterId).sort();
    const rank = inLine.indexOf(this.id);
    return rank < 0 ? null : { rank, of: inLine.length };
  }

  // ---- handover --------------------------------------------------------------------------------

  /**
   * The lowest id among members that are not leaving and were heard from within the shortest
   * election timeout; null if none. Never a member merely presumed alive: handing over to a dead one
   * would hold the group without a master until leaveTimeoutMs, then an election.
   */
  #pickSuccessor(now: number): NodeId | null {
    const heardSince = now - this.config.electionTimeoutMinMs;
    const live = [...this.#followers.keys()].filter((id) => !this.#departing.has(id) && (this.#lastHeardAt.get(id) ?? -Infinity) >= heardSince);
    return live.sort()[0] ?? null;
  }

  #tickLeaving(now: number): void {
    const leaving = this.#leaving!;
    if (now - leaving.since >= this.config.leaveTimeoutMs) return this.#finishLeaving();
    if (now < leaving.nextHandoverAt) return;
    // Repeated each beat until the successor's heartbeat arrives: handovers are idempotent, messages get lost.
    leaving.nextHandoverAt = now + this.config.heartbeatMs;
    this.#timer = advance(this.#timer, now);
    const handover: MessageBody = {
      type: "handover",
      successor: leaving.successor,
      sentAt: now,
      members: this.members,
      membersVersion: this.#membersVersion,
      timer: this.#timer,
      stateVersion: this.#stateVersion,
      recentCommands: this.#log.slice(-this.config.recentCommandsSent),
    };
    this.#send("all", handover, this.#term + 1);
  }

  /**
   * A leaving master keeps its role and term until a newer master's heartbeat arrives; it sends no
   * heartbeats and applies nothing in the meantime, so holding on to the old term harms no one, and
   * it never leaves the group without a master. Commands sent to it are dropped: their origins resend
   * them to the successor once they hear from it.
   */
  #receiveWhileLeaving(message: Message, now: number): void {
    if (message.type === "heartbeat" && message.term > this.#term) {
      this.#adoptTerm(message.term, now);
      this.#masterId = message.from;
      this.#send(message.from, { type: "leave" });
      this.#finishLeaving();
    }
  }

  #finishLeaving(): void {
    if (this.#role === "master") this.#role = "peer";
    this.#leaving = null;
    this.#left = true;
    this.#emit({ type: "left" });
  }

  /** Our part in a handover: the successor campaigns with the old master's vote, the others vote for it. */
  #onHandover(message: Handover, now: number): void {
    if (message.term < this.#term) return this.#rejectStale(message.from, now);
    if (this.#status !== "member") return;
    this.#electionDeadline = this.#drawElectionDeadline(now); // The master is alive and arranging its succession.
    const votedFor = this.#votedFor(this.#term);
    if (message.successor !== this.id) {
      if (votedFor !== null && votedFor !== message.successor) return;
      this.#vote = { term: this.#term, candidate: message.successor };
      this.#send(message.successor, { type: "vote", granted: true, member: true });
      return;
    }
    if (this.#role === "master" || (votedFor !== null && votedFor !== this.id)) return;
    if (this.#masterClock === null || this.#masterClock.masterId !== message.from) {
      this.#observeMasterClock(message.from, message.sentAt, null, now);
    }
    this.#adoptSharedState(message, this.#offsetTo(this.#masterClock!), now);
    this.#departing.add(message.from);
    if (this.#role !== "candidate") {
      this.#role = "candidate";
      this.#masterId = null;
      this.#vote = { term: this.#term, candidate: this.id };
      this.#votesReceived = new Set([this.id]);
      // Also ask directly: it is an ordinary election, and votes already given to us are given again.
      this.#send("all", { type: "request_vote", stateVersion: this.#stateVersion });
    }
    this.#votesReceived.add(message.from);
    this.#countVotes(now);
  }

  // ---- joining -------------------------------------------------------------------------------

  #startJoining(address: string | null, now: number): void {
    if (this.#role === "master") this.#stopBeingMaster(now);
    this.#status = "joining";
    this.#role = "peer";
    this.#masterId = null;
    this.#joinTarget = address ?? this.members.find((member) => member.id !== this.id)?.address ?? null;
    this.#nextJoinAt = now;
    this.#tickJoining(now);
  }

  #tickJoining(now: number): void {
    if (this.#joinTarget === null || now < this.#nextJoinAt) return;
    this.#nextJoinAt = now + this.config.joinRetryMs;
    this.#send({ address: this.#joinTarget }, { type: "join", address: this.address });
  }

  #onJoinRedirect(message: JoinRedirect, now: number): void {
    if (this.#status !== "joining" || message.masterAddress === null || message.masterAddress === this.address) return;
    if (message.masterAddress === this.#joinTarget) return;
    this.#joinTarget = message.masterAddress;
    this.#nextJoinAt = now;
    this.#tickJoining(now);
  }

  // ---- commands and the shared log -----------------------------------------------------------

  #resendCommands(now: number): void {
    const master = this.#masterId;
    if (master === null || master === this.id) return;
    for (const pending of this.#unacked.values()) {
      if (now < pending.nextSendAt) continue;
      pending.nextSendAt = now + this.config.commandRetryMs;
      this.#send(master, { type: "command", stamp: pending.stamp, command: pending.command });
    }
  }

  /**
   * Appends entries newer than what we have seen, reporting each once, and stops resending those
   * that were ours. An entry from a newer term at a seq we already hold means the master that gave
   * us ours lost it in a failover: like Raft, the newer term's history replaces ours from there.
   */
  #mergeLog(entries: readonly AppliedCommand[]): void {
    for (const entry of entries) {
      const key = stampKey(entry.stamp);
      this.#unacked.delete(key);
      // Remembered on every member, so whoever is master next drops a resend of it.
      if (!this.#appliedKeys.has(key)) this.#rememberApplied(key);
      const conflict = this.#log.findIndex((known) => known.seq === entry.seq && known.term < entry.term);
      if (conflict >= 0) {
        this.#log = this.#log.slice(0, conflict);
        this.#lastSeenSeq = entry.seq - 1;
      }
      if (this.#lastSeenSeq !== null && entry.seq <= this.#lastSeenSeq) continue;
      this.#lastSeenSeq = entry.seq;
      this.#log.push(entry);
      this.#emit({ type: "command_applied", entry });
    }
    if (this.#log.length > LOG_KEPT) this.#log = this.#log.slice(-LOG_KEPT);
  }

  // ---- plumbing ------------------------------------------------------------------------------

  #replaceMembers(members: readonly Member[], version: number, now: number): void {
    this.#membersVersion = version;
    const next = new Map(members.map((member) => [member.id, member.address] as const));
    for (const [id, address] of next) this.#addressBook.set(id, address);
    if (sameMembers(this.#members, next)) return;
    this.#members = next;
    this.#membersRevision += 1;
    for (const id of this.#lastHeardAt.keys()) if (!next.has(id)) this.#lastHeardAt.delete(id);
    if (this.#role === "master") {
      for (const id of this.#followers.keys()) if (!next.has(id)) this.#followers.delete(id);
      for (const id of next.keys()) {
        if (id !== this.id && !this.#followers.has(id)) {
          this.#followers.set(id, { lastAckAt: now, ackedMembersVersion: null, echo: null });
        }
      }
    }
  }

  /** Fills in the envelope fields; `term` differs from ours only for a handover, which speaks for the next term. */
  #send(to: Destination, body: MessageBody, term = this.#term): void {
    const message = { ...body, term, from: this.id, lamport: this.#lamport.tick() } as Message;
    this.#out.messages.push({ to, message });
  }

  #emit(event: NodeEvent): void {
    this.#out.events.push(event);
  }

  /** Runs one input and reports what changed as events, state changes first. */
  #step(input: () => void): NodeOutput {
    const before: Snapshot = {
      role: this.#role,
      term: this.#term,
      masterId: this.#masterId,
      membersRevision: this.#membersRevision,
    };
    input();
    const changes: NodeEvent[] = [];
    if (this.#term !== before.term) changes.push({ type: "term_changed", term: this.#term });
    if (this.#role !== before.role) changes.push({ type: "role_changed", role: this.#role, term: this.#term });
    if (this.#masterId !== before.masterId) changes.push({ type: "master_changed", masterId: this.#masterId, term: this.#term });
    if (this.#membersRevision !== before.membersRevision) changes.push({ type: "members_changed", members: this.members });
    const output: NodeOutput = { messages: this.#out.messages, events: [...changes, ...this.#out.events] };
    this.#out = { messages: [], events: [] };
    return output;
  }
}

/** Strictly more than half. */
export function majority(memberCount: number): number {
  return Math.floor(memberCount / 2) + 1;
}

/** True when `a` knows less of the command history than `b`. */
export function isOlder(a: StateVersion, b: StateVersion): boolean {
  return a.term < b.term || (a.term === b.term && a.seq < b.seq);
}

function sortedMembers(members: ReadonlyMap<NodeId, string>): Member[] {
  return [...members].map(([id, address]) => ({ id, address })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function sameMembers(a: ReadonlyMap<NodeId, string>, b: ReadonlyMap<NodeId, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, address] of a) if (b.get(id) !== address) return false;
  return true;
}

function checkConfig(config: ElectionConfig): ElectionConfig {
  if (config.electionTimeoutMinMs > config.electionTimeoutMaxMs) {
    throw new RangeError("electionTimeoutMinMs must not exceed electionTimeoutMaxMs");
  }
  if (config.heartbeatMs >= config.electionTimeoutMinMs) {
    throw new RangeError("heartbeatMs must be well below electionTimeoutMinMs, or members would time out between beats");
  }
  return Object.freeze(config);
}
