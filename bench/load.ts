import { Agent, request } from "node:http";

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  /** Per-request latencies in ms, sorted ascending. */
  latencies: number[];
}

/**
 * Closed loop: `concurrency` callers each send the next request as soon as the previous one
 * answered, for `durationMs`. Latency is measured per request; throughput is requests / time.
 */
export async function closedLoop(send: () => Promise<void>, options: { concurrency: number; durationMs: number }): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const caller = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        await send();
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, caller));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, seconds, latencies };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** A keep-alive HTTP sender, so connection setup is not what gets measured. */
export function httpSender(options: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** A fixed body, or one made per request (e.g. a fresh slot for every booking). */
  body?: string | (() => string);
  concurrency: number;
  expectStatus?: number;
}) {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const target = new URL(options.url);
  const expectStatus = options.expectStatus ?? 200;
  const send = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        { host: target.hostname, port: target.port, path: target.pathname + target.search, method: options.method ?? "GET", headers: options.headers, agent },
        (res) => {
          res.resume();
          res.once("end", () => (res.statusCode === expectStatus ? resolve() : reject(new Error(`status ${res.statusCode}`))));
        },
      );
      req.once("error", reject);
      req.end(typeof options.body === "function" ? options.body() : options.body);
    });
  return { send, close: () => agent.destroy() };
}
