/**
 * Whom a signed envelope is for: its `to` field, under the mac. A receiver opens only envelopes bound
 * to itself as it is now, so one captured off the wire is worthless anywhere else:
 *
 * - TCP: `tcp:<challenge>`, the random challenge the receiving agent greeted this very connection
 *   with (handshake.ts). Another agent, the same agent on another connection, or after a restart,
 *   greets with another one. Freshness needs no clock: the challenge is the proof.
 * - UDP (timer ticks, no connection to greet on): `udp:<node id>/<boot>`, the recipient's id and the
 *   boot of its current run, which the sender learnt from that run's own signed TCP traffic. Copies
 *   within the run are caught by seq and nonce (replay-guard.ts, nonce-cache.ts) and the send-time
 *   window (freshness.ts).
 */
import { randomBytes } from "node:crypto";

export function tcpBinding(challenge: string): string {
  return `tcp:${challenge}`;
}

export function udpBinding(nodeId: string, boot: number): string {
  return `udp:${nodeId}/${boot}`;
}

/** 128 random bits, base64url: never the same twice, whoever is listening. */
export function newChallenge(): string {
  return randomBytes(16).toString("base64url");
}
