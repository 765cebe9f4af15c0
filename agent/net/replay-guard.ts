/**
 * Refuses replayed messages. Each sender numbers its messages 1, 2, 3… within a run (`boot`, its
 * start time); the guard remembers, per sender, the latest run and the highest seq accepted.
 *
 * - A later run resets the sender (it restarted); an earlier run is a replay.
 * - A seq above the highest is accepted. One below it is accepted only if it is within `window` of
 *   the highest and was never accepted: UDP reorders, and UDP and TCP race each other, but no seq is
 *   ever accepted twice. Anything older than the window is refused, since it can no longer be told
 *   apart from a replay.
 *
 * Only authenticated envelopes should reach the guard, so a forger cannot move a sender's state.
 * Everyone with the team key can sign as any member, though, so WireAuth keeps one state per sender
 * and channel (`from` here is sender + binding): a forger moves only its own channel's.
 */

export const DEFAULT_REPLAY_WINDOW = 1024;
/** Senders remembered; the least recently heard is forgotten first (CLI invocations each count as one). */
export const DEFAULT_MAX_SENDERS = 4096;

interface SenderState {
  boot: number;
  highest: number;
  /** Seqs accepted in (highest − window, highest]. */
  seen: Set<number>;
}

export type ReplayVerdict = "fresh" | "replay";

export class ReplayGuard {
  readonly window: number;
  readonly maxSenders: number;
  readonly #senders = new Map<string, SenderState>();

  constructor(window = DEFAULT_REPLAY_WINDOW, maxSenders = DEFAULT_MAX_SENDERS) {
    this.window = window;
    this.maxSenders = maxSenders;
  }

  check(from: string, boot: number, seq: number): ReplayVerdict {
    const state = this.#senders.get(from);
    if (state === undefined || boot > state.boot) {
      this.#remember(from, { boot, highest: seq, seen: new Set([seq]) });
      return "fresh";
    }
    // Most recently heard last, so the first key is the one to forget.
    this.#senders.delete(from);
    this.#senders.set(from, state);
    if (boot < state.boot) return "replay";
    if (seq > state.highest) {
      state.highest = seq;
      state.seen.add(seq);
      if (state.seen.size > 2 * this.window) this.#prune(state);
      return "fresh";
    }
    if (seq <= state.highest - this.window || state.seen.has(seq)) return "replay";
    state.seen.add(seq);
    return "fresh";
  }

  #remember(from: string, state: SenderState): void {
    this.#senders.delete(from);
    this.#senders.set(from, state);
    if (this.#senders.size > this.maxSenders) {
      const oldest = this.#senders.keys().next().value;
      if (oldest !== undefined) this.#senders.delete(oldest);
    }
  }

  #prune(state: SenderState): void {
    const floor = state.highest - this.window;
    for (const seq of state.seen) if (seq <= floor) state.seen.delete(seq);
  }
}
