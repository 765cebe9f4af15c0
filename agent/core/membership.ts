/**
 * Who is in the session, as one node knows it, and who seems to be alive: the member list with its
 * version, every address ever learned, when each member was last heard from (on this node's clock),
 * the master's live view, members dropped for silence (still probed: they may be across a partition),
 * members on their way out, and those that left for good. No clock of its own and no I/O: every
 * time comes in as `now`, and the election core decides what to do with the answers.
 */
import { memberDigest } from "./member-digest.ts";
import type { Member, NodeId } from "./messages.ts";

/** Lost members kept at most (the oldest is forgotten first). */
const LOST_KEPT = 64;
/** Ids of members that left gracefully, which a merge must not bring back. */
const DEPARTED_KEPT = 256;

export interface RemovalTimeouts {
  /** A follower silent this long is dropped (and probed as lost). */
  readonly memberTimeoutMs: number;
  /** A member that handed over or said it leaves is dropped after this long at the latest. */
  readonly leaveTimeoutMs: number;
}

export class Membership {
  #members = new Map<NodeId, string>();
  /** Every address ever learned, members or not: replies to removed members still need a way back. */
  readonly #addressBook = new Map<NodeId, string>();
  #version = 0;
  /** Bumped on every local change to the member list, so events can report it cheaply. */
  #revision = 0;
  /**
   * When each member last sent us anything (ack, vote, command…), on our clock: proof it is alive,
   * unlike a follower's lastAckAt, which starts at "now" to give new followers time before removal.
   */
  readonly #lastHeardAt = new Map<NodeId, number>();
  /** Members dropped for silence, still probed until the retention time: they may be across a partition. */
  #lost = new Map<NodeId, { readonly address: string; readonly since: number }>();
  /** Members that left gracefully: a merge offer that still lists one does not bring it back. */
  readonly #departed = new Set<NodeId>();
  /**
   * Members on their way out, and since when: one that said `leave` goes at once; a master that
   * handed over to us stays listed until its own `leave` arrives or the leave timeout has passed.
   */
  readonly #departing = new Map<NodeId, { readonly since: number; readonly noticed: boolean }>();
  /** The master's latest view of who is alive (from its heartbeats); null before the first. */
  #liveView: ReadonlySet<NodeId> | null = null;
  /** The list's digest, computed once per revision: every heartbeat and ack carries it. */
  #digest: { readonly revision: number; readonly value: string } | null = null;

  constructor(self: Member, initial: readonly Member[] = []) {
    for (const member of [self, ...initial]) {
      this.#members.set(member.id, member.address);
      this.#addressBook.set(member.id, member.address);
    }
  }

  /** The members, by id. */
  get list(): Member[] {
    return sortedMembers(this.#members);
  }

  /** Members dropped for silence and still probed, by id. */
  get lostList(): Member[] {
    return sortedMembers(new Map([...this.#lost].map(([id, { address }]) => [id, address] as const)));
  }

  get version(): number {
    return this.#version;
  }

  get revision(): number {
    return this.#revision;
  }

  /** The member list's fingerprint (member-digest.ts). */
  get digest(): string {
    if (this.#digest?.revision !== this.#revision) this.#digest = { revision: this.#revision, value: memberDigest(this.list) };
    return this.#digest.value;
  }

  get size(): number {
    return this.#members.size;
  }

  ids(): NodeId[] {
    return [...this.#members.keys()];
  }

  has(id: NodeId): boolean {
    return this.#members.has(id);
  }

  /** A member's address; null for anyone else. */
  memberAddress(id: NodeId): string | null {
    return this.#members.get(id) ?? null;
  }

  /** Where to reach `id`: its member address, else the last one learned; null if never learned. */
  addressOf(id: NodeId): string | null {
    return this.#members.get(id) ?? this.#addressBook.get(id) ?? null;
  }

  learnAddress(id: NodeId, address: string): void {
    this.#addressBook.set(id, address);
  }

  /** Takes `members` as the list at `version`; true when the list itself changed. */
  replace(members: readonly Member[], version: number): boolean {
    this.#version = version;
    const next = new Map(members.map((member) => [member.id, member.address] as const));
    for (const [id, address] of next) this.#addressBook.set(id, address);
    if (sameMembers(this.#members, next)) return false;
    this.#members = next;
    this.#revision += 1;
    for (const id of this.#lastHeardAt.keys()) if (!next.has(id)) this.#lastHeardAt.delete(id);
    return true;
  }

  // ---- failure detection ---------------------------------------------------------------------

  /** A member sent us something: proof of life. Non-members are not tracked. */
  heardFrom(id: NodeId, now: number): void {
    if (this.#members.has(id)) this.#lastHeardAt.set(id, now);
  }

  /** True when `id` was heard from at `since` or later. */
  heardSince(id: NodeId, since: number): boolean {
    return (this.#lastHeardAt.get(id) ?? -Infinity) >= since;
  }

  get liveView(): ReadonlySet<NodeId> | null {
    return this.#liveView;
  }

  adoptLiveView(ids: readonly NodeId[]): void {
    this.#liveView = new Set(ids);
  }

  /**
   * The lowest id among followers that left or went silent (by their last ack); null, the usual
   * answer (asked every tick), if none.
   */
  nextRemovable(lastAckAt: ReadonlyMap<NodeId, { readonly lastAckAt: number }>, now: number, timeouts: RemovalTimeouts): NodeId | null {
    const silentSince = now - timeouts.memberTimeoutMs;
    let lowest: NodeId | null = null;
    for (const [id, follower] of lastAckAt) {
      const departing = this.#departing.get(id);
      const gone = departing !== undefined && (departing.noticed || now - departing.since >= timeouts.leaveTimeoutMs);
      const removable = gone || follower.lastAckAt <= silentSince;
      if (removable && (lowest === null || id < lowest)) lowest = id;
    }
    return lowest;
  }

  /**
   * Drops `id` from the list (a new version): one on its way out has departed for good; any other
   * went silent and is lost, probed until it answers or the retention time passes.
   */
  remove(id: NodeId, now: number): void {
    const address = this.#members.get(id);
    this.replace(this.list.filter((member) => member.id !== id), this.#version + 1);
    if (this.#departing.has(id)) {
      this.#departed.add(id);
      while (this.#departed.size > DEPARTED_KEPT) this.#departed.delete(this.#departed.values().next().value!);
    } else if (address !== undefined) {
      this.#lost.set(id, { address, since: now });
      while (this.#lost.size > LOST_KEPT) this.#lost.delete(this.#lost.keys().next().value!);
    }
    this.#departing.delete(id);
  }

  // ---- lost, departing and departed members ----------------------------------------------------

  isLost(id: NodeId): boolean {
    return this.#lost.has(id);
  }

  forgetLost(id: NodeId): void {
    this.#lost.delete(id);
  }

  /** The master's list of lost members replaces ours (without ourselves), lost as of `now`. */
  adoptLost(lost: readonly Member[], selfId: NodeId, now: number): void {
    this.#lost = new Map(lost.filter((m) => m.id !== selfId).map((m) => [m.id, { address: m.address, since: now }] as const));
    for (const member of lost) this.#addressBook.set(member.id, member.address);
  }

  /** Forgets the lost members older than `retentionMs`; the ids still to probe. */
  lostToProbe(now: number, retentionMs: number): NodeId[] {
    for (const [id, lost] of this.#lost) {
      if (now - lost.since > retentionMs) this.#lost.delete(id);
    }
    return [...this.#lost.keys()];
  }

  isDeparting(id: NodeId): boolean {
    return this.#departing.has(id);
  }

  /** `noticed`: it said so itself (a `leave`), so it can go at once; else it goes after the leave timeout. */
  markDeparting(id: NodeId, now: number, noticed: boolean): void {
    this.#departing.set(id, { since: now, noticed });
  }

  /** Back (it joined again): neither on its way out nor gone. */
  welcomeBack(id: NodeId): void {
    this.#lost.delete(id);
    this.#departed.delete(id);
    this.#departing.delete(id);
  }

  hasDeparted(id: NodeId): boolean {
    return this.#departed.has(id);
  }

  forgetDeparted(id: NodeId): void {
    this.#departed.delete(id);
  }
}

function sortedMembers(members: ReadonlyMap<NodeId, string>): Member[] {
  return [...members].map(([id, address]) => ({ id, address })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function sameMembers(a: ReadonlyMap<NodeId, string>, b: ReadonlyMap<NodeId, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, address] of a) if (b.get(id) !== address) return false;
  return true;
}
