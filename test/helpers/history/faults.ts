/**
 * The faults a history run injects, one at a time at seeded random moments: a redis-server frozen
 * (SIGSTOP, then SIGCONT) or killed and restarted on its data (AOF, fsync always), a gateway frozen,
 * the worker (wrangler dev and its workerd) killed and started again on the same port.
 */
import { randomInt } from "../../../agent/core/seeded-random.ts";
import type { RunningGateway } from "../../../dev/gateway-process.ts";
import type { RunningWorker } from "../../../dev/wrangler-dev.ts";
import type { TestRedis } from "../processes.ts";

/** The processes, replaced in place when one is restarted. */
export interface FaultTargets {
  redis: { main: TestRedis; goals: TestRedis };
  gateways: { main: RunningGateway; goals: RunningGateway };
  worker: RunningWorker;
  restartWorker: () => Promise<RunningWorker>;
}

export type FaultKind = "freeze-redis" | "kill-redis" | "freeze-gateway" | "kill-worker";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function inject(targets: FaultTargets, kind: FaultKind, store: "main" | "goals", ms: number): Promise<void> {
  switch (kind) {
    case "freeze-redis":
    case "freeze-gateway": {
      const process = kind === "freeze-redis" ? targets.redis[store].process : targets.gateways[store].process;
      process.signal("SIGSTOP");
      try {
        await sleep(ms);
      } finally {
        process.signal("SIGCONT");
      }
      return;
    }
    case "kill-redis":
      targets.redis[store].process.signal("SIGKILL");
      await targets.redis[store].process.exited;
      await sleep(ms / 2);
      targets.redis[store] = await targets.redis[store].restart();
      return;
    case "kill-worker":
      await targets.worker.process.killGroup();
      targets.worker = await targets.restartWorker();
      return;
    default: {
      const never: never = kind;
      throw new Error(`unknown fault ${never}`);
    }
  }
}

/**
 * Injects faults until `until()` says stop, with 0.5-2 s of calm between them: first each kind on
 * each store once, in a seeded order, then at random. `workerKills` caps the slowest fault (wrangler
 * dev takes seconds to start again). Answers what was injected, in order.
 */
export async function injectFaults(targets: FaultTargets, random: () => number, until: () => boolean, options: { workerKills: number }): Promise<string[]> {
  const injected: string[] = [];
  let workerKills = 0;
  const each: Array<[FaultKind, "main" | "goals"]> = [];
  for (const kind of ["freeze-redis", "kill-redis", "freeze-gateway"] as const) for (const store of ["main", "goals"] as const) each.push([kind, store]);
  if (options.workerKills > 0) each.push(["kill-worker", "main"]);
  for (let i = each.length - 1; i > 0; i--) {
    const j = randomInt(random, 0, i);
    [each[i], each[j]] = [each[j]!, each[i]!];
  }
  while (!until()) {
    await sleep(randomInt(random, 500, 2000));
    if (until()) break;
    const kinds: FaultKind[] = ["freeze-redis", "freeze-redis", "kill-redis", "freeze-gateway", ...(workerKills < options.workerKills ? (["kill-worker"] as const) : [])];
    const [kind, store] = each.shift() ?? [kinds[randomInt(random, 0, kinds.length - 1)]!, random() < 0.5 ? "main" : "goals"];
    const ms = randomInt(random, 500, 2500);
    if (kind === "kill-worker") workerKills++;
    injected.push(kind === "kill-worker" ? kind : `${kind}:${store}:${ms}ms`);
    await inject(targets, kind, store, ms);
  }
  return injected;
}
