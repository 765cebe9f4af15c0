/**
 * Every envelope carries a random nonce; this remembers, per sender, the nonces seen lately, so a copy
 * of an envelope is refused even where seq alone could not tell (a sender state forgotten by
 * ReplayGuard under a flood of made-up senders). Bounded both ways: a nonce is kept `ttlMs` (longer
 * than the send-time window, freshness.ts, so a copy is either remembered or already too old), at most
 * `maxPerSender` per sender (the oldest goes first) and `maxSenders` senders (the least recently heard
 * goes first). Pure: the clock is passed in.
 */

export const NONCE_TTL_MS = 60_000;
/** Four ticks a second and a few hundred core messages a minute fit many times over. */
export const MAX_NONCES_PER_SENDER = 4096;
export const MAX_NONCE_SENDERS = 1024;

export class NonceCache {
  readonly #ttlMs: number;
  readonly #maxPerSender: number;
  readonly #maxSenders: number;
  /** sender → (nonce → expiry), each in insertion order, so the oldest are first. */
  readonly #senders = new Map<string, Map<string, number>>();

  constructor(ttlMs = NONCE_TTL_MS, maxPerSender = MAX_NONCES_PER_SENDER, maxSenders = MAX_NONCE_SENDERS) {
    this.#ttlMs = ttlMs;
    this.#maxPerSender = maxPerSender;
    this.#maxSenders = maxSenders;
  }

  check(from: string, nonce: string, now: number): "fresh" | "replay" {
    let nonces = this.#senders.get(from);
    if (nonces === undefined) {
      nonces = new Map();
      if (this.#senders.size >= this.#maxSenders) this.#senders.delete(this.#senders.keys().next().value!);
    } else {
      this.#senders.delete(from); // re-inserted below: most recently heard last
    }
    this.#senders.set(from, nonces);
    for (const [seen, expiresAt] of nonces) {
      if (expiresAt > now) break;
      nonces.delete(seen);
    }
    if (nonces.has(nonce)) return "replay";
    if (nonces.size >= this.#maxPerSender) nonces.delete(nonces.keys().next().value!);
    nonces.set(nonce, now + this.#ttlMs);
    return "fresh";
  }
}
