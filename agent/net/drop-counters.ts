/**
 * Why incoming data was thrown away, counted per reason and per transport so `status` can show an
 * operator (and a test) that garbage arrived and was refused without harm.
 */

export const DROP_REASONS = [
  /** Not JSON, or JSON of the wrong shape. */
  "malformed",
  /** No mac at all. */
  "unsigned",
  /** A mac that does not match: forged, corrupted, or signed with another team key. */
  "bad_mac",
  /** A frame or datagram over the size limit (the TCP connection is dropped too). */
  "oversize",
  /** A TCP connection closed in the middle of a frame. */
  "truncated",
  /** A sequence number already accepted, or too far behind to tell (replayed or from an old run). */
  "replay",
  /** A UDP envelope sent too long ago, or too far ahead, for the window (freshness.ts). */
  "stale",
  /** Signed for another recipient, another connection, or an earlier run of this one (recipient-binding.ts). */
  "misdirected",
  /** Authentic, but not something this transport accepts (e.g. a control request over UDP). */
  "unexpected",
  /** A core message whose term runs further ahead than elections could have taken it (core/term-ceiling.ts). */
  "term_jump",
  /** The same for a Lamport time. */
  "lamport_jump",
  /** A TCP connection that sent no signed frame within the handshake timeout, closed. */
  "silent",
  /** A TCP connection not yet authenticated, closed to make room: too many from its address, or from all (inbound-gate.ts). */
  "crowded",
] as const;

export type DropReason = (typeof DROP_REASONS)[number];
export type Transport = "tcp" | "udp";

export type DropSnapshot = Record<DropReason, number> & { readonly total: number; readonly tcp: number; readonly udp: number };

export class DropCounters {
  readonly #byReason = new Map<DropReason, number>(DROP_REASONS.map((reason) => [reason, 0]));
  readonly #byTransport: Record<Transport, number> = { tcp: 0, udp: 0 };

  add(reason: DropReason, transport: Transport): void {
    this.#byReason.set(reason, (this.#byReason.get(reason) ?? 0) + 1);
    this.#byTransport[transport] += 1;
  }

  count(reason: DropReason): number {
    return this.#byReason.get(reason) ?? 0;
  }

  snapshot(): DropSnapshot {
    const byReason = Object.fromEntries(DROP_REASONS.map((reason) => [reason, this.count(reason)])) as Record<DropReason, number>;
    const total = this.#byTransport.tcp + this.#byTransport.udp;
    return { ...byReason, total, tcp: this.#byTransport.tcp, udp: this.#byTransport.udp };
  }
}
