/**
 * Holds the count of accepted TCP connections that have not sent a signed frame yet: anyone can open
 * those, no key needed, so they are capped per remote address and in all. A new one over either cap
 * does not wait: the OLDEST such connection (of its address, or of all) is closed to make room, so a
 * pile of idle sockets cannot keep a real peer or CLI out, while a connection that authenticates is no
 * longer counted. Pure bookkeeping; the caller closes what `admit` returns.
 */

export interface GateLimits {
  readonly perAddress: number;
  readonly total: number;
}

/** A CLI and a handful of peers reconnecting at once fit; a flood gets 64 sockets at a time. */
export const DEFAULT_GATE_LIMITS: GateLimits = Object.freeze({ perAddress: 16, total: 64 });

export class InboundGate<C> {
  readonly limits: GateLimits;
  /** Waiting connections and their addresses, oldest first. */
  readonly #waiting = new Map<C, string>();
  readonly #perAddress = new Map<string, number>();

  constructor(limits: GateLimits = DEFAULT_GATE_LIMITS) {
    this.limits = limits;
  }

  get waiting(): number {
    return this.#waiting.size;
  }

  /** Counts `connection` as waiting; returns the connections to close to stay within the limits. */
  admit(connection: C, address: string): C[] {
    const evicted: C[] = [];
    if ((this.#perAddress.get(address) ?? 0) >= this.limits.perAddress) {
      for (const [other, from] of this.#waiting) {
        if (from !== address) continue;
        evicted.push(other);
        this.release(other);
        break;
      }
    }
    if (this.#waiting.size >= this.limits.total) {
      const oldest = this.#waiting.keys().next().value!;
      evicted.push(oldest);
      this.release(oldest);
    }
    this.#waiting.set(connection, address);
    this.#perAddress.set(address, (this.#perAddress.get(address) ?? 0) + 1);
    return evicted;
  }

  /** The connection authenticated or closed: it no longer counts. Idempotent. */
  release(connection: C): void {
    const address = this.#waiting.get(connection);
    if (address === undefined) return;
    this.#waiting.delete(connection);
    const left = (this.#perAddress.get(address) ?? 1) - 1;
    if (left === 0) this.#perAddress.delete(address);
    else this.#perAddress.set(address, left);
  }
}
