/**
 * Every envelope carries a random nonce; this remembers, per sender, the nonces seen lately, so a copy
 * of an envelope is refused even where seq alone could not tell (a sender state forgotten by
 * ReplayGuard under a flood of made-up senders). Bounded both ways: a nonce is kept `ttlMs` (longer
 * than the send-time window, freshness.ts, so a copy is either remembered or already too old), at most
 * `maxPerSender` per sender (the oldest goes first) and `maxSenders` senders (the least recently heard
 * goes first). Pure: the clock is passed in. Also makes the nonces (newNonce).
 */
import { randomFillSync } from "node:crypto";

export const NONCE_TTL_MS = 60_000;
/** Four ticks a second and a few hundred core messages a minute fit many times over. */
export const MAX_NONCES_PER_SENDER = 4096;
export const MAX_NONCE_SENDERS = 1024;

interface SenderNonces {
  readonly seen: Set<string>;
  /** Nonces in arrival order with their expiry, consumed from `head`: a Map would slow down as its front is deleted. */
  order: string[];
  expiries: number[];
  head: number;
}

export class NonceCache {
  readonly #ttlMs: number;
  readonly #maxPerSender: number;
  readonly #maxSenders: number;
  readonly #senders = new Map<string, SenderNonces>();

  constructor(ttlMs = NONCE_TTL_MS, maxPerSender = MAX_NONCES_PER_SENDER, maxSenders = MAX_NONCE_SENDERS) {
    this.#ttlMs = ttlMs;
    this.#maxPerSender = maxPerSender;
    this.#maxSenders = maxSenders;
  }

  check(from: string, nonce: string, now: number): "fresh" | "replay" {
    let nonces = this.#senders.get(from);
    if (nonces === undefined) {
      nonces = { seen: new Set(), order: [], expiries: [], head: 0 };
      if (this.#senders.size >= this.#maxSenders) this.#senders.delete(this.#senders.keys().next().value!);
    } else {
      this.#senders.delete(from); // re-inserted below: most recently heard last
    }
    this.#senders.set(from, nonces);
    while (nonces.head < nonces.order.length && nonces.expiries[nonces.head]! <= now) nonces.seen.delete(nonces.order[nonces.head++]!);
    if (nonces.seen.has(nonce)) return "replay";
    if (nonces.seen.size >= this.#maxPerSender) nonces.seen.delete(nonces.order[nonces.head++]!);
    nonces.seen.add(nonce);
    nonces.order.push(nonce);
    nonces.expiries.push(now + this.#ttlMs);
    if (nonces.head > 1024 && nonces.head * 2 > nonces.order.length) {
      nonces.order = nonces.order.slice(nonces.head);
      nonces.expiries = nonces.expiries.slice(nonces.head);
      nonces.head = 0;
    }
    return "fresh";
  }
}

/**
 * A fresh random nonce, 96 bits, base64url. Drawn from a pool filled 256 nonces at a time: one
 * randomBytes call per message costs more than the HMAC.
 */
export function newNonce(): string {
  if (poolOffset + NONCE_BYTES > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += NONCE_BYTES;
  return pool.toString("base64url", poolOffset - NONCE_BYTES, poolOffset);
}

const NONCE_BYTES = 12;
const pool = Buffer.alloc(NONCE_BYTES * 256);
let poolOffset = pool.length;
