/**
 * Many clients joining one team at once, from a separate process (so their handshakes do not slow
 * the process that measures): prints "ready", and once a line comes on stdin opens `count` sockets
 * round-robin over the tokens in the JSON file, waits until each has had hello and lists every member
 * as present, prints {"opened":n,"retries":r,"ms":t,"presence_messages":m,"all_listed":bool}, and
 * holds them until stdin ends. A socket refused on the way (a 503 while the store is slow) is opened
 * again after a pause, as the dashboard would, at most 5 times. With `spreadMs`, the opens are
 * spread evenly over that long (members arriving from their own machines) instead of all at once.
 *
 *   node test/helpers/live-join-script.ts <workerUrl> <tokensJsonFile> <count> [spreadMs]
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { LiveClient } from "./live-client.ts";

const [workerUrl, tokensFile, count, spreadMs] = [process.argv[2]!, process.argv[3]!, Number(process.argv[4]), Number(process.argv[5] ?? 0)];
const tokens = JSON.parse(readFileSync(tokensFile, "utf8")) as Record<string, string>;
const members = Object.keys(tokens).sort();
const input = createInterface({ input: process.stdin });
console.log("ready");
input.once("line", () => void join());
let clients: LiveClient[] = [];
input.once("close", () => {
  for (const client of clients) client.close();
  setTimeout(() => process.exit(0), 200);
});

async function join(): Promise<void> {
  const started = performance.now();
  let retries = 0;
  const openOne = async (token: string, index: number): Promise<LiveClient> => {
    if (spreadMs > 0) await new Promise((resolve) => setTimeout(resolve, (index * spreadMs) / count));
    for (let attempt = 1; ; attempt++) {
      try {
        return await LiveClient.open(workerUrl, token);
      } catch (error) {
        if (attempt === 5) throw error;
        retries++;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  };
  clients = await Promise.all(Array.from({ length: count }, (_, i) => openOne(tokens[members[i % members.length]!]!, i)));
  const everyone = JSON.stringify(members.slice(0, Math.min(count, members.length)));
  const deadline = Date.now() + 20_000;
  while (!clients.every((c) => JSON.stringify(c.people()) === everyone) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const presence = clients.reduce((sum, c) => sum + c.presenceMessages(), 0);
  const allListed = clients.every((c) => JSON.stringify(c.people()) === everyone);
  console.log(JSON.stringify({ opened: clients.length, retries, ms: Math.round(performance.now() - started), presence_messages: presence, all_listed: allListed }));
}
