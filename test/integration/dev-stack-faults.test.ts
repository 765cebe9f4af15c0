/**
 * `npm run dev` as a supervisor: a child that is SIGKILLed is restarted, requests meanwhile are
 * answered or refused within 5 s (never left hanging), and nothing acknowledged is lost; a stack
 * whose supervisor was SIGKILLed leaves orphans that the next start cleans up.
 */
import { afterAll, describe, expect, it } from "vitest";
import { descendantsOf, isAlive } from "../../dev/process-tree.ts";
import { allGone, frontWorkerdOf, isolatedDevEnv, killAllDevStacks, probe, processOf, runDev, type ProbeOutcome } from "../helpers/dev-stack.ts";
import { stopAll } from "../helpers/processes.ts";

afterAll(async () => {
  killAllDevStacks();
  await stopAll();
});

/**
 * From the kill on, a request every 100 ms, each allowed 5 s: until /health is 200 again twice in
 * a row. Returns every outcome, so a test can assert that none hung.
 */
async function probeUntilHealthy(base: string, limitMs = 60_000): Promise<ProbeOutcome[]> {
  const outcomes: ProbeOutcome[] = [];
  const pending: Promise<void>[] = [];
  const deadline = Date.now() + limitMs;
  let healthyInARow = 0;
  while (healthyInARow < 2 && Date.now() < deadline) {
    const request = probe(`${base}/health`).then((outcome) => {
      outcomes.push(outcome);
      healthyInARow = outcome.kind === "answered" && outcome.status === 200 ? healthyInARow + 1 : 0;
    });
    pending.push(request);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await Promise.all(pending);
  return outcomes;
}

async function createGoal(base: string, id: string): Promise<number> {
  const answer = await fetch(`${base}/goals`, { method: "POST", body: JSON.stringify({ id, title: `kept across ${id}`, owner: "dev" }) });
  await answer.body?.cancel();
  return answer.status;
}

describe("npm run dev under faults", () => {
  it("restarts each child that is SIGKILLed: requests never hang and acknowledged writes stay", async () => {
    const env = await isolatedDevEnv();
    const stack = runDev(env);
    await stack.ready;
    const base = `http://127.0.0.1:${env.PORT}`;

    const victims = [
      { name: "worker", find: () => frontWorkerdOf(stack) }, // wrangler alone would leave its port hanging
      { name: "worker", find: () => processOf(stack, "wrangler/bin/wrangler.js") }, // its workerd outlive it, holding the port
      { name: "gateway", find: () => processOf(stack, "gateway/main.ts") },
      { name: "redis-server", find: () => processOf(stack, `redis-server 127.0.0.1:${env.REDIS_PORT}`) },
    ];
    for (const [i, victim] of victims.entries()) {
      const goal = `before-${victim.name}-${i}`;
      expect(await createGoal(base, goal)).toBe(201);
      const pid = victim.find();
      process.kill(pid, "SIGKILL");
      const outcomes = await probeUntilHealthy(base);
      expect(outcomes.filter((o) => o.kind === "hung"), `${victim.name}: requests left hanging`).toEqual([]);
      expect(outcomes.at(-1)).toMatchObject({ kind: "answered", status: 200 });
      expect(isAlive(pid)).toBe(false);
      // Acknowledged before the kill: still there after it.
      const read = await fetch(`${base}/goals/${goal}`);
      expect(read.status, `goal written before killing ${victim.name}`).toBe(200);
      await read.body?.cancel();
    }
    const said = stack.said().join("\n");
    for (const victim of victims) expect(said).toContain(`${victim.name} is back`);
    expect(said).toContain("the worker is unhealthy (its front workerd");

    // All three goals survive a full restart on the same data too.
    const tree = [stack.child.pid!, ...descendantsOf(stack.child.pid!)];
    process.kill(-stack.child.pid!, "SIGINT");
    expect(await allGone(tree)).toEqual([]);
    const again = runDev(env);
    await again.ready;
    for (const [i, victim] of victims.entries()) expect((await fetch(`${base}/goals/before-${victim.name}-${i}`)).status).toBe(200);
  });

  it("cleans up the orphans of a stack whose supervisor was SIGKILLed, then starts", async () => {
    const env = await isolatedDevEnv();
    const first = runDev(env);
    await first.ready;
    const redis = processOf(first, "redis-server");
    const workerd = frontWorkerdOf(first);
    // SIGKILL npm and the supervisor: no one is left to stop the children.
    const supervisor = processOf(first, "dev/run.ts");
    process.kill(supervisor, "SIGKILL");
    process.kill(first.child.pid!, "SIGKILL");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(isAlive(redis) && isAlive(workerd)).toBe(true);

    const second = runDev(env);
    await second.ready;
    expect(second.said()[0]).toMatch(/^groupsync dev: stopping leftovers of a stack that was killed \(process groups [\d, ]+\)$/);
    expect(await allGone([redis, workerd], 1_000)).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${env.PORT}/health`)).status).toBe(200);
  });
});
