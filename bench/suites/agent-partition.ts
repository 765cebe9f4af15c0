import { waitForOneView } from "../../test/helpers/agent-views.ts";
import type { Agent } from "../../test/helpers/agents.ts";
import { createNetLab, netnsUnavailable } from "../../test/helpers/netns.ts";
import { healAndWait, startAgentsInLab, waitForSides, type LabAgent } from "../../test/helpers/netns-agents.ts";
import { median } from "../load.ts";
import { checkBelow, formatCheck, samplesRow, type Ratio, type Row } from "../report.ts";
import type { BenchSettings, Check } from "../run.ts";
import { buildAgentBundle, withAgents } from "./agent-timer.ts";

/**
 * Heal after a real partition: five groupsync-agent processes, each in its own network namespace
 * (test/helpers/netns.ts; needs root, else the suite reports why it skipped). BENCH_HEAL_TRIALS
 * times (default 20), alternately 2|3 (the master and one peer cut from the other three) and 1|4
 * (the master alone): cut with iptables DROP, wait until each side runs alone (its own master, the
 * other side dropped from its list, about 2.5 s), remove the rules, and time until every member
 * shows one master and one ends_at (spread <= 5 ms), and, for context, until one master alone.
 */

const NAMES = ["a", "b", "c", "d", "e"];
const SPREAD_MS = 5;
const TARGETS = { healMedianMs: 500, healMaxMs: 1000 };

interface HealTrial {
  readonly shape: string;
  readonly healMs: number;
  /** Until one master with all five members, before the deadlines agree within SPREAD_MS. */
  readonly masterMs: number;
  readonly master: string;
}

export async function agentPartitionSuite(settings: BenchSettings): Promise<{ rows: Row[]; ratios: Ratio[]; notes: string[]; checks: Check[] }> {
  const skipped = netnsUnavailable();
  if (skipped !== null) return { rows: [], ratios: [], notes: [`partition: skipped: ${skipped}`], checks: [] };
  const trialCount = Number(process.env.BENCH_HEAL_TRIALS ?? 20);
  if (!Number.isInteger(trialCount) || trialCount < 1) throw new Error(`BENCH_HEAL_TRIALS must be a positive whole number, got '${process.env.BENCH_HEAL_TRIALS}'`);
  buildAgentBundle();
  const lab = await createNetLab(NAMES.length);
  let placed: LabAgent[] = [];
  try {
    const trials = await withAgents(
      async (cluster) => (placed = await startAgentsInLab(cluster, lab, NAMES, ["--focus", "25m", "--short", "5m"])),
      async (cluster) => {
        const done: HealTrial[] = [];
        for (let trial = 0; trial < trialCount; trial += 1) {
          const view = await waitForOneView(cluster, cluster.running, { members: NAMES.length, spreadMs: SPREAD_MS, timeoutMs: 15_000 });
          const master = cluster.running.find((agent) => agent.name === view.master)!;
          const others = cluster.running.filter((agent) => agent !== master);
          const cut = trial % 2 === 0 ? 1 : 0; // Peers on the master's side: 2|3, then 1|4.
          const sides: Agent[][] = [[master, ...others.slice(0, cut)], others.slice(cut)];
          await lab.partition(sides.map((side) => side.map((agent) => placed.find((entry) => entry.agent === agent)!.host)));
          await waitForSides(cluster, sides, 10_000);
          const healed = await healAndWait(cluster, lab, cluster.running, { members: NAMES.length, spreadMs: SPREAD_MS, timeoutMs: 10_000 });
          done.push({ shape: `${sides[0]!.length}|${sides[1]!.length}`, healMs: healed.healMs, masterMs: healed.masterMs, master: healed.master });
        }
        return done;
      },
    );
    return report(settings, trials);
  } finally {
    lab.destroy();
  }
}

function report(settings: BenchSettings, trials: readonly HealTrial[]): { rows: Row[]; ratios: Ratio[]; notes: string[]; checks: Check[] } {
  const heals = trials.map((trial) => trial.healMs);
  const rows = [
    samplesRow("partition", `heal to one master and deadline, 5 agents in netns (${trials.length} trials)`, NAMES.length, heals),
    samplesRow("partition", `heal to one master, 5 agents in netns (${trials.length} trials)`, NAMES.length, trials.map((trial) => trial.masterMs)),
  ];
  const checks: Check[] = [
    checkBelow("partition", "heal after a partition, median", median(heals), "ms", TARGETS.healMedianMs),
    checkBelow("partition", "heal after a partition, max", Math.max(...heals), "ms", TARGETS.healMaxMs),
  ];
  for (const shape of ["2|3", "1|4"]) {
    const ofShape = trials.filter((trial) => trial.shape === shape).map((trial) => trial.healMs);
    if (ofShape.length > 0) checks.push(checkBelow("partition", `heal after ${shape}, median (${ofShape.length} trials)`, median(ofShape), "ms", null));
  }
  const notes = [
    ...checks.map(formatCheck),
    `partition: heal trials (shape ms -> master): ${trials.map((trial) => `${trial.shape} ${trial.healMs}->${trial.master}`).join(", ")}`,
    `partition: BENCH_ROUNDS=${settings.rounds} and BENCH_SECONDS=${settings.durationMs / 1000} do not apply here; BENCH_HEAL_TRIALS=${trials.length}`,
  ];
  return { rows, ratios: [], notes, checks };
}
