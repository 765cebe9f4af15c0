/**
 * The UDP socket for timer ticks: one signed envelope per datagram, best effort both ways.
 */
import { createSocket, type Socket } from "node:dgram";
import { isIP } from "node:net";
import { MAX_FRAME_BYTES } from "./frames.ts";

export interface UdpEndpoint {
  readonly port: number;
  send(host: string, port: number, text: string): void;
  close(): Promise<void>;
}

export interface UdpHandlers {
  /** A datagram within the size limit, as text. */
  onDatagram(text: string): void;
  onOversize(): void;
  onError(error: unknown): void;
}

/** Binds host:port (0 = any free port); rejects on failure (e.g. the port is taken). */
export async function openUdpEndpoint(host: string, port: number, handlers: UdpHandlers): Promise<UdpEndpoint> {
  const socket: Socket = createSocket({ type: isIP(host) === 6 ? "udp6" : "udp4" });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  socket.on("error", (error) => handlers.onError(error));
  socket.on("message", (datagram) => {
    try {
      if (datagram.length > MAX_FRAME_BYTES) handlers.onOversize();
      else handlers.onDatagram(datagram.toString("utf8"));
    } catch (error) {
      handlers.onError(error);
    }
  });
  return {
    port: socket.address().port,
    send(toHost, toPort, text) {
      // Errors (unreachable host, closed socket) only mean this tick is lost, which is fine.
      try {
        socket.send(text, toPort, toHost, () => {});
      } catch {
        // The socket is closing.
      }
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
