import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { isAlive } from "../../dev/process-tree.ts";

/**
 * A small network of real hosts on this machine, for partition tests: one network namespace per host
 * (`ip netns`), each with a veth pair into a bridge in the root namespace, addresses on a private /24
 * that no route here uses (the bridge holds .1, so this process reaches every host directly, e.g. for
 * `status`), and links cut with iptables DROP rules inside the namespaces: every protocol (TCP and
 * UDP alike), both directions. Run agents inside with `lab.commandPrefix(host)`, i.e.
 * `ip netns exec <ns> …`, which execs, so the PID a test holds is the agent's.
 *
 * Names carry this process's PID and a random id (`gsn-<pid>-<id>-<n>`, bridge `gsb<id>`, veths
 * `gsv<id>-<n>`): `destroy()` removes a lab, an exit hook removes what is left if a test forgets,
 * and every new lab first sweeps the labs of processes that no longer exist (crashed runs).
 * Needs root; `netnsUnavailable()` says why not, for a clear skip.
 */

const NS_PREFIX = "gsn-";
const NS_PATTERN = /^gsn-(\d+)-([0-9a-f]{6})-\d+$/;
/** Host addresses on the /24 start here (.1 is the bridge). */
const FIRST_HOST = 10;

const run = promisify(execFile);

export interface NetHost {
  /** 0-based position in the lab. */
  readonly index: number;
  readonly namespace: string;
  readonly address: string;
}

export interface NetLab {
  readonly hosts: readonly NetHost[];
  /** The /24 the hosts live on, e.g. 10.213.57.0/24. */
  readonly subnet: string;
  /** Prepended to a command to run it inside the host's namespace. */
  commandPrefix(host: NetHost): string[];
  /**
   * Cuts every link between hosts of different groups (hosts in no group keep all their links).
   * Replaces any earlier partition; all namespaces are updated at once, in parallel.
   */
  partition(groups: readonly (readonly NetHost[])[]): Promise<void>;
  /** Removes every DROP rule. */
  heal(): Promise<void>;
  destroy(): void;
}

/** Why this machine cannot build a lab (not root, no `ip netns`, no iptables), or null if it can. */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "network namespaces need root (ip netns add), and this test runs as a normal user";
  const probe = `${NS_PREFIX}${process.pid}-probe`;
  try {
    execFileSync("ip", ["netns", "add", probe], { stdio: "pipe" });
  } catch (error) {
    return `'ip netns add' failed: ${stderrOf(error)}`;
  }
  try {
    execFileSync("ip", ["netns", "exec", probe, "iptables", "-S"], { stdio: "pipe" });
    return null;
  } catch (error) {
    return `iptables does not work inside a network namespace: ${stderrOf(error)}`;
  } finally {
    execFileSync("ip", ["netns", "del", probe], { stdio: "pipe" });
  }
}

const liveLabs = new Set<NetLab>();
process.once("exit", () => {
  for (const lab of liveLabs) lab.destroy();
});

export async function createNetLab(count: number): Promise<NetLab> {
  if (!Number.isInteger(count) || count < 1 || count > 200) throw new RangeError(`count must be 1 to 200 hosts, got ${count}`);
  sweepLeftoverLabs();
  const id = randomBytes(3).toString("hex");
  const bridge = `gsb${id}`;
  const net = unusedSubnet();
  const hosts: NetHost[] = Array.from({ length: count }, (_, index) => ({ index, namespace: `${NS_PREFIX}${process.pid}-${id}-${index}`, address: `${net}.${FIRST_HOST + index}` }));
  let destroyed = false;
  const lab: NetLab = {
    hosts,
    subnet: `${net}.0/24`,
    commandPrefix: (host) => ["ip", "netns", "exec", host.namespace],
    partition: (groups) => applyCuts(hosts, cutsFor(groups)),
    heal: () => applyCuts(hosts, new Map()),
    destroy: () => {
      if (destroyed) return;
      destroyed = true;
      liveLabs.delete(lab);
      removeLab(id, hosts.map((host) => host.namespace));
    },
  };
  liveLabs.add(lab);
  try {
    ip(["link", "add", bridge, "type", "bridge"]);
    ip(["addr", "add", `${net}.1/24`, "dev", bridge]);
    ip(["link", "set", bridge, "up"]);
    for (const host of hosts) {
      const veth = `gsv${id}-${host.index}`;
      ip(["netns", "add", host.namespace]);
      ip(["link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", host.namespace]);
      ip(["link", "set", veth, "master", bridge, "up"]);
      const inside = ["netns", "exec", host.namespace, "ip"];
      ip([...inside, "link", "set", "lo", "up"]);
      ip([...inside, "addr", "add", `${host.address}/24`, "dev", "eth0"]);
      ip([...inside, "link", "set", "eth0", "up"]);
    }
    await waitForLinks(hosts);
  } catch (error) {
    lab.destroy();
    throw error;
  }
  return lab;
}

/** For each host, the addresses it must not exchange packets with. */
function cutsFor(groups: readonly (readonly NetHost[])[]): Map<NetHost, string[]> {
  const groupOf = new Map<NetHost, number>();
  groups.forEach((group, index) => {
    for (const host of group) {
      if (groupOf.has(host)) throw new Error(`host ${host.address} is in two groups`);
      groupOf.set(host, index);
    }
  });
  const cuts = new Map<NetHost, string[]>();
  for (const [host, group] of groupOf) {
    cuts.set(host, [...groupOf].filter(([, other]) => other !== group).map(([other]) => other.address));
  }
  return cuts;
}

/** Replaces each namespace's filter table (iptables-restore: one atomic swap per namespace). */
async function applyCuts(hosts: readonly NetHost[], cuts: ReadonlyMap<NetHost, readonly string[]>): Promise<void> {
  await Promise.all(
    hosts.map(async (host) => {
      const rules = (cuts.get(host) ?? []).flatMap((peer) => [`-A INPUT -s ${peer}/32 -j DROP`, `-A OUTPUT -d ${peer}/32 -j DROP`]);
      const table = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ...rules, "COMMIT", ""].join("\n");
      const child = run("ip", ["netns", "exec", host.namespace, "iptables-restore"]);
      child.child.stdin!.end(table);
      await child;
    }),
  );
}

/** Every host's eth0 is up (a veth reports up only once both ends are, and the bridge port too). */
async function waitForLinks(hosts: readonly NetHost[]): Promise<void> {
  const deadline = Date.now() + 5000;
  for (const host of hosts) {
    for (;;) {
      const { stdout } = await run("ip", ["netns", "exec", host.namespace, "cat", "/sys/class/net/eth0/operstate"]);
      if (stdout.trim() === "up") break;
      if (Date.now() > deadline) throw new Error(`eth0 in ${host.namespace} is still ${stdout.trim()} after 5 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Removes the labs of processes that are gone (a crashed or SIGKILLed test run). */
export function sweepLeftoverLabs(): void {
  const stale = new Map<string, string[]>();
  for (const namespace of listNamespaces()) {
    const match = NS_PATTERN.exec(namespace);
    if (match === null || isAlive(Number(match[1]))) continue;
    stale.set(match[2]!, [...(stale.get(match[2]!) ?? []), namespace]);
  }
  for (const [id, namespaces] of stale) removeLab(id, namespaces);
  // netnsUnavailable()'s probe, if its process died before removing it.
  for (const namespace of listNamespaces()) {
    const probe = /^gsn-(\d+)-probe$/.exec(namespace);
    if (probe !== null && !isAlive(Number(probe[1]))) quietly(["netns", "del", namespace]);
  }
  // A crash between creating the bridge and the first namespace leaves a bridge alone; a namespace
  // the kernel has not finished tearing down (it does so asynchronously) can leave veths behind.
  const used = new Set(listNamespaces().map((namespace) => NS_PATTERN.exec(namespace)?.[2]));
  for (const link of listLinks()) {
    const match = /^gs[bv]([0-9a-f]{6})(-\d+)?$/.exec(link);
    if (match !== null && !used.has(match[1]) && !isOwnLab(match[1]!)) quietly(["link", "del", link]);
  }
}

function isOwnLab(id: string): boolean {
  return [...liveLabs].some((lab) => lab.hosts[0]?.namespace.includes(`-${id}-`));
}

/** Deleting a namespace deletes the veth end inside it, and with it the other end on the bridge. */
function removeLab(id: string, namespaces: readonly string[]): void {
  for (const namespace of namespaces) quietly(["netns", "del", namespace]);
  quietly(["link", "del", `gsb${id}`]);
}

/** A 10.x.y.0/24 that no route or address on this machine overlaps. */
function unusedSubnet(): string {
  const taken = JSON.parse(execFileSync("ip", ["-4", "-j", "route", "show", "table", "all"], { encoding: "utf8" })) as Array<{ dst: string }>;
  const prefixes = taken.map((route) => route.dst).filter((dst) => dst !== "default" && /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(dst));
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const [second, third] = [200 + (randomBytes(1)[0]! % 50), randomBytes(1)[0]! % 256];
    const candidate = `10.${second}.${third}`;
    if (!prefixes.some((prefix) => overlaps(prefix, `${candidate}.0/24`))) return candidate;
  }
  throw new Error("no free 10.200-249.x.0/24 subnet found for the namespace lab");
}

function overlaps(a: string, b: string): boolean {
  const [addressA, lengthA] = parsePrefix(a);
  const [addressB, lengthB] = parsePrefix(b);
  const length = Math.min(lengthA, lengthB);
  const mask = length === 0 ? 0 : (~0 << (32 - length)) >>> 0;
  return ((addressA & mask) >>> 0) === ((addressB & mask) >>> 0);
}

function parsePrefix(prefix: string): [number, number] {
  const [address, length] = prefix.split("/");
  const value = address!.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
  return [value >>> 0, length === undefined ? 32 : Number(length)];
}

function listNamespaces(): string[] {
  const out = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  return out.split("\n").map((line) => line.split(" ")[0]!).filter((name) => name.startsWith(NS_PREFIX));
}

function listLinks(): string[] {
  const links = JSON.parse(execFileSync("ip", ["-j", "link", "show"], { encoding: "utf8" })) as Array<{ ifname: string }>;
  return links.map((link) => link.ifname);
}


function ip(args: string[]): void {
  try {
    execFileSync("ip", args, { stdio: "pipe" });
  } catch (error) {
    throw new Error(`ip ${args.join(" ")}: ${stderrOf(error)}`);
  }
}

/** Cleanup: whatever is already gone stays gone. */
function quietly(args: string[]): void {
  try {
    execFileSync("ip", args, { stdio: "pipe" });
  } catch {
    // Already removed.
  }
}

function stderrOf(error: unknown): string {
  const stderr = (error as { stderr?: Buffer | string }).stderr;
  const text = stderr === undefined ? "" : String(stderr).trim();
  return text === "" ? (error as Error).message : text;
}
