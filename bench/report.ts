import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { median, percentile, type LoadResult } from "./load.ts";

/** One measured configuration, summarised over several interleaved rounds. */
export interface Row {
  suite: string;
  name: string;
  concurrency: number;
  rounds: number;
  p50_ms: number;
  p99_ms: number;
  req_per_s: number;
  errors: number;
}

export interface Ratio {
  suite: string;
  name: string;
  /** Median over rounds of (a / b), each round measured side by side. */
  value: number;
  explains: string;
}

/** Medians over rounds: each round's p50, p99 and throughput, then the median of those. */
export function summarise(suite: string, name: string, concurrency: number, rounds: LoadResult[]): Row {
  return {
    suite,
    name,
    concurrency,
    rounds: rounds.length,
    p50_ms: round(median(rounds.map((r) => percentile(r.latencies, 50)))),
    p99_ms: round(median(rounds.map((r) => percentile(r.latencies, 99)))),
    req_per_s: Math.round(median(rounds.map((r) => r.requests / r.seconds))),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
  };
}

/** A row of single samples (e.g. one failover per trial) rather than load rounds: p50/p99 over the samples. */
export function samplesRow(suite: string, name: string, concurrency: number, samples: readonly number[]): Row {
  const sorted = [...samples].sort((a, b) => a - b);
  return { suite, name, concurrency, rounds: sorted.length, p50_ms: round(percentile(sorted, 50)), p99_ms: round(percentile(sorted, 99)), req_per_s: 0, errors: 0 };
}

/** A figure with its upper bound (null: shown for context), in the shape bench/run.ts collects as a Check. */
export function checkBelow(suite: string, name: string, value: number, unit: string, below: number | null) {
  return { suite, name, value: round(value), unit, target: below === null ? null : `< ${below} ${unit}`, pass: below === null ? null : value < below };
}

export function ratioOfRounds(a: LoadResult[], b: LoadResult[], metric: (r: LoadResult) => number): number {
  return round(median(a.map((r, i) => metric(r) / metric(b[i]!))));
}

export function round(x: number): number {
  return Math.round(x * 100) / 100;
}

export function printTable(rows: Row[], ratios: Ratio[]): void {
  const header = ["suite", "measurement", "conc", "p50 ms", "p99 ms", "req/s", "errors"];
  const lines = rows.map((r) => [r.suite, r.name, String(r.concurrency), r.p50_ms.toFixed(2), r.p99_ms.toFixed(2), String(r.req_per_s), String(r.errors)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(format(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const line of lines) console.log(format(line));
  console.log("");
  for (const r of ratios) console.log(`${r.suite}: ${r.name} = ${r.value.toFixed(2)}  (${r.explains})`);
}

export function writeResults(dir: string, results: unknown): string {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replaceAll(":", "-");
  const file = join(dir, `bench-${stamp}.json`);
  const text = JSON.stringify(results, null, 2) + "\n";
  writeFileSync(file, text);
  writeFileSync(join(dir, "latest.json"), text);
  return file;
}

/** One line for a figure checked against its target: "suite: name: value unit (target ...) PASS". */
export function formatCheck(check: { suite: string; name: string; value: number; unit: string; target: string | null; pass: boolean | null }): string {
  const verdict = check.pass === null ? "(no target)" : `(target ${check.target}) ${check.pass ? "PASS" : "FAIL"}`;
  return `${check.suite}: ${check.name}: ${check.value.toFixed(2)} ${check.unit} ${verdict}`;
}
