/**
 * TCP framing: one JSON document per line (newline-delimited JSON). JSON.stringify never emits a raw
 * newline, so a newline always ends a frame. The decoder survives any segmentation: two frames in
 * one chunk, one frame split across many chunks. A frame longer than MAX_FRAME_BYTES means the other
 * side is broken or hostile; the decoder then refuses everything after it and the caller drops the
 * connection.
 */

export const MAX_FRAME_BYTES = 64 * 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export interface DecodeResult {
  /** Complete frames, in order, as text (blank lines are skipped). */
  readonly frames: string[];
  /** True once a frame exceeded the limit: drop the connection. Frames before it are still returned. */
  readonly oversize: boolean;
}

export class FrameDecoder {
  readonly maxFrameBytes: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #failed = false;

  constructor(maxFrameBytes = MAX_FRAME_BYTES) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes of an unfinished frame held back: non-zero when the stream ends means a truncated frame. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  push(chunk: Uint8Array): DecodeResult {
    const frames: string[] = [];
    if (this.#failed) return { frames, oversize: true };
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) {
        this.#pending.push(Buffer.from(chunk.subarray(start)));
        this.#pendingBytes += chunk.length - start;
        if (this.#pendingBytes > this.maxFrameBytes) return this.#fail(frames);
        break;
      }
      const length = this.#pendingBytes + (end - start);
      if (length > this.maxFrameBytes) return this.#fail(frames);
      let line = this.#pendingBytes === 0 ? Buffer.from(chunk.subarray(start, end)) : Buffer.concat([...this.#pending, chunk.subarray(start, end)]);
      this.#pending = [];
      this.#pendingBytes = 0;
      if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) line = line.subarray(0, -1);
      if (line.length > 0) frames.push(line.toString("utf8"));
      start = end + 1;
    }
    return { frames, oversize: false };
  }

  #fail(frames: string[]): DecodeResult {
    this.#failed = true;
    this.#pending = [];
    this.#pendingBytes = 0;
    return { frames, oversize: true };
  }
}

/** One frame on the wire. The text must be one JSON document (it has no raw newline). */
export function encodeFrame(json: string): string {
  return `${json}\n`;
}
