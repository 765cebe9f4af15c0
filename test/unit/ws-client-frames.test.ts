import { describe, expect, it } from "vitest";
import { ClientFrameGate } from "../../dev/ws-client-frames.ts";

/** A masked client frame (RFC 6455 5.2) of `payload` bytes. */
function frame(payload: number, { fin = true, opcode = 1 } = {}): Buffer {
  const length = payload < 126 ? [payload] : payload < 65_536 ? [126, payload >> 8, payload & 0xff] : [127, 0, 0, 0, 0, (payload >>> 24) & 0xff, (payload >> 16) & 0xff, (payload >> 8) & 0xff, payload & 0xff];
  return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | length[0]!, ...length.slice(1), 1, 2, 3, 4]), Buffer.alloc(payload, 0x61)]);
}

describe("the front proxy's gate on a WebSocket client's messages", () => {
  it("forwards a burst, then the messages past it up to the margin, whole, then nothing", () => {
    const gate = new ClientFrameGate(0, 3, 10, 1);
    const frames = Array.from({ length: 7 }, () => frame(20));
    const stream = Buffer.concat(frames);
    expect(gate.forwardable(stream, 0)).toBe(frames[0]!.length * 5); // 3 in the burst, the 4th the hub refuses, one more in case it saw them spread out
    expect(gate.shut).toBe(true);
    expect(gate.dropped).toBe(frames[0]!.length * 2);
    expect(gate.forwardable(frame(5), 0)).toBe(0);
    expect(gate.dropped).toBe(frames[0]!.length * 2 + frame(5).length);
  });

  it("finds frames however the bytes are split, with 16- and 64-bit lengths", () => {
    const gate = new ClientFrameGate(0, 2, 10, 0);
    const stream = Buffer.concat([frame(300), frame(70_000), frame(1), frame(9)]);
    let forwarded = 0;
    for (let at = 0; at < stream.length; at += 7) forwarded += gate.forwardable(stream.subarray(at, Math.min(stream.length, at + 7)), 0);
    expect(forwarded).toBe(frame(300).length + frame(70_000).length + frame(1).length);
    expect(gate.shut).toBe(true);
  });

  it("counts a fragmented message once, and no control frames", () => {
    const gate = new ClientFrameGate(0, 2, 10, 0);
    const fragmented = Buffer.concat([frame(10, { fin: false }), frame(10, { fin: false, opcode: 0 }), frame(10, { opcode: 0 })]);
    const pings = Buffer.concat(Array.from({ length: 10 }, () => frame(0, { opcode: 9 })));
    const stream = Buffer.concat([fragmented, pings, frame(4)]);
    expect(gate.forwardable(stream, 0)).toBe(stream.length);
    expect(gate.shut).toBe(false);
  });

  it("refills at the hub's rate: a client under it is never shut", () => {
    const gate = new ClientFrameGate(0, 2, 10);
    for (let i = 0; i < 100; i++) expect(gate.forwardable(frame(10), i * 100)).toBe(frame(10).length);
    expect(gate.shut).toBe(false);
  });
});
