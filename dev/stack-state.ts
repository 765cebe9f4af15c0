/**
 * The dev stack's claim on its data folder: `<data>/dev-stack.json` names the supervisor (the
 * `npm run dev` process), its URL and its children's process groups. A second stack on the same
 * folder reads it to tell a live stack (leave it alone, refuse) from the leftovers of one that was
 * SIGKILLed (stop them, take over).
 */
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { commandLine, isAlive, startTimeOf } from "./process-tree.ts";
import { isGroupAlive } from "./managed-process.ts";

export interface StackRecord {
  supervisorPid: number;
  /** With the pid, names the supervisor process even after pids are reused (see startTimeOf). */
  supervisorStartTime: string | null;
  url: string;
  dataDir: string;
  startedAt: string;
  /** Process groups of the children (each child leads its own group), as recorded when spawned. */
  children: RecordedChild[];
}

export interface RecordedChild {
  name: string;
  pid: number;
  startTime: string | null;
}

export type FoundStack =
  | { kind: "none" }
  | { kind: "live"; record: StackRecord }
  | { kind: "leftovers"; record: StackRecord; groups: number[] };

/** Pure: what a record found on disk means, given what is alive now. */
export function classifyStack(record: StackRecord | null, probes: { isSupervisor: (record: StackRecord) => boolean; isOurGroup: (child: RecordedChild) => boolean }): FoundStack {
  if (record === null) return { kind: "none" };
  if (probes.isSupervisor(record)) return { kind: "live", record };
  const groups = record.children.filter((child) => child.pid > 1 && probes.isOurGroup(child)).map((child) => child.pid);
  return groups.length > 0 ? { kind: "leftovers", record, groups } : { kind: "none" };
}

/** The recorded supervisor still runs: same pid, same start time, still dev/run.ts. */
export function isDevSupervisor(record: StackRecord): boolean {
  const pid = record.supervisorPid;
  return pid > 1 && pid !== process.pid && isAlive(pid) && startTimeOf(pid) === record.supervisorStartTime && commandLine(pid).includes("dev/run.ts");
}

/**
 * The recorded child's process group still exists and is the one we started: its leader, if it
 * still runs, started when recorded (a reused pid never matches). A group whose leader is gone
 * (wrangler's workerd after wrangler was killed) keeps its id, which no new group can take while
 * it exists.
 */
export function isRecordedGroup(child: RecordedChild): boolean {
  if (!isGroupAlive(child.pid)) return false;
  const leaderStart = startTimeOf(child.pid);
  return leaderStart === null || leaderStart === child.startTime;
}

export class StackStateFile {
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, "dev-stack.json");
  }

  read(): StackRecord | null {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch {
      return null;
    }
    try {
      const parsed = JSON.parse(text) as StackRecord;
      return Number.isInteger(parsed.supervisorPid) && Array.isArray(parsed.children) ? parsed : null;
    } catch {
      return null; // torn or foreign: nothing we can act on
    }
  }

  find(): FoundStack {
    return classifyStack(this.read(), { isSupervisor: isDevSupervisor, isOurGroup: isRecordedGroup });
  }

  /** Claims the folder; false if another stack claimed it first (created the file meanwhile). */
  claim(record: StackRecord): boolean {
    let fd: number;
    try {
      fd = openSync(this.path, "wx", 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    }
    writeSync(fd, JSON.stringify(record, null, 2) + "\n");
    closeSync(fd);
    return true;
  }

  /** Rewrites the claim (children changed), atomically so a reader never sees half of it. */
  update(record: StackRecord): void {
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(record, null, 2) + "\n", { mode: 0o600 });
    renameSync(temporary, this.path);
  }

  remove(): void {
    rmSync(this.path, { force: true });
  }
}
