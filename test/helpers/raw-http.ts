import { connect, type Socket } from "node:net";

/**
 * HTTP/1.1 as raw bytes, for what fetch cannot send: two headers of one name, an empty one, a
 * declared length the body never reaches. Every socket is real; nothing parses on our side but
 * the status line.
 */
export interface RawExchange {
  socket: Socket;
  /** Everything the server sent until it closed the connection (or `closeAfter` ran out). */
  answer: Promise<{ status: number | null; text: string; closedAfterMs: number }>;
}

export function rawRequest(port: number, bytes: string | Buffer, options: { closeAfterMs?: number } = {}): RawExchange {
  const started = Date.now();
  const socket = connect({ host: "127.0.0.1", port }, () => socket.write(bytes));
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  socket.on("error", () => {}); // a reset after the answer is the server's right
  const timer = options.closeAfterMs === undefined ? null : setTimeout(() => socket.destroy(), options.closeAfterMs);
  const answer = new Promise<{ status: number | null; text: string; closedAfterMs: number }>((resolve) => {
    socket.once("close", () => {
      if (timer) clearTimeout(timer);
      const text = Buffer.concat(chunks).toString("utf8");
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({ status: status === undefined ? null : Number(status), text, closedAfterMs: Date.now() - started });
    });
  });
  return { socket, answer };
}

/** A request head (CRLF line ends, Connection: close) from its lines. */
export function requestHead(lines: readonly string[]): string {
  return [...lines, "Connection: close", "", ""].join("\r\n");
}

/** The JSON body of a raw answer (after the blank line; the test's answers are never chunked). */
export function bodyOf(text: string): unknown {
  return JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4));
}
