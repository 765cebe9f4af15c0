import { describe, expect, it } from "vitest";
import { heard, linkSuspect, NEVER_HEARD, type PeerHearing } from "../../agent/net/link-health.ts";

/** When an open TCP link must be replaced: its peer fell silent while it was open (agent/net/link-health.ts). */

const STALE = 400;

function hearAt(times: readonly number[]): PeerHearing {
  return times.reduce((hearing, at) => heard(hearing, at, STALE), NEVER_HEARD);
}

describe("link health", () => {
  it("a new link to a peer never heard from gets staleMs before it is suspect", () => {
    expect(linkSuspect(NEVER_HEARD, 1000, 1000 + STALE, STALE)).toBe(false);
    expect(linkSuspect(NEVER_HEARD, 1000, 1000 + STALE + 1, STALE)).toBe(true);
  });

  it("a peer answering every heartbeat keeps its link, whatever the link's age", () => {
    const hearing = hearAt([100, 200, 300, 400, 500, 600]);
    expect(hearing.lastGap).toBeNull();
    expect(linkSuspect(hearing, 0, 650, STALE)).toBe(false);
    expect(linkSuspect(hearing, 0, 600 + STALE, STALE)).toBe(false);
  });

  it("silence longer than staleMs while the link is open makes it suspect", () => {
    const hearing = hearAt([100, 200]);
    expect(linkSuspect(hearing, 0, 200 + STALE + 1, STALE)).toBe(true);
  });

  it("after a partition the peer talks again, but the link that lived through the silence stays suspect; a new one is fine", () => {
    const hearing = hearAt([100, 200, 3200, 3300]); // cut from 200 to 3200
    expect(hearing.lastGap).toEqual({ from: 200, to: 3200 });
    expect(linkSuspect(hearing, 0, 3310, STALE)).toBe(true); // opened before the cut: may hold frames stuck in retransmission
    expect(linkSuspect(hearing, 3150, 3310, STALE)).toBe(false); // opened during the silence, after the old one was replaced
    expect(linkSuspect(hearing, 3250, 3310, STALE)).toBe(false);
  });

  it("a gap shorter than staleMs is no gap", () => {
    const hearing = hearAt([100, 100 + STALE, 200 + STALE]);
    expect(hearing.lastGap).toBeNull();
    expect(linkSuspect(hearing, 0, 250 + STALE, STALE)).toBe(false);
  });
});
