/**
 * A separate flooder process: keeps `count` TCP connections from 127.0.0.1 open to the agent at
 * 127.0.0.1:<port> for `ms`, never sending a byte and opening a new one as soon as one is closed
 * (what a misbehaving local client does). Prints {"connections":n} when done.
 *
 *   node test/helpers/reconnect-flood-script.ts <port> <count> <ms>
 */
import { connect } from "node:net";

const [port, count, ms] = [Number(process.argv[2]), Number(process.argv[3]), Number(process.argv[4])];
const until = Date.now() + ms;
let connections = 0;
const sockets = new Set<ReturnType<typeof connect>>();

function open(): void {
  if (Date.now() >= until) return;
  connections++;
  const socket = connect({ host: "127.0.0.1", port, localAddress: "127.0.0.1" });
  sockets.add(socket);
  socket.on("error", () => {}); // the agent closes it: that is the point
  socket.resume();
  socket.once("close", () => {
    sockets.delete(socket);
    open();
  });
}

for (let i = 0; i < count; i++) open();
await new Promise((resolve) => setTimeout(resolve, ms));
for (const socket of sockets) socket.destroy();
console.log(JSON.stringify({ connections }));
