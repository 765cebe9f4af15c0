import WebSocket from "ws";
import { percentile } from "../load.ts";
import { formatCheck, type Row } from "../report.ts";
import type { BenchContext, Check } from "../run.ts";
import { bookOneAfterAnother, teamToken } from "./calendar-api.ts";

const CLIENTS = 50;
const BOOKINGS_PER_ROUND = 40;

/**
 * The live feed: 50 WebSocket clients of one team, and bookings made one after another over REST.
 * For each booking, the time from sending its POST /events until each client receives its
 * `event.created` (so a booking gives 50 samples). Also checks every client got every booking,
 * in seq order, exactly once.
 */
export async function liveFeedSuite(ctx: BenchContext): Promise<{ rows: Row[]; ratios: never[]; notes: string[]; checks: Check[] }> {
  const token = await teamToken(ctx, `bench-live-${Date.now()}`);
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => openClient(ctx.workerUrl, token)));
  const latencies: number[] = [];
  const sentAt = new Map<string, number>();
  for (const client of clients) {
    client.onChange = (change, receivedAt) => {
      const at = sentAt.get(change.id);
      if (change.type === "event.created" && at !== undefined) latencies.push(receivedAt - at);
    };
  }
  const booked = await bookOneAfterAnother(ctx, token, { prefix: "live", perRound: BOOKINGS_PER_ROUND, year: 2032, onSend: (id) => sentAt.set(id, performance.now()) });
  // Let the last deliveries arrive.
  const deadline = Date.now() + 5000;
  while (latencies.length < booked * CLIENTS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const inOrder = clients.every((c) => c.seqs.every((seq, i) => i === 0 || seq === c.seqs[i - 1]! + 1));
  const complete = clients.every((c) => c.created === booked);
  for (const client of clients) client.socket.close();

  latencies.sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  const rows: Row[] = [
    { suite: "live", name: `POST /events -> receipt on ${CLIENTS} WebSocket clients`, concurrency: 1, rounds: ctx.rounds, p50_ms: round2(p50), p99_ms: round2(p99), req_per_s: 0, errors: booked * CLIENTS - latencies.length },
  ];
  const checks: Check[] = [
    { suite: "live", name: `booking to receipt on ${CLIENTS} clients, p50`, value: round2(p50), unit: "ms", target: null, pass: null },
    { suite: "live", name: `booking to receipt on ${CLIENTS} clients, p99`, value: round2(p99), unit: "ms", target: "< 50 ms", pass: p99 < 50 },
    { suite: "live", name: "every client got every booking, in seq order, once", value: complete && inOrder ? 1 : 0, unit: "bool", target: "1", pass: complete && inOrder },
  ];
  const notes = [`${booked} bookings x ${CLIENTS} clients = ${latencies.length} deliveries measured (${booked * CLIENTS} expected)`];
  return { rows, ratios: [], notes: [...notes, ...checks.map(formatCheck)], checks };
}

export interface Client {
  socket: WebSocket;
  seqs: number[];
  created: number;
  onChange: (change: { type: string; id: string }, receivedAt: number) => void;
}

/** A WebSocket client of the team's live feed, resolved once its hello came. */
export function openClient(workerUrl: string, token: string): Promise<Client> {
  const url = new URL("/ws", workerUrl);
  url.protocol = "ws:";
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  const client: Client = { socket, seqs: [], created: 0, onChange: () => {} };
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.on("message", (data) => {
      const receivedAt = performance.now();
      const message = JSON.parse(String(data)) as { type: string; seq?: number; id?: string };
      if (message.type === "hello") return resolve(client);
      if (message.type === "event.created" && message.seq !== undefined) {
        client.seqs.push(message.seq);
        client.created++;
        client.onChange({ type: message.type, id: message.id ?? "" }, receivedAt);
      }
    });
  });
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
