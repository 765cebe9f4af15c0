import { describe, expect, it } from "vitest";
import { encodeFrame, FrameDecoder, MAX_FRAME_BYTES } from "../../agent/net/frames.ts";

const bytes = (text: string) => Buffer.from(text, "utf8");

describe("TCP framing (newline-delimited JSON)", () => {
  it("splits two frames that arrive in one chunk", () => {
    const decoder = new FrameDecoder();
    const chunk = bytes(encodeFrame('{"a":1}') + encodeFrame('{"b":"two"}'));
    expect(decoder.push(chunk)).toEqual({ frames: ['{"a":1}', '{"b":"two"}'], oversize: false });
    expect(decoder.pendingBytes).toBe(0);
  });

  it("reassembles one frame delivered byte by byte, multi-byte characters included", () => {
    const decoder = new FrameDecoder();
    const frame = bytes(encodeFrame(JSON.stringify({ text: "Pomodoro ⏱ café", n: 42 })));
    const seen: string[] = [];
    for (let i = 0; i < frame.length; i += 1) {
      const { frames, oversize } = decoder.push(frame.subarray(i, i + 1));
      expect(oversize).toBe(false);
      seen.push(...frames);
      if (i < frame.length - 1) expect(decoder.pendingBytes).toBe(i + 1);
    }
    expect(seen.map((text) => JSON.parse(text))).toEqual([{ text: "Pomodoro ⏱ café", n: 42 }]);
  });

  it("handles a frame split across chunks that also carry the next frame's start", () => {
    const decoder = new FrameDecoder();
    const wire = bytes(encodeFrame('{"first":true}') + encodeFrame('{"second":true}') + encodeFrame('{"third":true}'));
    const frames = [wire.subarray(0, 5), wire.subarray(5, 20), wire.subarray(20, 33), wire.subarray(33)].flatMap((chunk) => decoder.push(chunk).frames);
    expect(frames).toEqual(['{"first":true}', '{"second":true}', '{"third":true}']);
  });

  it("skips blank lines and tolerates CRLF", () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(bytes('\n\r\n{"x":1}\r\n\n')).frames).toEqual(['{"x":1}']);
  });

  it("accepts a frame of exactly the limit", () => {
    const decoder = new FrameDecoder();
    const body = `"${"x".repeat(MAX_FRAME_BYTES - 2)}"`;
    expect(decoder.push(bytes(encodeFrame(body)))).toEqual({ frames: [body], oversize: false });
  });

  it("refuses a frame over the limit even before its newline arrives, and everything after it", () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(bytes('{"ok":1}\n')).frames).toEqual(['{"ok":1}']);
    const half = bytes("y".repeat(MAX_FRAME_BYTES / 2 + 1));
    expect(decoder.push(half).oversize).toBe(false);
    expect(decoder.push(half).oversize).toBe(true);
    expect(decoder.push(bytes('{"later":1}\n'))).toEqual({ frames: [], oversize: true });
  });

  it("returns the frames before an oversize one in the same chunk", () => {
    const decoder = new FrameDecoder(16);
    const result = decoder.push(bytes('{"a":1}\n' + "z".repeat(40) + "\n"));
    expect(result).toEqual({ frames: ['{"a":1}'], oversize: true });
  });

  it("reports a partial frame left at the end of the stream (truncated)", () => {
    const decoder = new FrameDecoder();
    decoder.push(bytes('{"cut":'));
    expect(decoder.pendingBytes).toBe(7);
  });
});
