/**
 * Whether nothing listens at `target` any more: a TCP connect answered by a refusal (RST). A
 * crashed process frees its port at once, while a frozen one, or one behind a partition, does not
 * answer that way (the connect is accepted, or hangs until the timeout), so only a refusal counts.
 */
import { createConnection } from "node:net";
import type { HostPort } from "./peer-address.ts";

export function portRefuses(target: HostPort, timeoutMs = 200): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: target.host, port: target.port });
    const done = (refused: boolean) => {
      socket.destroy();
      resolve(refused);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(false));
    socket.once("error", (error: NodeJS.ErrnoException) => done(error.code === "ECONNREFUSED"));
  });
}
