/**
 * One member of a GroupSync timer session: membership, failure detection, leader election and the
 * shared timer, as a deterministic state machine in the style of etcd's raft. Inputs are
 * `tick(now)`, `receive(message, now)` and the user's actions; each returns the messages to send and
 * the events that happened. No sockets, timers or clocks in here: `now` is always the node's own
 * clock reading, passed in.
 *
 * Availability first: a team timer must keep running on whoever is left, so the election does not
 * need a majority of the member list, only of the members that are alive and reachable.
 * - **Failure detection** is separate from the election. The master heartbeats every member every
 *   `heartbeatMs` and counts who acks; every heartbeat carries the master's view of who is alive
 *   (`live`). Members detect the master: one that hears nothing for its election timeout (drawn
 *   within [min, max]; followers take turns by id, see #drawElectionDeadline) suspects it.
 * - **Election**: the suspecting member becomes candidate for term + 1 and asks everyone. It wins
 *   with votes from a majority of the member list (the fast path, as in Raft), or, once every member
 *   it believes alive has answered or `voteWindowMs` has passed, with votes from a majority of the
 *   members that answered. A survivor alone wins with its own vote; two sides of a partition each
 *   elect a master, and each keeps a running, controllable timer. A node still votes at most once
 *   per term, for a candidate whose timer is not older than its own.
 * - **Heal**: masters keep probing the members they dropped for silence. When two histories meet
 *   (a heartbeat from a master that is not ours), heal-rule.ts decides: the higher term, then the
 *   lower id, is master; the member that switches sends it a merge offer (its members, timer and
 *   latest commands); the master adds the members, keeps the later timer (by the newest command's
 *   Lamport stamp) and reports the other side's commands as overridden. A stale or losing master
 *   that hears of a better one steps down and offers the same way. Any message from a higher term
 *   still makes its receiver adopt that term and step down, which is how a master frozen by SIGSTOP
 *   learns it was replaced.
 *
 * The master owns the timer (deadlines on its own clock) and ships it in every heartbeat with its
 * clock reading, so members keep a copy translated to their own clock; whoever becomes master next
 * continues from that copy, and the deadline survives failover. Timer commands from any member go to
 * the master stamped with a Lamport time and are applied in stamp order (see command-queue.ts).
 */
import { addSample, bestEstimate, emptySamples, toLocalDeadline, type OffsetSamples } from "./clock-offset.ts";
import { EMPTY_QUEUE, enqueue, takeAll, takeSettled, type CommandQueue, type StampedCommand } from "./command-queue.ts";
import { compareStates, divergentEntries, laterStamp, outranks } from "./heal-rule.ts";
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
  MergeOffer,
  Message,
  MessageBody,
  NodeEvent,
  NodeId,
  NodeOutput,
  OverriddenCommand,
  RequestVote,
  Role,
  SessionSnapshot,
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
import { timerChanged, viewOf, type TimerView } from "./timer-change.ts";
import { CommandLog } from "./command-log.ts";
import { Membership } from "./membership.ts";
import { jumpCeiling, type JumpAnchor } from "./jump-ceiling.ts";

export interface ElectionConfig {
  readonly heartbeatMs: number;
  /**
   * A follower answers its master's heartbeats at most this often (at once when it has news: the
   * first beat from a new master, one that carried the member list, a list it does not hold, and
   * every beat until its clock estimate for that master holds clockSamples round trips). By
   * default 1.5 beats: every other beat, so the master hears from each member every ~200 ms, well
   * inside the 300 ms (electionTimeoutMinMs) it counts a member live for, at half the acks.
   */
  readonly ackIntervalMs: number;
  readonly electionTimeoutMinMs: number;
  readonly electionTimeoutMaxMs: number;
  /** The master drops a member it has had no ack from for this long (and keeps probing it as lost). */
  readonly memberTimeoutMs: number;
  /** How long the master holds a command before applying it, so concurrent ones are ordered by stamp. */
  readonly commandSettleMs: number;
  /** How often a member resends a command the master has not applied yet (and an unacknowledged merge offer). */
  readonly commandRetryMs: number;
  readonly joinRetryMs: number;
  /** A leaving master gives up waiting to see its successor after this long. */
  readonly leaveTimeoutMs: number;
  /** Clock-offset samples kept per master; the lowest round trip among them wins. */
  readonly clockSamples: number;
  /** How many of the latest applied commands each heartbeat repeats. */
  readonly recentCommandsSent: number;
  /** How long a candidate waits for the members it believes alive before counting those that answered. */
  readonly voteWindowMs: number;
  /** How often a master sends a heartbeat to each member it lost, to find it again when a partition heals. */
  readonly probeIntervalMs: number;
  /** A lost member is looked for this long, then forgotten. */
  readonly lostRetentionMs: number;
  /** How many of its latest commands a merge offer carries, so the master can tell which ones it lacks. */
  readonly mergeCommandsSent: number;
  /** Terms a member accepts beyond the one it joined at, at once (jump-ceiling.ts)… */
  readonly termJumpSlack: number;
  /** …plus one per this many ms since: far faster than elections can honestly happen. */
  readonly termGrowthMs: number;
  /** The same for Lamport times, which grow by one per message. */
  readonly lamportJumpSlack: number;
  readonly lamportGrowthMs: number;
}

/**
 * Heartbeats every 100 ms, elections after 300-600 ms of silence: failover in ~300 ms (median over
 * 20 SIGKILLs, `npm run bench`), and a master of five at rest under 2 % CPU. At 50 ms / 150-300 ms
 * failover took ~170 ms, but the master's signed heartbeats and their acks cost 2.5-2.7 % CPU. A
 * candidate waits at most 100 ms for members that may be dead; lost members are probed every 200 ms,
 * so a healed partition finds itself within a few hundred ms.
 */
/** The most a follower in line adds to the start of its slice of the election timeout (see #drawElectionDeadline). */
const SUCCESSION_JITTER_MS = 40;
/** After the master's process is known gone (masterGone), the wait between one follower's turn and the next's. */
const FAST_TURN_MS = 100;

export const DEFAULT_ELECTION_CONFIG: ElectionConfig = Object.freeze({
  heartbeatMs: 100,
  ackIntervalMs: 150,
  electionTimeoutMinMs: 300,
  electionTimeoutMaxMs: 600,
  memberTimeoutMs: 2000,
  commandSettleMs: 20,
  commandRetryMs: 100,
  joinRetryMs: 200,
  leaveTimeoutMs: 1000,
  clockSamples: 8,
  recentCommandsSent: 16,
  voteWindowMs: 100,
  probeIntervalMs: 200,
  lostRetentionMs: 60 * 60_000,
  mergeCommandsSent: 64,
  termJumpSlack: 1000,
  termGrowthMs: 10,
  lamportJumpSlack: 1_000_000,
  lamportGrowthMs: 0.01,
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
  echo: ClockEcho | null;
  /** sentAt of the follower's last merge offer taken in, echoed in heartbeats so it stops resending. */
  mergeAck: number | null;
  /** The digest of the member list the follower's last ack says it holds; null before its first ack. */
  membersDigest: string | null;
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

interface Campaign {
  readonly startedAt: number;
  readonly granted: Set<NodeId>;
  /** Everyone who answered, yes or no: the reachable part of the group. */
  readonly answered: Set<NodeId>;
  /** Members believed alive: once all of them have answered, the count need not wait for the window. */
  readonly expected: ReadonlySet<NodeId>;
}

/** A merge offer's content, fixed when it is made: our history as it was before we took the master's. */
type OfferBody = Omit<MergeOffer, "term" | "from" | "lamport" | "sentAt">;

interface PendingOffer {
  readonly to: NodeId;
  /** Its timer was read on our clock; resends advance it. */
  readonly body: OfferBody;
  sentAt: number;
  nextSendAt: number;
}

interface Snapshot {
  readonly role: Role;
  readonly term: number;
  readonly masterId: NodeId | null;
  readonly membersRevision: number;
}


export class ElectionNode {
  readonly id: NodeId;
  readonly address: string;
  readonly config: ElectionConfig;
  readonly #random: () => number;
  readonly #lamport = new LamportClock();

  #role: Role = "peer";
  #term = 0;
  /** Where this node entered the session: the base of the highest term and Lamport time it accepts (jump-ceiling.ts). */
  #anchors: { readonly term: JumpAnchor; readonly lamport: JumpAnchor };
  #refusedTermJumps = 0;
  #refusedLamportJumps = 0;
  #masterId: NodeId | null = null;
  /** Whom this node voted for, and in which term: one vote per term, kept across stepping down. */
  #vote: { readonly term: number; readonly candidate: NodeId } | null = null;
  #campaign: Campaign | null = null;
  #electionDeadline: number;
  #lastHeartbeatAt: number | null = null;
  /** When this node last acked its master's heartbeat; null since it switched masters (the next beat is acked at once). */
  #lastAckSentAt: number | null = null;
  /** The master this node stopped hearing from: not waited for while counting votes. */
  #suspect: NodeId | null = null;

  #status: MembershipStatus;
  #joinTarget: string | null = null;
  #nextJoinAt = 0;
  /** Members, addresses, who was heard from when, lost and departed members, the live view. */
  readonly #membership: Membership;

  #timer: TimerState;
  #stateVersion: StateVersion = { term: 0, seq: 0 };
  #stateStamp: LamportStamp | null = null;
  /** The term of the message our members came from: a newer term's list always wins. */
  #stateTerm = 0;
  /** The commands in effect in #timer as far as this node knows them, the applied stamps, the overridden ones. */
  readonly #log = new CommandLog();
  /** False until the first state from a master is taken: a joiner does not replay history. */
  #synced: boolean;
  /** This node's commands the master has not applied yet, by stamp key. */
  #unacked = new Map<string, PendingCommand>();
  /** A merge offer sent to a master and not yet acknowledged. */
  #pendingOffer: PendingOffer | null = null;

  // Master only.
  #followers = new Map<NodeId, FollowerProgress>();
  #queue: CommandQueue = EMPTY_QUEUE;
  #nextHeartbeatAt = 0;
  #nextProbeAt = 0;

  #masterClock: MasterClock | null = null;
  #leaving: Leaving | null = null;
  #left = false;
  #out: { messages: Envelope[]; events: NodeEvent[] } = { messages: [], events: [] };
  /** The timer as the last timer_changed event told it (the idle timer before any). */
  #toldTimer: TimerView;

  constructor(options: ElectionNodeOptions) {
    this.id = options.id;
    this.address = options.address;
    // Unless set, the ack interval follows the heartbeat: every other beat.
    const ackIntervalMs = 1.5 * (options.config?.heartbeatMs ?? DEFAULT_ELECTION_CONFIG.heartbeatMs);
    this.config = checkConfig({ ...DEFAULT_ELECTION_CONFIG, ackIntervalMs, ...options.config });
    this.#random = options.random;
    const settings = resolveSettings(options.settings);
    if (!settings.ok) throw new RangeError(settings.error.message);
    this.#timer = idleTimer(settings.settings);
    this.#toldTimer = viewOf(this.#timer, options.now);
    this.#membership = new Membership({ id: this.id, address: this.address }, options.members);
    if (options.members === undefined) {
      this.#status = "detached";
      this.#synced = false;
    } else {
      this.#status = "member";
      this.#synced = true;
    }
    this.#anchors = this.#anchorsAt(options.now);
    this.#electionDeadline = this.#drawElectionDeadline(options.now);
  }

  get role(): Role {
    return this.#role;
  }

  get term(): number {
    return this.#term;
  }

  /** Messages refused for a term beyond the ceiling (jump-ceiling.ts); the shell counts them as drops. */
  get refusedTermJumps(): number {
    return this.#refusedTermJumps;
  }

  /** Messages refused for a Lamport time beyond the ceiling. */
  get refusedLamportJumps(): number {
    return this.#refusedLamportJumps;
  }

  /** The highest term this node accepts from others at `now`; Infinity while it is not a member (a joiner takes the session's term, whatever it is). */
  termCeilingAt(now: number): number {
    const { termJumpSlack: slack, termGrowthMs: growthMs } = this.config;
    return this.#status === "member" ? jumpCeiling(this.#anchors.term, now, { slack, growthMs }) : Infinity;
  }

  /** The same for Lamport times. */
  lamportCeilingAt(now: number): number {
    const { lamportJumpSlack: slack, lamportGrowthMs: growthMs } = this.config;
    return this.#status === "member" ? jumpCeiling(this.#anchors.lamport, now, { slack, growthMs }) : Infinity;
  }

  #anchorsAt(now: number): { readonly term: JumpAnchor; readonly lamport: JumpAnchor } {
    return { term: { value: this.#term, at: now }, lamport: { value: this.#lamport.time, at: now } };
  }

  get masterId(): NodeId | null {
    return this.#masterId;
  }

  get membership(): MembershipStatus {
    return this.#status;
  }

  /** The member list as this node knows it, sorted by id, itself included. */
  get members(): Member[] {
    return this.#membership.list;
  }

  /** Members dropped for silence that this node (as master, or from the master's heartbeats) still looks for. */
  get lostMembers(): Member[] {
    return this.#membership.lostList;
  }

  /** True once leave() has finished: the shell may exit. */
  get hasLeft(): boolean {
    return this.#left;
  }

  /** The commands in effect in this node's timer, as far as it knows them, oldest first. */
  get appliedCommands(): readonly AppliedCommand[] {
    return this.#log.entries;
  }

  /** Commands recent merges left out (see heal-rule.ts), oldest first. */
  get overriddenCommands(): readonly OverriddenCommand[] {
    return this.#log.overridden;
  }

  /** When this node last heard the master's heartbeat (its own clock); null if never. */
  get lastHeartbeatAt(): number | null {
    return this.#lastHeartbeatAt;
  }

  get stateVersion(): StateVersion {
    return this.#stateVersion;
  }

  /** The highest Lamport stamp of any command applied into this node's timer; null before the first. */
  get stateStamp(): LamportStamp | null {
    return this.#stateStamp;
  }

  /** Where to send a message addressed to `id`: a member, or any node this one has known. */
  addressOf(id: NodeId): string | null {
    return this.#membership.addressOf(id);
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
    return this.#step(now, () => {
      this.#status = "member";
      this.#anchors = this.#anchorsAt(now);
      this.#synced = true;
      this.#replaceMembers([{ id: this.id, address: this.address }], this.#membership.version + 1, now);
      this.#startElection(now);
    });
  }

  /** Asks the node at `address` to let this node in; retried every joinRetryMs, following redirects to the master. */
  join(address: string, now: number): NodeOutput {
    return this.#step(now, () => this.#startJoining(address, now));
  }

  /** A user's timer command: applied by the master, wherever it was issued. */
  command(command: TimerCommand, now: number): CommandOutput {
    const stamp: LamportStamp = { time: this.#lamport.tick(), nodeId: this.id };
    const output = this.#step(now, () => {
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
    return this.#step(now, () => {
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

  /**
   * The shell saw the master's process gone: its connection to us closed and its port refused a new
   * one (a crash frees the port at once; a frozen or cut-off master still holds it, so those are
   * left to the election timeout). The followers then take their turns at once instead of after a
   * timeout: the first in line campaigns within FAST_TURN_MS, the next one FAST_TURN_MS later.
   */
  masterGone(id: NodeId, now: number): NodeOutput {
    return this.#step(now, () => {
      if (this.#role !== "peer" || this.#status !== "member" || this.#masterId !== id || this.#leaving !== null) return;
      const turn = this.#successionTurn();
      const soon = now + (turn === null ? 0 : turn.rank * FAST_TURN_MS) + randomInt(this.#random, 0, FAST_TURN_MS / 4);
      this.#electionDeadline = Math.min(this.#electionDeadline, soon);
    });
  }

  tick(now: number): NodeOutput {
    return this.#step(now, () => {
      if (this.#left) return;
      if (this.#leaving !== null) return this.#tickLeaving(now);
      if (this.#status === "joining") return this.#tickJoining(now);
      if (this.#status === "detached") return;
      switch (this.#role) {
        case "master":
          return this.#tickMaster(now);
        case "candidate":
          return this.#tickCandidate(now);
        case "peer":
          return this.#tickPeer(now);
      }
    });
  }

  receive(message: Message, now: number): NodeOutput {
    return this.#step(now, () => {
      if (this.#left) return;
      // Joins and leaves never move our term (see #dispatch), whatever they carry.
      if (message.type !== "join" && message.type !== "leave" && message.term > this.termCeilingAt(now)) {
        this.#refusedTermJumps += 1;
        return;
      }
      if (message.lamport > this.lamportCeilingAt(now)) {
        this.#refusedLamportJumps += 1;
        return;
      }
      this.#lamport.receive(message.lamport);
      this.#membership.heardFrom(message.from, now);
      if (this.#leaving !== null) this.#receiveWhileLeaving(message, now);
      else this.#dispatch(message, now);
    });
  }

  // ---- dispatch ----------------------------------------------------------------------------

  #dispatch(message: Message, now: number): void {
    if (this.#status === "detached") {
      if (message.type === "join") this.#redirectJoin(message); // Answered with "no master known here".
      return;
    }
    // A vote request from a non-member must not disrupt us (Raft's "removed server" problem): it
    // moves our term only once we know it is from a member (#onRequestVote).
    if (message.type === "request_vote") return this.#onRequestVote(message, now);
    // Joins and leaves come from nodes that may not be members (and may carry any term): they must not move ours.
    if (message.type !== "join" && message.type !== "leave" && message.term > this.#term) this.#adoptTerm(message.term, now);
    switch (this.#role) {
      case "master":
        return this.#stepMaster(message, now);
      case "candidate":
        return this.#stepCandidate(message, now);
      case "peer":
        return this.#stepPeer(message, now);
    }
  }

  /** What a master does with each message; whatever only a follower or candidate needs is dropped. */
  #stepMaster(message: Exclude<Message, RequestVote>, now: number): void {
    switch (message.type) {
      case "join":
        return this.#admit(message, now);
      case "leave":
        return this.#onLeave(message, now);
      case "heartbeat":
        return this.#onHeartbeat(message, now);
      case "heartbeat_ack":
        return this.#onHeartbeatAck(message, now);
      case "handover":
        return this.#onHandover(message, now);
      case "join_redirect":
        return this.#onJoinRedirect(message, now);
      case "merge":
        return this.#onMergeOffer(message, now);
      case "command":
        return this.#onCommand(message, now);
      case "vote":
        return; // a late one from our campaign: we won it already
    }
  }

  /** What a candidate does with each message: count votes; the rest as a peer would. */
  #stepCandidate(message: Exclude<Message, RequestVote>, now: number): void {
    if (message.type === "vote") return this.#onVote(message, now);
    this.#stepFollowing(message, now);
  }

  /** What a peer does with each message: not campaigning, it only hears a vote saying its voter's list no longer has it. */
  #stepPeer(message: Exclude<Message, RequestVote>, now: number): void {
    if (message.type === "vote") {
      if (!message.member) this.#rejoinAfterRemoval(message.from, now);
      return;
    }
    this.#stepFollowing(message, now);
  }

  /** What peers and candidates do alike: follow whoever proves to be master, take part in its succession, point joiners at it. */
  #stepFollowing(message: Exclude<Message, RequestVote | Vote>, now: number): void {
    switch (message.type) {
      case "join":
        return this.#redirectJoin(message);
      case "heartbeat":
        return this.#onHeartbeat(message, now);
      case "heartbeat_ack":
        return this.#onRefusedBeat(message, now);
      case "handover":
        return this.#onHandover(message, now);
      case "join_redirect":
        return this.#onJoinRedirect(message, now);
      case "leave":
      case "merge":
      case "command":
        return; // only a master takes these; their senders resend to the master they hear from next
    }
  }

  /** Seeing a newer term: adopt it and follow. The vote record survives, since it is per term. */
  #adoptTerm(term: number, now: number): void {
    if (this.#role === "master") this.#stopBeingMaster(now);
    this.#term = term;
    this.#role = "peer";
    this.#masterId = null;
    this.#campaign = null;
  }

  #stopBeingMaster(now: number): void {
    // Commands we accepted but did not apply go to the next master, as if issued here.
    for (const waiting of takeAll(this.#queue)) {
      if (!this.#log.wasApplied(stampKey(waiting.stamp))) this.#unacked.set(stampKey(waiting.stamp), { ...waiting, nextSendAt: now });
    }
    this.#queue = EMPTY_QUEUE;
    this.#followers.clear();
    this.#role = "peer";
    // A deposed master's timeout is long expired; without a fresh one it would campaign at once.
    this.#electionDeadline = this.#drawElectionDeadline(now);
  }

  // ---- the peer ------------------------------------------------------------------------------

  #tickPeer(now: number): void {
    if (now >= this.#electionDeadline) return this.#startElection(now);
    this.#resendCommands(now);
    this.#resendOffer(now);
  }

  #onHeartbeat(message: Heartbeat, now: number): void {
    if (message.term < this.#term) return this.#rejectStale(message.from, now);
    // Same term, another master (two sides elected apart): the lower id wins (heal-rule.ts).
    const current = this.#role === "master" ? this.id : this.#role === "peer" ? this.#masterId : null;
    const rival = current !== null && current !== message.from;
    if (rival && !outranks({ term: message.term, id: message.from }, { term: this.#term, id: current })) return this.#rejectStale(message.from, now);
    // Without the list, and ours is not the one the master has: say which one we hold and wait for
    // the next beat, which carries it (the master sends it until our ack names its digest).
    const members = message.members ?? (message.membersDigest === this.#membership.digest ? this.members : null);
    if (members === null) return this.#ackHeartbeat(message, now);
    if (rival && this.#role === "master") this.#stopBeingMaster(now);
    this.#role = "peer";
    this.#campaign = null;
    this.#suspect = null;
    const switched = this.#masterId !== message.from;
    if (switched) {
      this.#masterId = message.from;
      this.#lastAckSentAt = null;
      for (const pending of this.#unacked.values()) pending.nextSendAt = now;
    }
    this.#lastHeartbeatAt = now;
    this.#membership.adoptLiveView(message.live);
    this.#electionDeadline = this.#drawElectionDeadline(now);
    this.#observeMasterClock(message.from, message.sentAt, message.echo, now);
    // A member the master does not list (dropped while cut off, or from the other side of a
    // partition), one whose timer is later, or one that just came over from another master with
    // history of its own: it hands its members and timer over, and the master merges them. What it
    // hands over is its history as it was before this heartbeat.
    const listedThere = members.some((member) => member.id === this.id);
    const oursNewer = this.#synced && compareStates(message, { stateStamp: this.#stateStamp, stateVersion: this.#stateVersion }) < 0;
    const rosterHasUnknown = this.#membership.size > 1 && this.#membership.ids().some((id) => !members.some((m) => m.id === id));
    const contributes = this.#synced && (this.#log.size > 0 || this.#stateStamp !== null || rosterHasUnknown);
    const offer = this.#status === "member" && (!listedThere || oursNewer || (switched && contributes)) ? this.#offerBody(now) : null;
    this.#adoptSharedState({ ...message, members }, this.#offsetTo(this.#masterClock!), switched, now);
    this.#membership.adoptLost(message.lost, this.id, now);

    const listed = this.#membership.has(this.id);
    if (this.#status === "joining" && listed) {
      this.#status = "member";
      this.#anchors = this.#anchorsAt(now);
      this.#joinTarget = null;
      this.#emit({ type: "joined", masterId: message.from });
    }
    // Every beat is acked while the clock estimate for this master is still filling (each ack is a
    // round trip): right after a failover the new master's deadline is only as good as that estimate.
    const { samples } = this.#masterClock!;
    const sampling = samples.recent.length < samples.capacity;
    const ackDue = this.#lastAckSentAt === null || now - this.#lastAckSentAt >= this.config.ackIntervalMs;
    if (ackDue || sampling || message.members !== null) this.#ackHeartbeat(message, now);
    const pending = this.#pendingOffer;
    if (pending !== null && (pending.to !== message.from || (message.mergeAck !== null && message.mergeAck >= pending.sentAt))) this.#pendingOffer = null;
    if (offer !== null) this.#offerTo(message.from, offer, now);
    this.#resendCommands(now);
  }

  /** Answers a heartbeat we follow with what we hold now, which a reordered old one did not change. */
  #ackHeartbeat(message: Heartbeat, now: number): void {
    this.#lastAckSentAt = now;
    this.#send(message.from, {
      type: "heartbeat_ack",
      sentAt: now,
      membersVersion: this.#membership.version,
      membersDigest: this.#membership.digest,
      accepted: true,
      member: this.#membership.has(this.id),
      masterId: message.from,
      masterAddress: this.addressOf(message.from),
    });
  }

  /**
   * Takes the master's members, timer (translated to our clock) and command log, unless ours is the
   * later state: heartbeats can arrive out of order, and an old one must not undo a command; a
   * member whose timer is later keeps it and offers it to the master instead (heal-rule.ts).
   */
  #adoptSharedState(state: SessionSnapshot & { readonly term: number; readonly overridden?: readonly OverriddenCommand[] }, offsetMs: number, newMaster: boolean, now: number): { oursNewer: boolean } {
    const newerTerm = state.term > this.#stateTerm;
    this.#stateTerm = Math.max(this.#stateTerm, state.term);
    if (newerTerm || newMaster || state.membersVersion >= this.#membership.version) this.#replaceMembers(state.members, state.membersVersion, now);
    const comparison = compareStates(state, { stateStamp: this.#stateStamp, stateVersion: this.#stateVersion });
    if (this.#synced && comparison < 0) return { oursNewer: true };
    const { timer } = state;
    this.#timer = advance({ ...timer, endsAt: timer.endsAt === null ? null : toLocalDeadline(timer.endsAt, offsetMs) }, now);
    this.#stateVersion = state.stateVersion;
    this.#stateStamp = state.stateStamp;
    if (!this.#synced) {
      // A joiner takes the history as it finds it, reporting nothing from before its time.
      this.#synced = true;
      for (const entry of state.recentCommands) this.#addToLog(entry, false);
      for (const overridden of state.overridden ?? []) this.#markOverridden(overridden, false);
      return { oursNewer: false };
    }
    this.#mergeLog(state.recentCommands, state.overridden ?? []);
    return { oursNewer: false };
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

  /** A master's heartbeat answered: the follower's progress, or a refusal from one that follows a master outranking us. */
  #onHeartbeatAck(message: HeartbeatAck, now: number): void {
    if (!message.accepted) {
      // We spoke as master to a node that follows another (a higher term was adopted already in
      // #dispatch). If that one outranks us, step down and hand our members and timer over to it.
      const better = message.masterId;
      if (better === null || better === this.id || message.term !== this.#term || !(better < this.id)) return;
      this.#stopBeingMaster(now);
      this.#masterId = null;
      return this.#offerToBetter(better, message.masterAddress, now);
    }
    if (message.term !== this.#term) return;
    const follower = this.#followers.get(message.from);
    if (follower === undefined) return;
    follower.lastAckAt = now;
    follower.echo = { peerSentAt: message.sentAt, masterReceivedAt: now };
    follower.membersDigest = message.membersDigest;
  }

  /** A follower or candidate whose (earlier) heartbeat as master was refused: the refuser's master may want our state. */
  #onRefusedBeat(message: HeartbeatAck, now: number): void {
    const better = message.masterId;
    if (message.accepted || better === null || better === this.id) return;
    this.#offerToBetter(better, message.masterAddress, now);
  }

  /** Hands our members and timer to the master that beats ours, unless we follow one already. */
  #offerToBetter(better: NodeId, address: string | null, now: number): void {
    if (address !== null) this.#membership.learnAddress(better, address);
    if (this.#status === "member" && this.#masterId === null) this.#offerTo(better, this.#offerBody(now), now);
  }

  /** Tells the sender of a heartbeat or handover we will not follow which term it is and whom we follow. */
  #rejectStale(to: NodeId, now: number): void {
    const masterId = this.#role === "master" ? this.id : this.#masterId;
    this.#send(to, {
      type: "heartbeat_ack",
      sentAt: now,
      membersVersion: this.#membership.version,
      membersDigest: this.#membership.digest,
      accepted: false,
      member: this.#membership.has(to),
      masterId,
      masterAddress: masterId === null ? null : this.addressOf(masterId),
    });
  }

  // ---- merging two histories ------------------------------------------------------------------

  /** Our members, timer (read now) and latest commands, as a merge offer carries them. */
  #offerBody(now: number): OfferBody {
    return {
      type: "merge",
      address: this.address,
      ...this.#snapshot(advance(this.#timer, now), this.config.mergeCommandsSent),
    };
  }

  /** The shared state as heartbeats, handovers and merge offers carry it, with the last `commands` of the log. */
  #snapshot(timer: TimerState, commands: number): SessionSnapshot {
    return {
      members: this.members,
      membersVersion: this.#membership.version,
      timer,
      stateVersion: this.#stateVersion,
      stateStamp: this.#stateStamp,
      recentCommands: this.#log.recent(commands),
    };
  }

  /** Sends `body` to `to`, and keeps resending it until a heartbeat from `to` acknowledges it. */
  #offerTo(to: NodeId, body: OfferBody, now: number): void {
    this.#pendingOffer = { to, body, sentAt: now, nextSendAt: now + this.config.commandRetryMs };
    this.#send(to, { ...body, sentAt: now });
  }

  #resendOffer(now: number): void {
    const pending = this.#pendingOffer;
    if (pending === null || now < pending.nextSendAt) return;
    if (this.#masterId !== null && this.#masterId !== pending.to) {
      this.#pendingOffer = null;
      return;
    }
    pending.sentAt = now;
    pending.nextSendAt = now + this.config.commandRetryMs;
    this.#send(pending.to, { ...pending.body, timer: advance(pending.body.timer, now), sentAt: now });
  }

  /**
   * The master's side of a merge: members it did not know join (not ones that left, nor lost ones,
   * which probes bring back if they are alive), and the later of the two timers stays. Whatever only
   * the losing timer had is reported as overridden, here and, through heartbeats, on every member.
   */
  #onMergeOffer(offer: MergeOffer, now: number): void {
    if (this.#leaving !== null) return; // The sender resends to whoever it follows next.
    this.#membership.learnAddress(offer.from, offer.address);
    let members = this.members;
    const known = (id: NodeId) => members.some((member) => member.id === id);
    let changed = false;
    if (this.#membership.memberAddress(offer.from) !== offer.address) {
      members = [...members.filter((member) => member.id !== offer.from), { id: offer.from, address: offer.address }];
      changed = true;
    }
    for (const member of offer.members) {
      if (member.id === this.id || known(member.id) || this.#membership.isLost(member.id) || this.#membership.hasDeparted(member.id)) continue;
      members = [...members, member];
      changed = true;
    }
    if (changed) {
      for (const member of members) this.#membership.forgetLost(member.id);
      this.#membership.forgetDeparted(offer.from);
      this.#replaceMembers(members, this.#membership.version + 1, now);
    }

    const theirs = { stateStamp: offer.stateStamp, stateVersion: offer.stateVersion };
    const mine = { stateStamp: this.#stateStamp, stateVersion: this.#stateVersion };
    let overridden: AppliedCommand[];
    let timerChanged = false;
    if (compareStates(theirs, mine) > 0) {
      overridden = divergentEntries(this.#log.entries, new Set(offer.recentCommands.map((entry) => stampKey(entry.stamp))));
      const { timer } = offer;
      // Their clock read sentAt when ours read about now (minus the network delay, a few ms).
      this.#timer = advance({ ...timer, endsAt: timer.endsAt === null ? null : timer.endsAt - offer.sentAt + now }, now);
      this.#stateStamp = laterStamp(this.#stateStamp, offer.stateStamp);
      this.#stateVersion = { term: this.#term, seq: Math.max(this.#stateVersion.seq, offer.stateVersion.seq) + 1 };
      timerChanged = true;
    } else {
      overridden = divergentEntries(offer.recentCommands, this.#log.appliedNotOverridden());
    }
    const records = overridden.map((entry) => ({ entry, mergedBy: this.id, term: this.#term }));
    for (const record of records) this.#markOverridden(record, true);
    if (timerChanged) for (const entry of offer.recentCommands) this.#addToLog(entry, true);
    this.#log.keepOverridden(records);
    const follower = this.#followers.get(offer.from);
    if (follower !== undefined) follower.mergeAck = offer.sentAt;
    if (changed || timerChanged || records.length > 0) this.#sendHeartbeats(now);
    else if (follower !== undefined) this.#send(offer.from, this.#heartbeatBody(now, null, follower.mergeAck, follower.membersDigest !== this.#membership.digest)); // just the ack
  }

  // ---- elections -----------------------------------------------------------------------------

  #startElection(now: number): void {
    if (this.#role === "peer" && this.#masterId !== null) this.#suspect = this.#masterId;
    this.#term += 1;
    this.#role = "candidate";
    this.#masterId = null;
    this.#pendingOffer = null;
    this.#vote = { term: this.#term, candidate: this.id };
    this.#beginCampaign(now, [this.id]);
    this.#electionDeadline = this.#drawElectionDeadline(now);
    if (this.#membership.size > 1) this.#send("all", { type: "request_vote", stateVersion: this.#stateVersion, stateStamp: this.#stateStamp });
    this.#countVotes(now);
  }

  /** A campaign in the current term, with the votes already given to us. */
  #beginCampaign(now: number, granted: readonly NodeId[]): void {
    const believedAlive = this.#membership.liveView ?? new Set(this.#membership.ids());
    const expected = new Set(this.#membership.ids().filter((id) => id !== this.id && id !== this.#suspect && believedAlive.has(id)));
    this.#campaign = { startedAt: now, granted: new Set(granted), answered: new Set(granted), expected };
  }

  #tickCandidate(now: number): void {
    this.#countVotes(now);
    if (this.#role === "candidate" && now >= this.#electionDeadline) this.#startElection(now);
  }

  #onRequestVote(message: RequestVote, now: number): void {
    if (this.#status === "joining") return; // Not a member yet: our vote does not count and our list is not authoritative.
    if (!this.#membership.has(message.from)) {
      this.#send(message.from, { type: "vote", granted: false, member: false });
      return;
    }
    if (message.term > this.#term) this.#adoptTerm(message.term, now);
    const votedFor = this.#votedFor(this.#term);
    const granted =
      message.term === this.#term &&
      (votedFor === null || votedFor === message.from) &&
      compareStates(message, { stateStamp: this.#stateStamp, stateVersion: this.#stateVersion }) >= 0;
    if (granted) {
      this.#vote = { term: this.#term, candidate: message.from };
      this.#electionDeadline = this.#drawElectionDeadline(now);
    }
    this.#send(message.from, { type: "vote", granted, member: true });
  }

  /** A vote for our campaign (a candidate's). */
  #onVote(message: Vote, now: number): void {
    if (!message.member) return this.#rejoinAfterRemoval(message.from, now);
    const campaign = this.#campaign;
    if (campaign === null || message.term !== this.#term) return;
    campaign.answered.add(message.from);
    if (message.granted) campaign.granted.add(message.from);
    this.#countVotes(now);
  }

  /** The voter's list no longer has us: we were removed while cut off. Rejoin rather than disrupt. */
  #rejoinAfterRemoval(voter: NodeId, now: number): void {
    if (this.#status === "member") this.#startJoining(this.#membership.addressOf(voter), now);
  }

  /**
   * A majority of the member list wins at once (two such majorities always share a voter, so only
   * one candidate per term can have one). Otherwise, once every member believed alive has answered
   * or the vote window is over, a majority of those that answered wins: the survivors of a crash,
   * or one side of a partition, elect among themselves.
   */
  #countVotes(now: number): void {
    const campaign = this.#campaign;
    if (campaign === null || this.#role !== "candidate") return;
    const count = (ids: ReadonlySet<NodeId>) => [...ids].filter((id) => this.#membership.has(id)).length;
    const granted = count(campaign.granted);
    if (granted >= majority(this.#membership.size)) return this.#becomeMaster(now);
    const allAnswered = [...campaign.expected].every((id) => campaign.answered.has(id) || !this.#membership.has(id));
    if ((allAnswered || now >= campaign.startedAt + this.config.voteWindowMs) && granted >= majority(count(campaign.answered))) {
      this.#becomeMaster(now);
    }
  }

  #becomeMaster(now: number): void {
    this.#role = "master";
    this.#masterId = this.id;
    this.#campaign = null;
    this.#suspect = null;
    this.#pendingOffer = null;
    this.#timer = advance(this.#timer, now);
    this.#followers = new Map();
    for (const id of this.#membership.ids()) {
      if (id !== this.id) this.#followers.set(id, { lastAckAt: now, echo: null, mergeAck: null, membersDigest: null });
    }
    for (const pending of this.#unacked.values()) this.#queue = enqueue(this.#queue, pending, now);
    this.#unacked.clear();
    this.#nextProbeAt = now;
    this.#sendHeartbeats(now);
  }

  #votedFor(term: number): NodeId | null {
    return this.#vote !== null && this.#vote.term === term ? this.#vote.candidate : null;
  }

  /**
   * A follower of a known master takes its turn: [min, max] is cut into one slice per member who
   * could succeed (those the master last reported alive), and each draws its timeout from the first
   * half of its own slice (at most SUCCESSION_JITTER_MS of it), by rank (id order): a wide draw
   * would only delay the first in line, as with two members, whose one slice is the whole range.
   * When the master dies, the first in line campaigns
   * alone and the others hear its request before their slices open, so a split vote, which costs a
   * whole extra timeout, needs the first in line to be dead or cut off as well. Anyone else
   * (candidates, a node that has just seen a newer term) draws from the whole range, as in Raft,
   * which breaks ties after a failed campaign.
   */
  #drawElectionDeadline(now: number): number {
    const { electionTimeoutMinMs: min, electionTimeoutMaxMs: max } = this.config;
    const turn = this.#successionTurn();
    if (turn === null) return now + randomInt(this.#random, min, max);
    const slice = (max - min) / turn.of;
    return now + Math.round(min + turn.rank * slice) + randomInt(this.#random, 0, Math.floor(Math.min(slice / 2, SUCCESSION_JITTER_MS)));
  }

  /**
   * This node's place among the members who could succeed the master it follows (those it reported
   * alive first, then the others, each by id: the same order on every member); null when it follows none.
   */
  #successionTurn(): { rank: number; of: number } | null {
    if (this.#role !== "peer" || this.#masterId === null || this.#status !== "member") return null;
    const live = this.#membership.liveView;
    const others = this.#membership.ids().filter((id) => id !== this.#masterId).sort();
    const inLine = live === null ? others : [...others.filter((id) => live.has(id)), ...others.filter((id) => !live.has(id))];
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
    const live = [...this.#followers.keys()].filter((id) => !this.#membership.isDeparting(id) && this.#membership.heardSince(id, heardSince));
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
      ...this.#snapshot(this.#timer, this.config.recentCommandsSent),
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
    this.#adoptSharedState(message, this.#offsetTo(this.#masterClock!), false, now);
    if (!this.#membership.isDeparting(message.from)) this.#membership.markDeparting(message.from, now, false);
    if (this.#role !== "candidate" || this.#campaign === null) {
      this.#role = "candidate";
      this.#masterId = null;
      this.#suspect = message.from;
      this.#vote = { term: this.#term, candidate: this.id };
      this.#beginCampaign(now, [this.id]);
      // Also ask directly: it is an ordinary election, and votes already given to us are given again.
      this.#send("all", { type: "request_vote", stateVersion: this.#stateVersion, stateStamp: this.#stateStamp });
    }
    this.#campaign!.granted.add(message.from);
    this.#campaign!.answered.add(message.from);
    this.#countVotes(now);
  }

  // ---- joining -------------------------------------------------------------------------------

  #startJoining(address: string | null, now: number): void {
    if (this.#role === "master") this.#stopBeingMaster(now);
    this.#status = "joining";
    this.#role = "peer";
    this.#masterId = null;
    this.#campaign = null;
    this.#pendingOffer = null;
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

  // ---- the master ----------------------------------------------------------------------------

  #tickMaster(now: number): void {
    this.#timer = advance(this.#timer, now);
    const { ready, rest } = takeSettled(this.#queue, now, this.config.commandSettleMs);
    this.#queue = rest;
    for (const command of ready) this.#applyCommand(command, now);
    const membersChanged = this.#maintainMembers(now);
    // A change goes out at once rather than waiting for the next beat.
    if (ready.length > 0 || membersChanged || now >= this.#nextHeartbeatAt) this.#sendHeartbeats(now);
    if (now >= this.#nextProbeAt) this.#probeLost(now);
  }

  #applyCommand(request: StampedCommand, now: number): void {
    const key = stampKey(request.stamp);
    if (this.#log.wasApplied(key)) return;
    this.#log.rememberApplied(key);
    const result = applyTimerCommand(this.#timer, request.command, now);
    if (result.ok) this.#timer = result.state;
    this.#stateVersion = { term: this.#term, seq: this.#stateVersion.seq + 1 };
    this.#stateStamp = laterStamp(this.#stateStamp, request.stamp);
    const entry: AppliedCommand = {
      seq: this.#stateVersion.seq,
      term: this.#term,
      stamp: request.stamp,
      command: request.command,
      outcome: result.ok ? "applied" : result.error.code,
    };
    this.#addToLog(entry, true);
  }

  /** One heartbeat's content, the same for every receiver but `echo`, `mergeAck` and whether it carries the member list. */
  #heartbeatBody(now: number, echo: ClockEcho | null, mergeAck: number | null, withMembers: boolean): Extract<MessageBody, { type: "heartbeat" }> {
    // Heard from lately (acks, votes, anything): proof of life. A member merely not yet timed out is
    // not counted, or the dead would keep their place in the succession until memberTimeoutMs.
    const heardSince = now - this.config.electionTimeoutMinMs;
    const live = [this.id, ...[...this.#followers.keys()].filter((id) => this.#membership.heardSince(id, heardSince))];
    return {
      type: "heartbeat",
      sentAt: now,
      ...this.#snapshot(this.#timer, this.config.recentCommandsSent),
      members: withMembers ? this.members : null,
      membersDigest: this.#membership.digest,
      echo,
      live,
      lost: this.lostMembers,
      overridden: [...this.#log.overridden],
      mergeAck,
    };
  }

  #sendHeartbeats(now: number): void {
    this.#nextHeartbeatAt = now + this.config.heartbeatMs;
    if (this.#followers.size === 0) return;
    const body = this.#heartbeatBody(now, null, null, true);
    const digest = this.#membership.digest;
    for (const [id, follower] of this.#followers) {
      // The list goes to every follower until its ack shows the digest: a lost beat loses nothing.
      const members = follower.membersDigest === digest ? null : body.members;
      this.#send(id, { ...body, members, echo: follower.echo, mergeAck: follower.mergeAck });
      follower.echo = null;
    }
  }

  /**
   * Heartbeats to the members dropped for silence. Across a healed partition, whoever receives one
   * either follows us and offers its side's state, or answers with the master that beats us, to
   * which we then hand ours (Serf, similarly, keeps trying to reconnect to failed members).
   */
  #probeLost(now: number): void {
    this.#nextProbeAt = now + this.config.probeIntervalMs;
    const lost = this.#membership.lostToProbe(now, this.config.lostRetentionMs);
    if (lost.length === 0) return;
    this.#timer = advance(this.#timer, now);
    const body = this.#heartbeatBody(now, null, null, true);
    for (const id of lost) this.#send(id, body);
  }

  /**
   * Drops members that left or went silent, one per change. No majority is needed: a master cut off
   * with a minority shrinks its list too, and finds the others again by probing them (#probeLost).
   */
  #maintainMembers(now: number): boolean {
    if (this.#leaving !== null) return false;
    const removed = this.#membership.nextRemovable(this.#followers, now, this.config);
    if (removed === null) return false;
    this.#membership.remove(removed, now);
    this.#syncFollowers(now);
    return true;
  }

  /** Anyone but a master (a detached node too) points a joiner at the master it knows, if any. */
  #redirectJoin(message: JoinRequest): void {
    this.#membership.learnAddress(message.from, message.address);
    const masterAddress = this.#masterId === null ? null : this.#membership.memberAddress(this.#masterId);
    this.#send({ address: message.address }, { type: "join_redirect", masterId: this.#masterId, masterAddress });
  }

  /** A master lets a joiner in (again, if it was lost or had left) and tells everyone at once. */
  #admit(message: JoinRequest, now: number): void {
    if (this.#leaving !== null) return this.#redirectJoin(message);
    this.#membership.learnAddress(message.from, message.address);
    this.#membership.welcomeBack(message.from);
    if (this.#membership.memberAddress(message.from) !== message.address) {
      const others = this.members.filter((member) => member.id !== message.from);
      this.#replaceMembers([...others, { id: message.from, address: message.address }], this.#membership.version + 1, now);
    }
    this.#sendHeartbeats(now);
  }

  #onLeave(message: LeaveNotice, now: number): void {
    if (!this.#membership.has(message.from) || message.from === this.id) return;
    this.#membership.markDeparting(message.from, now, true);
    if (this.#maintainMembers(now)) this.#sendHeartbeats(now);
  }

  #onCommand(message: CommandMessage, now: number): void {
    // Only the master queues (#stepMaster); anyone else drops it and the origin resends to the master it knows.
    if (this.#log.wasApplied(stampKey(message.stamp))) return;
    this.#queue = enqueue(this.#queue, { stamp: message.stamp, command: message.command }, now);
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
   * Takes the master's overridden commands out of our log (reporting each once), then makes the end
   * of our log the master's latest entries, in its order and with its seq and term, reporting the
   * ones we did not have.
   */
  #mergeLog(entries: readonly AppliedCommand[], overridden: readonly OverriddenCommand[]): void {
    for (const record of overridden) this.#markOverridden(record, true);
    this.#log.replaceOverridden(overridden);
    this.#log.makeRoomAtEnd(entries);
    for (const entry of entries) this.#addToLog(entry, true);
  }

  /** Adds an entry to the log in effect unless it is there already; reports it when `report`. */
  #addToLog(entry: AppliedCommand, report: boolean): void {
    this.#unacked.delete(stampKey(entry.stamp));
    if (this.#log.add(entry) && report) this.#emit({ type: "command_applied", entry });
  }

  /** Takes an overridden command out of the log in effect; reports it when `report`, once. */
  #markOverridden(record: OverriddenCommand, report: boolean): void {
    this.#unacked.delete(stampKey(record.entry.stamp));
    if (this.#log.markOverridden(record) && report) this.#emit({ type: "command_overridden", overridden: record });
  }

  // ---- plumbing ------------------------------------------------------------------------------

  #replaceMembers(members: readonly Member[], version: number, now: number): void {
    if (this.#membership.replace(members, version)) this.#syncFollowers(now);
  }

  /** A master tracks one follower per other member: new ones get time (lastAckAt now) before removal. */
  #syncFollowers(now: number): void {
    if (this.#role !== "master") return;
    for (const id of this.#followers.keys()) if (!this.#membership.has(id)) this.#followers.delete(id);
    for (const id of this.#membership.ids()) {
      if (id !== this.id && !this.#followers.has(id)) {
        this.#followers.set(id, { lastAckAt: now, echo: null, mergeAck: null, membersDigest: null });
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

  /** Runs one input and reports what changed as events: state changes first, the timer last. */
  #step(now: number, input: () => void): NodeOutput {
    const before: Snapshot = {
      role: this.#role,
      term: this.#term,
      masterId: this.#masterId,
      membersRevision: this.#membership.revision,
    };
    input();
    const changes: NodeEvent[] = [];
    if (this.#term !== before.term) changes.push({ type: "term_changed", term: this.#term });
    if (this.#role !== before.role) changes.push({ type: "role_changed", role: this.#role, term: this.#term });
    if (this.#masterId !== before.masterId) changes.push({ type: "master_changed", masterId: this.#masterId, term: this.#term });
    if (this.#membership.revision !== before.membersRevision) changes.push({ type: "members_changed", members: this.members });
    const events = [...changes, ...this.#out.events];
    const timer = viewOf(this.timerAt(now), now);
    if (timerChanged(this.#toldTimer, timer)) {
      this.#toldTimer = timer;
      events.push({ type: "timer_changed", timer });
    }
    const output: NodeOutput = { messages: this.#out.messages, events };
    this.#out = { messages: [], events: [] };
    return output;
  }
}

/** Strictly more than half. */
export function majority(memberCount: number): number {
  return Math.floor(memberCount / 2) + 1;
}

/** True when `a` knows less of the command history than `b` (same history; across histories see heal-rule.ts). */
export function isOlder(a: StateVersion, b: StateVersion): boolean {
  return a.term < b.term || (a.term === b.term && a.seq < b.seq);
}

function checkConfig(config: ElectionConfig): ElectionConfig {
  if (config.electionTimeoutMinMs > config.electionTimeoutMaxMs) {
    throw new RangeError("electionTimeoutMinMs must not exceed electionTimeoutMaxMs");
  }
  if (config.termGrowthMs <= 0 || config.termGrowthMs >= config.electionTimeoutMinMs || config.termJumpSlack < 1) {
    throw new RangeError("terms must be allowed to grow faster than elections can happen (termGrowthMs below electionTimeoutMinMs, termJumpSlack at least 1)");
  }
  if (config.lamportGrowthMs <= 0 || config.lamportJumpSlack < 1) throw new RangeError("lamportGrowthMs must be above 0 and lamportJumpSlack at least 1");
  if (config.heartbeatMs >= config.electionTimeoutMinMs) {
    throw new RangeError("heartbeatMs must be well below electionTimeoutMinMs, or members would time out between beats");
  }
  // The master counts a member live if heard within electionTimeoutMinMs: an ack skipped plus one beat must fit.
  if (config.ackIntervalMs < 0 || config.ackIntervalMs + config.heartbeatMs >= config.electionTimeoutMinMs) {
    throw new RangeError("ackIntervalMs plus heartbeatMs must stay below electionTimeoutMinMs, or the master would count live members as silent");
  }
  return Object.freeze(config);
}
