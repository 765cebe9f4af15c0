import { execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "@upstash/redis";
import { afterAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { freePort } from "../../dev/ports.ts";
import { commandLine, descendantsOf } from "../../dev/process-tree.ts";
import { HealthReport } from "../../shared/health.ts";
import { allGone, isolatedDevEnv, killAllDevStacks, runDev } from "../helpers/dev-stack.ts";
import { stopAll, tempDir } from "../helpers/processes.ts";

/** A PATH holding only node, npm and sh (and `extra`), as on a machine where redis-server was never installed. */
function barePath(extra: Record<string, string> = {}): string {
  const bin = tempDir("groupsync-path-");
  chmodSync(bin, 0o755);
  symlinkSync(process.execPath, join(bin, "node"));
  const npm = execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim();
  symlinkSync(realpathSync(npm), join(bin, "npm"));
  symlinkSync("/bin/sh", join(bin, "sh")); // npm runs scripts with sh
  for (const [name, target] of Object.entries(extra)) symlinkSync(target, join(bin, name));
  return bin;
}

afterAll(async () => {
  killAllDevStacks();
  await stopAll();
});

describe("npm run dev", () => {
  it("brings up Redis, the gateway and the worker; refuses a second stack on its folder; SIGTERM stops all; data survives a restart", async () => {
    const env = await isolatedDevEnv();
    const first = runDev(env);
    const t0 = Date.now();
    await first.ready;
    expect(Date.now() - t0).toBeLessThan(30_000);
    const said = first.said().join("\n");
    expect(said).toContain(`worker on http://127.0.0.1:${env.PORT}`);
    expect(said).toContain(`cron triggers "* * * * *" fire the worker's scheduled handler`);
    expect(said).not.toContain("installing"); // redis-server is there: nothing to install
    // wrangler's warning that crons do not fire locally is false here, so it is not shown.
    expect(first.lines.join("\n")).not.toContain("Scheduled Workers are not automatically triggered");

    const health = await fetch(`http://127.0.0.1:${env.PORT}/health`);
    expect(health.status).toBe(200);
    expect(HealthReport.parse(await health.json()).checks.redis!.ok).toBe(true);

    // The live feed's WebSocket works through the stack's public port too.
    const socket = new WebSocket(`ws://127.0.0.1:${env.PORT}/ws`);
    const hello = await new Promise<{ type: string; team: string }>((resolve, reject) => {
      socket.once("message", (data) => resolve(JSON.parse(String(data))));
      socket.once("error", reject);
    });
    expect(hello).toMatchObject({ type: "hello", team: "local" });
    socket.close();

    // Every process of the stack, workerd included, is a descendant of the dev runner.
    const tree = descendantsOf(first.child.pid!);
    const commands = tree.map(commandLine).join("\n");
    expect(commands).toContain("redis-server");
    expect(commands).toContain("gateway/main.ts");
    expect(commands).toContain("workerd");

    // A second stack on the same data folder (other ports) is refused and touches nothing.
    const second = runDev({ ...env, PORT: String(await freePort()), GATEWAY_PORT: String(await freePort()), REDIS_PORT: String(await freePort()) });
    expect(await second.exited).toBe(1);
    expect(second.said()).toHaveLength(1);
    expect(second.said()[0]).toContain(`a stack is already running on http://127.0.0.1:${env.PORT} with this data folder (${env.GROUPSYNC_DATA_DIR}`);
    expect(second.said()[0]).toContain("GROUPSYNC_DATA_DIR=");
    expect(descendantsOf(first.child.pid!).sort()).toEqual(tree.sort());
    expect((await fetch(`http://127.0.0.1:${env.PORT}/health`)).status).toBe(200);

    // An acknowledged write through the gateway...
    const redis = new Redis({ url: `http://127.0.0.1:${env.GATEWAY_PORT}`, token: env.GATEWAY_TOKEN!, retry: false });
    expect(await redis.set("dev:durable", { ok: "✓" })).toBe("OK");

    // SIGTERM to npm (which does not relay it): the stack notices its parent is gone and stops.
    first.child.kill("SIGTERM");
    expect(await allGone(tree)).toEqual([]);
    await expect.poll(() => first.lines.join("\n")).toContain("stopped; nothing left running");

    // ...is still there when the stack comes back on the same data directory.
    const third = runDev(env);
    await third.ready;
    expect(third.said().join("\n")).not.toContain("leftovers"); // a clean stop leaves none
    expect(await redis.get("dev:durable")).toEqual({ ok: "✓" });
    // Ctrl-C in a terminal: SIGINT to the whole foreground process group.
    const thirdTree = descendantsOf(third.child.pid!);
    process.kill(-third.child.pid!, "SIGINT");
    expect(await allGone(thirdTree)).toEqual([]);
    await expect.poll(() => third.lines.join("\n")).toContain("stopped; nothing left running");
  });

  it("locks its Redis down: a password for local processes, no admin commands for the gateway's token, files for its user alone", async () => {
    const env = await isolatedDevEnv();
    const stack = runDev(env);
    await stack.ready;
    // Another local process without the password is refused.
    const anonymous = spawnSync("redis-cli", ["-p", env.REDIS_PORT!, "DBSIZE"], { encoding: "utf8" });
    expect(anonymous.stdout + anonymous.stderr).toContain("NOAUTH");
    // The developer has the password, in a file only they can read.
    const usersFile = join(env.GROUPSYNC_DATA_DIR!, "redis-users.json");
    const { adminPassword } = JSON.parse(readFileSync(usersFile, "utf8")) as { adminPassword: string };
    const admin = spawnSync("redis-cli", ["-p", env.REDIS_PORT!, "--no-auth-warning", "--user", "default", "--pass", adminPassword, "DBSIZE"], { encoding: "utf8" });
    expect(admin.stdout.trim()).toMatch(/^\d+$/);
    // The gateway's own Redis user cannot wipe the scripts other clients rely on, even with its password.
    const { gatewayPassword } = JSON.parse(readFileSync(usersFile, "utf8")) as { gatewayPassword: string };
    for (const command of [["SCRIPT", "FLUSH"], ["FUNCTION", "FLUSH"], ["FLUSHALL"]]) {
      const refused = spawnSync("redis-cli", ["-p", env.REDIS_PORT!, "--no-auth-warning", "--user", "gateway", "--pass", gatewayPassword, ...command], { encoding: "utf8" });
      expect(refused.stdout + refused.stderr, command.join(" ")).toContain("NOPERM");
    }

    // The gateway's token runs data commands, and no server administration, not even from Lua.
    const gateway = async (command: unknown[]) => {
      const answer = await fetch(`http://127.0.0.1:${env.GATEWAY_PORT}/`, { method: "POST", headers: { authorization: `Bearer ${env.GATEWAY_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(command) });
      return { status: answer.status, body: (await answer.json()) as { result?: unknown; error?: string } };
    };
    expect(await gateway(["SET", "dev:lock", "1"])).toEqual({ status: 200, body: { result: "OK" } });
    for (const command of [["FLUSHALL"], ["FLUSHDB"], ["CONFIG", "SET", "appendonly", "no"], ["SHUTDOWN", "NOSAVE"], ["KEYS", "*"], ["CLIENT", "KILL", "127.0.0.1:1"], ["DEBUG", "SLEEP", "0"], ["SAVE"], ["ACL", "LIST"]]) {
      const refused = await gateway(command);
      expect(refused.status, command.join(" ")).toBe(400);
      expect(refused.body.error).toContain(`not allowed through the gateway: '${command[0]}'`);
    }
    for (const script of ["return redis.call('FLUSHALL')", "return redis.call('CONFIG', 'SET', 'appendonly', 'no')", "return redis.call('KEYS', '*')"]) {
      const refused = await gateway(["EVAL", script, "0"]);
      expect(refused.status, script).toBe(400);
      // Refused before Redis sees it (only GroupSync's own scripts run); the ACL would refuse it inside too.
      expect(refused.body.error, script).toMatch(/Script is not allowed through the gateway|user executing the script can't run this command|not allowed from script/);
    }
    expect(await gateway(["GET", "dev:lock"])).toEqual({ status: 200, body: { result: "1" } });

    // Every folder and file under the data folder is the stack's user's alone.
    const exposed = [env.GROUPSYNC_DATA_DIR!, ...readdirSync(env.GROUPSYNC_DATA_DIR!, { recursive: true, encoding: "utf8" }).map((entry) => join(env.GROUPSYNC_DATA_DIR!, entry))]
      .filter((path) => (statSync(path).mode & 0o077) !== 0)
      .map((path) => `${path} ${(statSync(path).mode & 0o777).toString(8)}`);
    expect(exposed).toEqual([]);
    expect(readdirSync(join(env.GROUPSYNC_DATA_DIR!, "wrangler"), { recursive: true, encoding: "utf8" }).some((entry) => entry.endsWith(".sqlite"))).toBe(true);
    process.kill(-stack.child.pid!, "SIGINT");
    await stack.exited;
  });

  it("leaves nothing running when Ctrl-C comes while it is still starting", async () => {
    for (const after of ["redis-server on", "Upstash gateway on"]) {
      const stack = runDev(await isolatedDevEnv());
      await expect.poll(() => stack.said().some((line) => line.includes(after)), { timeout: 30_000 }).toBe(true);
      const seen = new Set(descendantsOf(stack.child.pid!));
      process.kill(-stack.child.pid!, "SIGINT");
      // Whatever it spawns until it exits counts too (wrangler starts workerd a moment later).
      while (stack.child.exitCode === null && stack.child.signalCode === null) {
        for (const pid of descendantsOf(stack.child.pid!)) seen.add(pid);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await allGone([...seen], 10_000), `Ctrl-C after "${after}"`).toEqual([]);
    }
  });

  it("never kills a process whose pid a stale record names after the pid was reused", async () => {
    const env = await isolatedDevEnv();
    const bystander = spawn("sleep", ["300"], { detached: true, stdio: "ignore" });
    const record = {
      supervisorPid: 4_000_000,
      supervisorStartTime: "1",
      url: "http://127.0.0.1:1",
      dataDir: env.GROUPSYNC_DATA_DIR,
      startedAt: "2026-01-01T00:00:00.000Z",
      children: [{ name: "redis-server", pid: bystander.pid!, startTime: "1" }],
    };
    writeFileSync(join(env.GROUPSYNC_DATA_DIR!, "dev-stack.json"), JSON.stringify(record));
    const stack = runDev(env);
    await stack.ready;
    expect(stack.said().join("\n")).not.toContain("leftovers");
    expect(bystander.exitCode === null && bystander.signalCode === null).toBe(true);
    bystander.kill("SIGKILL");
    process.kill(-stack.child.pid!, "SIGINT");
    await stack.exited;
  });

  it("says in one line how to install redis-server when it is missing and apt-get is not there", async () => {
    const stack = runDev({ PATH: barePath(), PORT: String(await freePort()), GROUPSYNC_DATA_DIR: tempDir() });
    expect(await stack.exited).toBe(1);
    expect(stack.said()).toEqual([
      "groupsync dev: redis-server is not installed; install with: sudo apt-get install -y redis-server (macOS: brew install redis)",
    ]);
  });

  it("does not install anything for a user who is not root and has no sudo: one line instead", async () => {
    const home = tempDir("groupsync-home-");
    chmodSync(home, 0o777);
    const dataDir = tempDir();
    chmodSync(dataDir, 0o777);
    const path = barePath({ "apt-get": "/usr/bin/apt-get" });
    const stack = runDev(
      { PORT: String(await freePort()), GROUPSYNC_DATA_DIR: dataDir },
      { command: "runuser", args: ["-u", "nobody", "--", "env", `PATH=${path}`, `HOME=${home}`, "npm", "run", "--silent", "dev"] },
    );
    expect(await stack.exited).toBe(1);
    expect(stack.said()).toEqual([
      "groupsync dev: redis-server is not installed; install with: sudo apt-get install -y redis-server (macOS: brew install redis)",
    ]);
  });

  it("installs a missing redis-server with apt-get when it runs as root, saying so in one line", async () => {
    // apt-get here is a stand-in that records how it was called and "installs" the real
    // redis-server into PATH: what is under test is the stack's decision and what it runs.
    const log = join(tempDir(), "apt-get.log");
    const path = barePath();
    const fakeAptGet = join(path, "apt-get");
    writeFileSync(fakeAptGet, `#!/bin/sh\necho "$@" >> ${log}\ncase " $* " in *" install "*) /bin/ln -sf /usr/bin/redis-server ${path}/redis-server;; esac\n`, { mode: 0o755 });
    const stack = runDev({ ...(await isolatedDevEnv()), PATH: path });
    await stack.ready;
    expect(stack.said()[0]).toBe("groupsync dev: installing redis-server from Debian's packages (apt-get install -y redis-server)");
    expect(readFileSync(log, "utf8").trim().split("\n")).toEqual(["install -y -qq --no-install-recommends redis-server"]);
    const tree = descendantsOf(stack.child.pid!);
    process.kill(-stack.child.pid!, "SIGINT");
    expect(await allGone(tree)).toEqual([]);
  });

  it("refuses a data folder it cannot use, and a bad port setting, in one line each", async () => {
    const file = join(tempDir(), "not-a-folder");
    writeFileSync(file, "");
    const onAFile = runDev({ ...(await isolatedDevEnv()), GROUPSYNC_DATA_DIR: file });
    expect(await onAFile.exited).toBe(1);
    expect(onAFile.said()).toEqual([`groupsync dev: cannot use ${file} as the data folder (GROUPSYNC_DATA_DIR): EEXIST; choose a folder you can write`]);
    const badPort = runDev({ ...(await isolatedDevEnv()), PORT: "abc" });
    expect(await badPort.exited).toBe(1);
    expect(badPort.said()).toEqual(['groupsync dev: PORT must be a port number, got "abc"']);
  });

  it("refuses a port that is taken, naming the setting that moves it", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => blocker.once("listening", resolve));
    const taken = (blocker.address() as { port: number }).port;
    const stack = runDev({ ...(await isolatedDevEnv()), PORT: String(taken) });
    expect(await stack.exited).toBe(1);
    expect(stack.lines.join("\n")).toContain(`port ${taken} is already in use; free it or choose another with PORT=`);
    blocker.close();
  });
});
