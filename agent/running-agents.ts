/**
 * Every agent running on this machine for a state directory records itself there, as
 * `<state dir>/agents/<pid>.json` holding where it answers control requests, so that `start` can
 * find the team's session wherever it runs: also a `join`ed agent on a free port that carried on
 * after the agent on the default port died. Written 0600 in a 0700 directory (atomically, like the
 * team key file), removed when the agent exits; an entry whose process is gone (kill -9) is
 * ignored and swept by the next reader. The entry is only a hint: `start` still asks the agent,
 * signed with the team key, before believing it.
 */
import { readdirSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { HostPort } from "./net/peer-address.ts";
import { writePrivateFile } from "./team-key-source.ts";

const AGENTS_DIR = "agents";

export function runningAgentsDir(stateDir: string): string {
  return join(stateDir, AGENTS_DIR);
}

/** Records this process's agent; the function returned removes the entry (also run at process exit). */
export function recordRunningAgent(stateDir: string, control: HostPort, pid = process.pid): () => void {
  const file = join(runningAgentsDir(stateDir), `${pid}.json`);
  writePrivateFile(file, JSON.stringify({ pid, host: control.host, port: control.port }));
  const remove = () => {
    process.off("exit", remove);
    try {
      unlinkSync(file);
    } catch {
      // Already gone.
    }
  };
  process.on("exit", remove);
  return remove;
}

export interface RunningAgent {
  readonly pid: number;
  readonly control: HostPort;
}

/** The agents recorded in `stateDir` whose process still runs; entries of dead processes (or unreadable ones) are deleted. */
export function listRunningAgents(stateDir: string): RunningAgent[] {
  const dir = runningAgentsDir(stateDir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // No agent ever ran here.
  }
  const found: RunningAgent[] = [];
  for (const name of names) {
    const match = /^(\d+)\.json$/.exec(name);
    if (match === null) continue; // A temporary file being written, or something not ours.
    const file = join(dir, name);
    const entry = readEntry(file, Number(match[1]));
    if (entry !== null && isAlive(entry.pid)) found.push(entry);
    else sweep(file);
  }
  return found;
}

function readEntry(file: string, pid: number): RunningAgent | null {
  try {
    const value = JSON.parse(readFileSync(file, "utf8")) as { pid?: unknown; host?: unknown; port?: unknown };
    if (value.pid !== pid || typeof value.host !== "string" || !Number.isInteger(value.port)) return null;
    const port = value.port as number;
    return port > 0 && port <= 65535 ? { pid, control: { host: value.host, port } } : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, only not ours to signal.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function sweep(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Another reader swept it first.
  }
}
