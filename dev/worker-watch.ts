/**
 * Watches a running `wrangler dev` for the failures wrangler does not recover from itself. When
 * the front workerd (the one listening on the public port) dies, wrangler starts a new one that
 * accepts connections and never answers them, so every request hangs. A dead user-worker workerd
 * wrangler does restart correctly; that one is left to it. A /ping that stops answering is the
 * backstop for anything else. `onUnhealthy` is called once; the caller restarts wrangler.
 */
import { commandLine, descendantsOf, isAlive } from "./process-tree.ts";

export interface WorkerWatchOptions {
  wranglerPid: number;
  port: number;
  url: string;
  /** Headers every probe carries (the front proxy's secret: the probes go to the private port). */
  headers?: Record<string, string>;
  onUnhealthy: (why: string) => void;
  everyMs?: number;
  /** /ping is probed this often; unanswered this many times in a row means the worker hangs. */
  pingEveryMs?: number;
  pingTimeoutMs?: number;
  pingFailuresAllowed?: number;
}

export function watchWorker(options: WorkerWatchOptions): () => void {
  const front = frontWorkerdOf(options.wranglerPid, options.port);
  let done = false;
  let failedPings = 0;
  const report = (why: string) => {
    if (done) return;
    stop();
    options.onUnhealthy(why);
  };
  const pidTimer = setInterval(() => {
    if (front !== null && !isAlive(front)) report(`its front workerd (pid ${front}) died`);
  }, options.everyMs ?? 200);
  const pingTimer = setInterval(async () => {
    try {
      // HEAD, so the dev log can leave these probes out (quietWranglerOutput) and keep users' GETs.
      const answer = await fetch(`${options.url}/ping`, { method: "HEAD", headers: options.headers, signal: AbortSignal.timeout(options.pingTimeoutMs ?? 3_000) });
      await answer.body?.cancel();
      failedPings = 0;
    } catch {
      failedPings += 1;
      // Patient: a burst (e.g. a flood on one socket) may stall the runtime for seconds, and a
      // restart would cut every team's sockets. A dead front workerd is caught by its pid above.
      if (failedPings > (options.pingFailuresAllowed ?? 5)) report(`it stopped answering /ping (${failedPings} tries)`);
    }
  }, options.pingEveryMs ?? 2_000);
  pidTimer.unref();
  pingTimer.unref();
  function stop(): void {
    done = true;
    clearInterval(pidTimer);
    clearInterval(pingTimer);
  }
  return stop;
}

/** The workerd wrangler started to listen on the public port: `--socket-addr=entry=127.0.0.1:<port>`. */
function frontWorkerdOf(wranglerPid: number, port: number): number | null {
  const marker = `entry=127.0.0.1:${port}`;
  return descendantsOf(wranglerPid).find((pid) => {
    const command = commandLine(pid);
    return command.includes("workerd") && command.includes(marker);
  }) ?? null;
}
