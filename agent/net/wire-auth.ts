/**
 * One node's side of the authenticated wire: seals outgoing bodies (numbering them, binding them to
 * their recipient, stamping them with a nonce, the send time and a Lamport time) and opens incoming
 * frames (mac, shape, recipient, freshness, replay, Lamport receive). Pure apart from the HMAC and the
 * nonce's randomness: no sockets, and the clock is passed in, so tests drive it directly.
 */
import { createSecretKey, type KeyObject } from "node:crypto";
import { LamportClock } from "../../shared/lamport.ts";
import type { DropReason } from "./drop-counters.ts";
import { openEnvelope, sealEnvelopeText, teamKeyBytes, type SignedEnvelope } from "./envelope.ts";
import { isFresh } from "./freshness.ts";
import { CLOCK_SKEW_ALLOWANCE_MS, MAX_LAMPORT, MAX_TERM } from "./message-shape.ts";
import { NonceCache, newNonce } from "./nonce-cache.ts";
import { udpBinding } from "./recipient-binding.ts";
import { ReplayGuard } from "./replay-guard.ts";
import { parseWireBody, type WireBody } from "./wire-body.ts";

export interface WireAuthOptions {
  readonly teamKey: string;
  /** Who signs what this side sends. */
  readonly senderId: string;
  /** This run's identity; later runs must use larger values (the start time in ms does). */
  readonly boot?: number;
  readonly replayWindow?: number;
  /** The clock stamped into `sent` and used for the nonce cache; Date.now unless a test steps it. */
  readonly clock?: () => number;
}

/** What an incoming frame must be to open here. */
export interface Expectation {
  /** The recipient binding this receiver accepts (recipient-binding.ts). */
  readonly to: string;
  /** For UDP: `sent` must be within the window (freshness.ts); gives the sender's clock minus ours, or null. */
  readonly senderOffsetMs?: (from: string) => number | null;
}

export interface OpenedMessage {
  readonly envelope: SignedEnvelope;
  readonly body: WireBody;
}

export type OpenedResult = { readonly ok: true; readonly opened: OpenedMessage } | { readonly ok: false; readonly reason: DropReason };

export class WireAuth {
  readonly senderId: string;
  readonly boot: number;
  /**
   * The transport's Lamport clock. Core messages carry the core's own time (the core already ticked
   * for them); the transport clock is moved past it, and past every time received, so the stamps on
   * what the transport originates itself (ticks, control traffic) are ordered after both.
   */
  readonly lamport = new LamportClock();
  readonly #key: KeyObject;
  /**
   * Seq state per sender *and channel* (the binding it was opened for: one TCP connection's
   * challenge, or this run's UDP binding). Everyone with the key can sign as any member, so state
   * one channel's frames set must not refuse another's: a forged frame with a later `boot` on the
   * forger's own connection would otherwise make every real frame from that member a "replay".
   */
  readonly #guard: ReplayGuard;
  /** Each sender's run as last opened on any channel (the real member's next frame corrects a forged one). */
  readonly #boots = new Map<string, number>();
  readonly #nonces = new NonceCache();
  readonly #clock: () => number;
  #seq = 0;

  constructor(options: WireAuthOptions) {
    this.#key = createSecretKey(teamKeyBytes(options.teamKey)); // imported once: see MacKey
    this.senderId = options.senderId;
    this.#clock = options.clock ?? Date.now;
    this.boot = options.boot ?? this.#clock();
    this.#guard = new ReplayGuard(options.replayWindow);
  }

  /** What UDP senders must bind envelopes for this run to. */
  get udpBinding(): string {
    return udpBinding(this.senderId, this.boot);
  }

  /** The run of `nodeId` this side last heard from (its signed `boot`), to bind UDP envelopes to; null if never. */
  bootOf(nodeId: string): number | null {
    return this.#boots.get(nodeId) ?? null;
  }

  /**
   * The JSON text of a signed envelope for `body`, bound to recipient `to` (no newline: frame it for
   * TCP, send as is over UDP). A core message brings its own term and Lamport time; `term` is for
   * everything else.
   */
  seal(body: WireBody, term: number, to: string): string {
    this.#seq += 1;
    let lamport: number;
    if (body.kind === "core") {
      lamport = body.message.lamport;
      term = body.message.term;
      this.lamport.receive(lamport);
    } else {
      // Held at the limit receivers accept: the transport's own stamps only order, nobody counts on them.
      lamport = Math.min(this.lamport.tick(), MAX_LAMPORT);
    }
    const nonce = newNonce();
    const fields = { from: this.senderId, to, boot: this.boot, seq: this.#seq, nonce, sent: this.#clock(), lamport, term, body };
    return sealEnvelopeText(this.#key, fields);
  }

  /** The seq the next `seal` will use (a control client matches the reply against it). */
  get nextSeq(): number {
    return this.#seq + 1;
  }

  open(text: string, expect: Expectation): OpenedResult {
    const result = openEnvelope(this.#key, text);
    if (!result.ok) return result;
    const { envelope } = result;
    const body = parseWireBody(envelope.body);
    if (body === null || envelope.lamport > MAX_LAMPORT || envelope.term > MAX_TERM) return { ok: false, reason: "malformed" };
    // The envelope speaks for the core message inside it; they must agree.
    if (body.kind === "core") {
      const { message } = body;
      if (message.from !== envelope.from || message.term !== envelope.term || message.lamport !== envelope.lamport) {
        return { ok: false, reason: "malformed" };
      }
    }
    if (envelope.to !== expect.to) return { ok: false, reason: "misdirected" };
    const now = this.#clock();
    // A run cannot start later than now, allowing for clocks that differ (message-shape.ts).
    if (envelope.boot > now + CLOCK_SKEW_ALLOWANCE_MS) return { ok: false, reason: "malformed" };
    if (expect.senderOffsetMs !== undefined && !isFresh(envelope.sent, now, expect.senderOffsetMs(envelope.from))) return { ok: false, reason: "stale" };
    // The guard last: only envelopes that would be accepted may move a sender's state.
    if (this.#nonces.check(envelope.from, envelope.nonce, now) === "replay") return { ok: false, reason: "replay" };
    if (this.#guard.check(`${envelope.from}\u0000${expect.to}`, envelope.boot, envelope.seq) === "replay") return { ok: false, reason: "replay" };
    this.#rememberBoot(envelope.from, envelope.boot);
    this.lamport.receive(envelope.lamport);
    return { ok: true, opened: { envelope, body } };
  }

  #rememberBoot(from: string, boot: number): void {
    this.#boots.delete(from);
    this.#boots.set(from, boot);
    // As many senders as the guard remembers; the least recently heard goes first.
    if (this.#boots.size > this.#guard.maxSenders) this.#boots.delete(this.#boots.keys().next().value!);
  }
}
