/**
 * What members of a session say to each other, and what a node reports to its shell. Everything here
 * is plain JSON-safe data: the shell serialises it as is. Times called `sentAt` are on the sender's
 * clock; a timer's `endsAt` is on the master's clock (receivers translate it, see clock-offset.ts).
 */
import type { LamportStamp } from "../../shared/lamport.ts";
import type { TimerCommand, TimerErrorCode, TimerState } from "../../shared/pomodoro.ts";
import type { TimerView } from "./timer-change.ts";

export type NodeId = string;
export type Role = "master" | "peer" | "candidate";

/** `address` is opaque to the core: whatever the shell needs to reach the node (host:port, a URL…). */
export interface Member {
  readonly id: NodeId;
  readonly address: string;
}

/**
 * How recent a node's copy of the timer is within one history: the term of the master that applied
 * the last command (or merge) it knows of, and its sequence number. Together with the newest
 * command's stamp it decides which copy wins (heal-rule.ts): votes go only to candidates at least as
 * recent, and a master takes a member's copy when that one is later.
 */
export interface StateVersion {
  readonly term: number;
  readonly seq: number;
}

/** One entry of the master's command log, as every member learns it from heartbeats. */
export interface AppliedCommand {
  readonly seq: number;
  /** The term of the master that applied it. */
  readonly term: number;
  readonly stamp: LamportStamp;
  readonly command: TimerCommand;
  /** "applied", or why the timer refused it (e.g. pausing an idle timer). */
  readonly outcome: "applied" | TimerErrorCode;
}

/** The peer's last ack, returned so the peer can complete an NTP round trip (its t0 and our t1). */
export interface ClockEcho {
  readonly peerSentAt: number;
  readonly masterReceivedAt: number;
}

interface MessageBase {
  readonly term: number;
  readonly from: NodeId;
  /** The sender's Lamport time at sending; receivers move their clock past it. */
  readonly lamport: number;
}

/**
 * A command that a merge of two histories left out: it was applied on the side whose timer lost
 * (see heal-rule.ts). `mergedBy` is the master that merged them, in `term`.
 */
export interface OverriddenCommand {
  readonly entry: AppliedCommand;
  readonly mergedBy: NodeId;
  readonly term: number;
}

/** The session's shared state, as the master hands it to members in heartbeats and handovers. */
export interface SessionSnapshot {
  readonly members: readonly Member[];
  readonly membersVersion: number;
  readonly timer: TimerState;
  readonly stateVersion: StateVersion;
  /** The highest Lamport stamp of any command applied into `timer`; null before the first. Decides merges. */
  readonly stateStamp: LamportStamp | null;
  readonly recentCommands: readonly AppliedCommand[];
}

/**
 * The master's pulse, one per member every heartbeatMs: it carries the shared state, the member list
 * only to a follower whose last ack named another digest than the master's (null otherwise: "the
 * list you hold"), so a list that changed keeps going out to each follower until its ack shows it.
 */
export interface Heartbeat extends MessageBase, Omit<SessionSnapshot, "members"> {
  readonly type: "heartbeat";
  readonly members: readonly Member[] | null;
  /** The digest of the master's member list (member-digest.ts), with the list or without it. */
  readonly membersDigest: string;
  readonly sentAt: number;
  readonly echo: ClockEcho | null;
  /** The master's failure detector: members it heard from within the shortest election timeout, itself included. */
  readonly live: readonly NodeId[];
  /** Members the master dropped for silence and still looks for (a partition may heal). */
  readonly lost: readonly Member[];
  /** Commands recent merges left out, oldest first. */
  readonly overridden: readonly OverriddenCommand[];
  /** The `sentAt` of the receiver's last merge offer that the master took in; null if none. */
  readonly mergeAck: number | null;
}

/**
 * `accepted: false` answers a heartbeat or handover this node will not follow: from a stale term, or
 * from a master that loses to the one it follows (heal-rule.ts); `masterId`/`masterAddress` name that
 * one (this node itself if it is master), so the sender can hand its members and timer over to it.
 * `member: false` adds "and you are not in my member list".
 */
export interface HeartbeatAck extends MessageBase {
  readonly type: "heartbeat_ack";
  readonly sentAt: number;
  readonly membersVersion: number;
  /** The digest of the member list the sender holds now: the master stops sending the list once it matches. */
  readonly membersDigest: string;
  readonly accepted: boolean;
  readonly member: boolean;
  readonly masterId: NodeId | null;
  readonly masterAddress: string | null;
}

export interface RequestVote extends MessageBase {
  readonly type: "request_vote";
  readonly stateVersion: StateVersion;
  readonly stateStamp: LamportStamp | null;
}

export interface Vote extends MessageBase {
  readonly type: "vote";
  readonly granted: boolean;
  /** False when the voter does not count the candidate as a member: it was removed and should rejoin. */
  readonly member: boolean;
}

/**
 * A leaving master's last word. `term` is the NEW term: the message is the master's own vote for
 * `successor` in that term and asks each receiver to vote for it too, so the successor wins at once
 * with a majority of the member list.
 */
export interface Handover extends MessageBase, SessionSnapshot {
  readonly type: "handover";
  readonly successor: NodeId;
  readonly sentAt: number;
}

export interface JoinRequest extends MessageBase {
  readonly type: "join";
  readonly address: string;
}

/** From a non-master to a joiner: ask the master instead (null when this node does not know one now). */
export interface JoinRedirect extends MessageBase {
  readonly type: "join_redirect";
  readonly masterId: NodeId | null;
  readonly masterAddress: string | null;
}

export interface LeaveNotice extends MessageBase {
  readonly type: "leave";
}

/**
 * From a member to a master it has just started to follow (or been told of): this member's list,
 * timer (on the sender's clock, read at `sentAt`) and latest commands. The master adds members it
 * did not know, keeps the later of the two timers (heal-rule.ts) and reports what the other had as
 * overridden. Resent until a heartbeat's `mergeAck` shows it arrived.
 */
export interface MergeOffer extends MessageBase, SessionSnapshot {
  readonly type: "merge";
  readonly sentAt: number;
  readonly address: string;
}

/** A timer command on its way to the master; the origin resends it until it shows up in a heartbeat. */
export interface CommandMessage extends MessageBase {
  readonly type: "command";
  readonly stamp: LamportStamp;
  readonly command: TimerCommand;
}

export type Message =
  | Heartbeat
  | HeartbeatAck
  | RequestVote
  | Vote
  | Handover
  | JoinRequest
  | JoinRedirect
  | LeaveNotice
  | MergeOffer
  | CommandMessage;

/** A message without the envelope fields the sending node fills in. */
export type MessageBody = Message extends infer M ? (M extends Message ? Omit<M, keyof MessageBase> : never) : never;

/**
 * Where a message goes: a node id (resolve it with `node.addressOf(id)`), every member but the sender
 * ("all", resolve with `node.members`), or a bare address for nodes that are not members yet.
 */
export type Destination = NodeId | "all" | { readonly address: string };

export interface Envelope {
  readonly to: Destination;
  readonly message: Message;
}

export type NodeEvent =
  | { readonly type: "term_changed"; readonly term: number }
  | { readonly type: "role_changed"; readonly role: Role; readonly term: number }
  | { readonly type: "master_changed"; readonly masterId: NodeId | null; readonly term: number }
  | { readonly type: "members_changed"; readonly members: readonly Member[] }
  | { readonly type: "command_applied"; readonly entry: AppliedCommand }
  /** A command applied on the losing side of a merge: no longer part of the timer (heal-rule.ts). */
  | { readonly type: "command_overridden"; readonly overridden: OverriddenCommand }
  | { readonly type: "joined"; readonly masterId: NodeId }
  /** The timer this node shows changed: phase, pause, round, settings, or a deadline move beyond settling (timer-change.ts). */
  | { readonly type: "timer_changed"; readonly timer: TimerView }
  | { readonly type: "left" };

/** What every input to a node returns: messages for the shell to send and things that happened. */
export interface NodeOutput {
  readonly messages: Envelope[];
  readonly events: NodeEvent[];
}
