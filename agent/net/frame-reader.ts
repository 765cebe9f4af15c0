/**
 * Reads frames from an accepted TCP connection and reports what could not be read. Oversize frames
 * end the connection (the stream cannot be resynchronised); a connection that closes mid-frame is
 * counted as truncated. Until the caller marks the connection authenticated (its first frame that
 * opened), it has only `handshakeTimeoutMs` to send one; after that only the idle timeout applies.
 * Handlers are called synchronously per frame; exceptions stay inside.
 */
import type { Socket } from "node:net";
import type { DropReason } from "./drop-counters.ts";
import { FrameDecoder, MAX_FRAME_BYTES } from "./frames.ts";

export interface FrameReaderHandlers {
  onFrame(text: string, socket: Socket): void;
  onDrop(reason: DropReason): void;
  /** Something threw while handling a frame (a bug, not bad input): report it, keep the process. */
  onError(error: unknown): void;
}

export interface FrameReaderOptions {
  readonly maxFrameBytes?: number;
  /** A connection that has not authenticated within this is closed (counted as "silent"). */
  readonly handshakeTimeoutMs?: number;
  /** Authenticated connections silent this long are closed (peers reconnect on their next message). */
  readonly idleTimeoutMs?: number;
}

export const HANDSHAKE_TIMEOUT_MS = 5000;

export interface FrameReader {
  /** The connection proved it holds the key: from now on only the idle timeout applies. */
  authenticated(): void;
}

export function readFrames(socket: Socket, handlers: FrameReaderHandlers, options: FrameReaderOptions = {}): FrameReader {
  const decoder = new FrameDecoder(options.maxFrameBytes ?? MAX_FRAME_BYTES);
  let oversize = false;
  let authenticated = false;
  socket.setNoDelay(true);
  socket.setTimeout(options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS, () => {
    if (!authenticated) handlers.onDrop("silent");
    socket.destroy();
  });
  socket.on("error", () => {}); // "close" follows.
  socket.on("data", (chunk: Buffer) => {
    if (oversize) return;
    const { frames, oversize: tooBig } = decoder.push(chunk);
    for (const frame of frames) {
      if (socket.destroyed) return;
      try {
        handlers.onFrame(frame, socket);
      } catch (error) {
        handlers.onError(error);
      }
    }
    if (tooBig) {
      oversize = true;
      handlers.onDrop("oversize");
      socket.destroy();
    }
  });
  socket.on("close", () => {
    if (!oversize && decoder.pendingBytes > 0) handlers.onDrop("truncated");
  });
  return {
    authenticated() {
      if (authenticated) return;
      authenticated = true;
      socket.setTimeout(options.idleTimeoutMs ?? 60_000);
    },
  };
}
