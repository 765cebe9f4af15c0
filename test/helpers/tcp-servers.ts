import { createServer, type Server, type Socket } from "node:net";

/** Real TCP servers on loopback for a test file; `closeAll` in afterEach. */
export function tcpServers(): { serve: (onConnection: (socket: Socket) => void) => Promise<number>; closeAll: () => void } {
  const servers: Server[] = [];
  return {
    /** Listens on a free port; resolves with it. */
    async serve(onConnection) {
      const server = createServer((socket) => {
        socket.on("error", () => {});
        onConnection(socket);
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return (server.address() as { port: number }).port;
    },
    closeAll() {
      for (const server of servers.splice(0)) server.close();
    },
  };
}
