/**
 * When an open TCP link to a peer should be replaced by a new connection. A link whose packets were
 * dropped (a partition, a cable pulled, iptables DROP) stays "connected": what we write waits in the
 * kernel, which retransmits with exponential backoff (0.2 s, 0.4 s, 0.8 s, … after the loss), so once
 * the network heals our messages can stay stuck for seconds more, while a new connection gets
 * through at its first SYN. Node offers no TCP_USER_TIMEOUT, so the sign of trouble is the peer's
 * silence: every peer we keep sending to answers within a heartbeat or two (acks, heartbeats, vote
 * replies), on its own connection to us.
 *
 * A link is suspect when the peer has been silent for `staleMs` while the link was open: now (the
 * silence still lasts), or earlier, in a gap that began after the link was opened (the peer talks
 * again, but our old connection may still be stuck behind what it lost). Pure, with time passed in.
 */

export interface PeerHearing {
  /** When the last signed frame from the peer arrived; null if never. */
  readonly heardAt: number | null;
  /** The latest silence longer than staleMs that has ended: from the frame before it to the one after. */
  readonly lastGap: { readonly from: number; readonly to: number } | null;
}

export const NEVER_HEARD: PeerHearing = { heardAt: null, lastGap: null };

/** The peer's hearing after a frame from it arrived at `now`. */
export function heard(hearing: PeerHearing, now: number, staleMs: number): PeerHearing {
  const gap = hearing.heardAt !== null && now - hearing.heardAt > staleMs ? { from: hearing.heardAt, to: now } : hearing.lastGap;
  return { heardAt: now, lastGap: gap };
}

/** Whether a link opened at `connectedAt` should be replaced before sending on it at `now`. */
export function linkSuspect(hearing: PeerHearing, connectedAt: number, now: number, staleMs: number): boolean {
  const silentSince = Math.max(hearing.heardAt ?? connectedAt, connectedAt);
  if (now - silentSince > staleMs) return true;
  const gap = hearing.lastGap;
  return gap !== null && gap.from >= connectedAt;
}
