import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../agent/net/canonical-json.ts";
import { openEnvelope, sealEnvelope, sealEnvelopeText, teamKeyBytes } from "../../agent/net/envelope.ts";
import { ReplayGuard } from "../../agent/net/replay-guard.ts";
import { WireAuth } from "../../agent/net/wire-auth.ts";
import { FRESHNESS_WINDOW_MS, isFresh } from "../../agent/net/freshness.ts";
import { NonceCache, newNonce } from "../../agent/net/nonce-cache.ts";
import { CLOCK_SKEW_ALLOWANCE_MS, MAX_LAMPORT, MAX_TERM } from "../../agent/net/message-shape.ts";
import { tcpBinding, udpBinding } from "../../agent/net/recipient-binding.ts";
import type { Message } from "../../agent/core/messages.ts";
import type { TickBody } from "../../agent/net/wire-body.ts";

const KEY = "team-key-0123456789";
const key = teamKeyBytes(KEY);
const tick: TickBody = { kind: "tick", phase: "focus", paused: false, ends_at: 1_700_000_060_000, remaining_ms: 60_000, sent_at: 1_700_000_000_000 };
const fields = { from: "n1", to: "tcp:challenge-1", boot: 1000, seq: 1, nonce: "nonce-1", sent: 1_700_000_000_000, lamport: 5, term: 2, body: tick };
/** What a receiver on the connection greeted with "challenge-1" expects. */
const ON_TCP = { to: "tcp:challenge-1" };

function auth(senderId: string, boot = 1000, clock?: () => number) {
  return new WireAuth({ teamKey: KEY, senderId, boot, clock });
}

describe("canonical JSON", () => {
  it("sorts keys at every depth and ignores undefined, so key order cannot break a mac", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: null }], c: undefined } })).toBe('{"a":{"d":[1,{"y":null,"z":0}]},"b":1}');
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });
});

describe("envelope sign and verify", () => {
  it("opens what it sealed, whatever the key order on the wire", () => {
    const sealed = sealEnvelope(key, fields);
    expect(openEnvelope(key, JSON.stringify(sealed))).toEqual({ ok: true, envelope: sealed });
    const reordered = Object.fromEntries(Object.entries(sealed).reverse());
    expect(openEnvelope(key, JSON.stringify(reordered)).ok).toBe(true);
  });

  it("writes the mac first and the signed canonical bytes after it: opened without re-serialising, still refused when any byte changes", () => {
    const text = sealEnvelopeText(key, fields);
    const sealed = sealEnvelope(key, fields);
    expect(text.startsWith(`{"mac":"${sealed.mac}",`)).toBe(true);
    expect(JSON.parse(text)).toEqual(sealed);
    expect(openEnvelope(key, text)).toEqual({ ok: true, envelope: sealed });
    for (const [from, to] of [['"term":2', '"term":3'], ['"to":"tcp:challenge-1"', '"to":"tcp:challenge-2"'], ['"nonce":"nonce-1"', '"nonce":"nonce-2"'], ['"sent":1700000000000', '"sent":1700000000001']] as const) {
      const tampered = text.replace(from, to);
      expect(tampered, from).not.toBe(text);
      expect(openEnvelope(key, tampered), from).toEqual({ ok: false, reason: "bad_mac" });
    }
    expect(openEnvelope(teamKeyBytes("another-team-key-xyz"), text)).toEqual({ ok: false, reason: "bad_mac" });
    // The same mac in front of the same fields in another order: checked over the canonical JSON instead.
    const { mac, ...unsigned } = sealed;
    const reordered = `{"mac":"${mac}",${JSON.stringify(Object.fromEntries(Object.entries(unsigned).reverse())).slice(1)}`;
    expect(openEnvelope(key, reordered)).toEqual({ ok: true, envelope: sealed });
    // A second mac member after the first: the one that counts is what JSON.parse keeps, checked the long way.
    expect(openEnvelope(key, text.replace(`{"mac":"${mac}",`, `{"mac":"${mac}","mac":"${"A".repeat(43)}",`))).toEqual({ ok: false, reason: "bad_mac" });
  });

  it("refuses a forged or tampered mac as bad_mac", () => {
    const sealed = sealEnvelope(key, fields);
    const tampered = { ...sealed, term: 3 };
    expect(openEnvelope(key, JSON.stringify(tampered))).toEqual({ ok: false, reason: "bad_mac" });
    const otherKey = sealEnvelope(teamKeyBytes("another-team-key-xyz"), fields);
    expect(openEnvelope(key, JSON.stringify(otherKey))).toEqual({ ok: false, reason: "bad_mac" });
    for (const mac of ["AAAA", "not base64 at all!", sealed.mac.slice(0, -2), `${sealed.mac}AA`]) {
      expect(openEnvelope(key, JSON.stringify({ ...sealed, mac }))).toEqual({ ok: false, reason: "bad_mac" });
    }
  });

  it("refuses an unsigned envelope as unsigned", () => {
    const { mac: _mac, ...unsigned } = sealEnvelope(key, fields);
    expect(openEnvelope(key, JSON.stringify(unsigned))).toEqual({ ok: false, reason: "unsigned" });
    expect(openEnvelope(key, JSON.stringify({ ...unsigned, mac: "" }))).toEqual({ ok: false, reason: "unsigned" });
  });

  it("refuses garbage, truncated JSON and wrong shapes as malformed, without throwing", () => {
    const sealed = JSON.stringify(sealEnvelope(key, fields));
    for (const text of ["", "garbage", sealed.slice(0, sealed.length / 2), "[1,2]", "null", "42", '{"mac":5}']) {
      expect(openEnvelope(key, text)).toEqual({ ok: false, reason: "malformed" });
    }
    const valid = sealEnvelope(key, fields);
    for (const bad of [{ v: 1 }, { to: "" }, { nonce: 7 }, { sent: -1 }, { seq: -1 }, { seq: 1.5 }, { from: "" }, { body: "text" }, { lamport: "5" }]) {
      expect(openEnvelope(key, JSON.stringify({ ...valid, ...bad }))).toEqual({ ok: false, reason: "malformed" });
    }
  });
});

describe("replay guard", () => {
  it("accepts increasing seqs and refuses the same seq twice", () => {
    const guard = new ReplayGuard(8);
    expect(guard.check("a", 1, 1)).toBe("fresh");
    expect(guard.check("a", 1, 2)).toBe("fresh");
    expect(guard.check("a", 1, 2)).toBe("replay");
    expect(guard.check("a", 1, 1)).toBe("replay");
    expect(guard.check("b", 1, 1)).toBe("fresh"); // per sender
  });

  it("accepts reordering within the window exactly once, and nothing older than the window", () => {
    const guard = new ReplayGuard(8);
    expect(guard.check("a", 1, 10)).toBe("fresh");
    expect(guard.check("a", 1, 7)).toBe("fresh"); // late, in the window
    expect(guard.check("a", 1, 7)).toBe("replay");
    expect(guard.check("a", 1, 3)).toBe("fresh"); // 10 - 8 < 3
    expect(guard.check("a", 1, 2)).toBe("replay"); // at the window's edge: too old to tell
    expect(guard.check("a", 1, 30)).toBe("fresh");
    expect(guard.check("a", 1, 22)).toBe("replay");
    expect(guard.check("a", 1, 23)).toBe("fresh");
  });

  it("keeps refusing every seq already seen however many come after it (pruning keeps the window)", () => {
    const guard = new ReplayGuard(4);
    for (let seq = 1; seq <= 100; seq += 1) expect(guard.check("a", 1, seq)).toBe("fresh");
    for (let seq = 1; seq <= 100; seq += 1) expect(guard.check("a", 1, seq)).toBe("replay");
  });

  it("treats a later boot as a restart and an earlier one as a replay", () => {
    const guard = new ReplayGuard(8);
    expect(guard.check("a", 100, 50)).toBe("fresh");
    expect(guard.check("a", 200, 1)).toBe("fresh");
    expect(guard.check("a", 100, 51)).toBe("replay");
    expect(guard.check("a", 200, 2)).toBe("fresh");
  });

  it("forgets the least recently heard sender beyond its capacity", () => {
    const guard = new ReplayGuard(8, 2);
    guard.check("a", 1, 1);
    guard.check("b", 1, 1);
    guard.check("a", 1, 2); // a is now the most recent
    guard.check("c", 1, 1); // evicts b
    expect(guard.check("a", 1, 2)).toBe("replay");
    expect(guard.check("b", 1, 1)).toBe("fresh");
  });
});

describe("WireAuth: seal, open, replay, Lamport", () => {
  const vote: Message = { type: "vote", granted: true, member: true, term: 4, from: "n1", lamport: 17 };

  it("carries a core message with its own term and Lamport time, and opens it once", () => {
    const sender = auth("n1");
    const receiver = auth("n2");
    const wire = sender.seal({ kind: "core", message: vote }, 0, ON_TCP.to);
    const first = receiver.open(wire, ON_TCP);
    expect(first.ok && first.opened.envelope).toMatchObject({ from: "n1", term: 4, lamport: 17, seq: 1, boot: 1000 });
    expect(first.ok && first.opened.body).toEqual({ kind: "core", message: vote });
    expect(receiver.open(wire, ON_TCP)).toEqual({ ok: false, reason: "replay" });
    // receive = max(local, remote) + 1
    expect(receiver.lamport.time).toBe(18);
    // The sender's transport clock moved past the core's time too, so its own stamps come after.
    expect(sender.lamport.time).toBe(18);
    expect(JSON.parse(sender.seal(tick, 4, ON_TCP.to)).lamport).toBe(19);
  });

  it("numbers envelopes and lets UDP-style reordering through, each once", () => {
    const sender = auth("n1");
    const receiver = auth("n2");
    const wires = [1, 2, 3, 4].map(() => sender.seal(tick, 1, ON_TCP.to));
    for (const index of [3, 0, 2, 1]) expect(receiver.open(wires[index]!, ON_TCP).ok).toBe(true);
    for (const wire of wires) expect(receiver.open(wire, ON_TCP)).toEqual({ ok: false, reason: "replay" });
  });

  it("refuses a core message whose envelope speaks for someone else", () => {
    const mallory = auth("mallory");
    const wire = mallory.seal({ kind: "core", message: vote }, 0, ON_TCP.to); // envelope from mallory, message from n1
    expect(auth("n2").open(wire, ON_TCP)).toEqual({ ok: false, reason: "malformed" });
  });

  it("refuses an authentic envelope with an unknown or ill-shaped body as malformed", () => {
    const receiver = auth("n2");
    const wire = (body: unknown, seq: number) => JSON.stringify(sealEnvelope(key, { ...fields, seq, nonce: `n${seq}`, body }));
    expect(receiver.open(wire({ kind: "nonsense" }, 1), ON_TCP)).toEqual({ ok: false, reason: "malformed" });
    expect(receiver.open(wire({ kind: "core", message: { type: "heartbeat", term: 1, from: "n1", lamport: 1 } }, 2), ON_TCP)).toEqual({ ok: false, reason: "malformed" });
    expect(receiver.open(wire({ ...tick, phase: "lunch" }, 3), ON_TCP)).toEqual({ ok: false, reason: "malformed" });
    // A refused body does not burn the seq: the guard only sees well-formed envelopes.
    expect(receiver.open(wire(tick, 1), ON_TCP).ok).toBe(true);
  });
});

describe("WireAuth: recipient binding, send-time window, nonces", () => {
  it("opens an envelope only for the recipient it was bound to: another connection or run refuses it as misdirected", () => {
    const sender = auth("n1");
    const onTcp = sender.seal(tick, 1, tcpBinding("challenge-A"));
    expect(auth("n2").open(onTcp, { to: tcpBinding("challenge-B") })).toEqual({ ok: false, reason: "misdirected" });
    expect(auth("n2").open(onTcp, { to: tcpBinding("challenge-A") }).ok).toBe(true);
    const receiver = auth("n2", 5000);
    const onUdp = sender.seal(tick, 1, receiver.udpBinding);
    expect(receiver.udpBinding).toBe(udpBinding("n2", 5000));
    expect(auth("n3", 5000).open(onUdp, { to: auth("n3", 5000).udpBinding })).toEqual({ ok: false, reason: "misdirected" });
    const restarted = auth("n2", 6000);
    expect(restarted.open(onUdp, { to: restarted.udpBinding })).toEqual({ ok: false, reason: "misdirected" });
    expect(receiver.open(onUdp, { to: receiver.udpBinding, senderOffsetMs: () => 0 }).ok).toBe(true);
  });

  it("learns each sender's run from what opened, to bind UDP envelopes to", () => {
    const receiver = auth("n2");
    expect(receiver.bootOf("n1")).toBeNull();
    receiver.open(auth("n1", 4242).seal(tick, 1, ON_TCP.to), ON_TCP);
    expect(receiver.bootOf("n1")).toBe(4242);
  });

  it("refuses a UDP envelope sent outside the window around the receiver's clock moved by the sender's offset", () => {
    let senderNow = 1_000_000;
    const sender = auth("n1", 1000, () => senderNow);
    const receiver = auth("n2", 1000, () => 1_000_000);
    const expect30s = (offsetMs: number | null) => ({ to: receiver.udpBinding, senderOffsetMs: () => offsetMs });
    senderNow = 1_000_000 - FRESHNESS_WINDOW_MS - 1;
    expect(receiver.open(sender.seal(tick, 1, receiver.udpBinding), expect30s(0))).toEqual({ ok: false, reason: "stale" });
    // The same age from a sender whose clock runs 20 s behind ours, as we estimate it, is fine.
    expect(receiver.open(sender.seal(tick, 1, receiver.udpBinding), expect30s(-20_000)).ok).toBe(true);
    senderNow = 1_000_000 + 5 * 60_000; // 5 min ahead, no estimate: within the skew every member is allowed
    expect(receiver.open(sender.seal(tick, 1, receiver.udpBinding), expect30s(null)).ok).toBe(true);
    expect(isFresh(1_000_000 + 2 * 3600_000, 1_000_000, null)).toBe(false);
  });

  it("a key-holder forging a member's frames with a later run on its own connection does not make that member's real frames replays", () => {
    const receiver = auth("m0", 1000, () => 10_000);
    const real = auth("p1", 5000, () => 10_000);
    const forger = auth("p1", 9000, () => 10_000); // signs as p1, "restarted" later, seq far ahead
    for (let i = 0; i < 999; i++) forger.seal(tick, 1, tcpBinding("forger-connection"));
    expect(receiver.open(forger.seal(tick, 1, tcpBinding("forger-connection")), { to: tcpBinding("forger-connection") }).ok).toBe(true);
    expect(receiver.bootOf("p1")).toBe(9000);
    // p1's own connection, and UDP bound to this run, still open p1's frames, in order and once.
    const first = real.seal(tick, 1, tcpBinding("p1-connection"));
    expect(receiver.open(first, { to: tcpBinding("p1-connection") }).ok).toBe(true);
    expect(receiver.open(first, { to: tcpBinding("p1-connection") })).toEqual({ ok: false, reason: "replay" });
    expect(receiver.open(real.seal(tick, 1, receiver.udpBinding), { to: receiver.udpBinding, senderOffsetMs: () => 0 }).ok).toBe(true);
    expect(receiver.bootOf("p1")).toBe(5000); // the real member's run again, for binding UDP to it
  });

  it("refuses a run that starts later than now plus the clock skew allowed, as malformed", () => {
    const receiver = auth("m0", 1000, () => 10_000);
    const future = auth("p1", 10_000 + CLOCK_SKEW_ALLOWANCE_MS + 1, () => 10_000);
    expect(receiver.open(future.seal(tick, 1, ON_TCP.to), ON_TCP)).toEqual({ ok: false, reason: "malformed" });
    const skewed = auth("p2", 10_000 + CLOCK_SKEW_ALLOWANCE_MS, () => 10_000);
    expect(receiver.open(skewed.seal(tick, 1, ON_TCP.to), ON_TCP).ok).toBe(true);
  });

  it("refuses a second envelope with a nonce seen within the TTL, even from a sender the seq guard forgot", () => {
    const receiver = auth("n2");
    const copy = (seq: number) => JSON.stringify(sealEnvelope(key, { ...fields, seq, nonce: "same" }));
    expect(receiver.open(copy(1), ON_TCP).ok).toBe(true);
    expect(receiver.open(copy(2), ON_TCP)).toEqual({ ok: false, reason: "replay" });
  });
});

describe("WireAuth: Lamport and term limits", () => {
  it("refuses envelopes beyond MAX_LAMPORT or MAX_TERM, and never stamps its own beyond MAX_LAMPORT", () => {
    const receiver = auth("n2");
    const at = (lamport: number, term: number, nonce: string) => JSON.stringify(sealEnvelope(key, { ...fields, nonce, seq: lamport % 1000, lamport, term }));
    expect(receiver.open(at(MAX_LAMPORT + 1, 1, "a"), ON_TCP)).toEqual({ ok: false, reason: "malformed" });
    expect(receiver.open(at(5, MAX_TERM + 1, "b"), ON_TCP)).toEqual({ ok: false, reason: "malformed" });
    expect(receiver.open(at(MAX_LAMPORT, 1, "c"), ON_TCP).ok).toBe(true);
    // Its clock is at the limit now; what it sends still opens everywhere.
    const stamped = JSON.parse(receiver.seal(tick, 1, ON_TCP.to)) as { lamport: number };
    expect(stamped.lamport).toBe(MAX_LAMPORT);
    expect(auth("n3").open(receiver.seal(tick, 1, ON_TCP.to), ON_TCP).ok).toBe(true);
  });
});

describe("nonce cache", () => {
  it("remembers a nonce for the TTL, per sender, and forgets it after", () => {
    const cache = new NonceCache(1000, 100, 10);
    expect(cache.check("a", "x", 0)).toBe("fresh");
    expect(cache.check("a", "x", 999)).toBe("replay");
    expect(cache.check("b", "x", 999)).toBe("fresh");
    expect(cache.check("a", "x", 1000)).toBe("fresh");
  });

  it("stays right over many thousands of nonces (its queue compacts as the old ones expire)", () => {
    const cache = new NonceCache(100, 4096, 10);
    for (let i = 0; i < 20_000; i += 1) expect(cache.check("a", `n${i}`, i)).toBe("fresh");
    expect(cache.check("a", "n19950", 19_999)).toBe("replay");
    expect(cache.check("a", "n19899", 19_999)).toBe("fresh"); // expired at 19 999
  });

  it("makes nonces that do not repeat", () => {
    const nonces = new Set(Array.from({ length: 5000 }, () => newNonce()));
    expect(nonces.size).toBe(5000);
    expect([...nonces].every((nonce) => /^[A-Za-z0-9_-]{16}$/.test(nonce))).toBe(true);
  });

  it("keeps at most maxPerSender nonces per sender and maxSenders senders, the oldest going first", () => {
    const cache = new NonceCache(60_000, 3, 2);
    for (const nonce of ["1", "2", "3", "4"]) expect(cache.check("a", nonce, 0)).toBe("fresh");
    expect(cache.check("a", "1", 0)).toBe("fresh"); // pushed out by "4"
    expect(cache.check("a", "4", 0)).toBe("replay");
    cache.check("b", "x", 0);
    cache.check("c", "x", 0); // forgets a, the least recently heard
    expect(cache.check("a", "4", 0)).toBe("fresh");
  });
});
