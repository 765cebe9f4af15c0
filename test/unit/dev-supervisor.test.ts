import { describe, expect, it } from "vitest";
import { cronsOfWranglerToml, parseCron } from "../../dev/cron.ts";
import { RestartBudget } from "../../dev/restart-budget.ts";
import { classifyStack, type StackRecord } from "../../dev/stack-state.ts";
import { CHROMIUM, FAKETIME, planInstall, REDIS_SERVER } from "../../dev/system-packages.ts";
import { quietWranglerOutput } from "../../dev/wrangler-dev.ts";

describe("planInstall", () => {
  it("does nothing when nothing is missing", () => {
    expect(planInstall([], "root", true)).toEqual({ kind: "nothing" });
  });

  it("installs from Debian's packages as root or with sudo, announcing it in one line", () => {
    for (const installer of ["root", "sudo"] as const) {
      expect(planInstall([REDIS_SERVER, CHROMIUM, FAKETIME], installer, true)).toEqual({
        kind: "install",
        packages: ["redis-server", "chromium", "faketime"],
        announce: "installing redis-server, chromium, faketime from Debian's packages (apt-get install -y redis-server chromium faketime)",
      });
    }
  });

  it("names the exact command, and the macOS one, when it may not install or there is no apt-get", () => {
    const refusal = {
      kind: "refuse",
      message: "redis-server is not installed; install with: sudo apt-get install -y redis-server (macOS: brew install redis)",
    };
    expect(planInstall([REDIS_SERVER], "none", true)).toEqual(refusal);
    expect(planInstall([REDIS_SERVER], "root", false)).toEqual(refusal);
    expect(planInstall([CHROMIUM, FAKETIME], "none", true)).toEqual({
      kind: "refuse",
      message: "chromium, faketime are not installed; install with: sudo apt-get install -y chromium faketime (macOS: brew install --cask chromium && brew install libfaketime)",
    });
  });
});

describe("RestartBudget", () => {
  it("allows maxRestarts crashes within the window, then refuses, and forgets crashes that left it", () => {
    let now = 0;
    const budget = new RestartBudget(3, 60_000, () => now);
    expect([budget.allowRestart(), budget.allowRestart(), budget.allowRestart()]).toEqual([true, true, true]);
    expect(budget.allowRestart()).toBe(false);
    expect(budget.recentCrashes).toBe(4);
    now = 60_000; // those crashes are a minute old now: only this one counts
    expect(budget.allowRestart()).toBe(true);
    expect(budget.recentCrashes).toBe(1);
  });
});

describe("classifyStack", () => {
  const record: StackRecord = {
    supervisorPid: 100,
    supervisorStartTime: "5000",
    url: "http://127.0.0.1:8787",
    dataDir: "/data",
    startedAt: "2026-12-01T00:00:00.000Z",
    children: [
      { name: "redis-server", pid: 101, startTime: "5001" },
      { name: "gateway", pid: 102, startTime: "5002" },
      { name: "worker", pid: 103, startTime: "5003" },
    ],
  };

  it("is live while its supervisor runs, whatever its children do", () => {
    expect(classifyStack(record, { isSupervisor: (r) => r.supervisorPid === 100, isOurGroup: () => false })).toEqual({ kind: "live", record });
  });

  it("is leftovers when the supervisor is gone but some children are not", () => {
    expect(classifyStack(record, { isSupervisor: () => false, isOurGroup: (child) => child.pid !== 102 })).toEqual({ kind: "leftovers", record, groups: [101, 103] });
  });

  it("is nothing when everything it names is gone, or there is no record", () => {
    expect(classifyStack(record, { isSupervisor: () => false, isOurGroup: () => false })).toEqual({ kind: "none" });
    expect(classifyStack(null, { isSupervisor: () => true, isOurGroup: () => true })).toEqual({ kind: "none" });
  });
});

describe("parseCron", () => {
  const at = (iso: string) => new Date(iso);

  it("matches every minute for * * * * *", () => {
    const cron = parseCron("* * * * *");
    expect(cron.matches(at("2026-12-01T10:00:00Z"))).toBe(true);
    expect(cron.matches(at("2026-12-31T23:59:00Z"))).toBe(true);
  });

  it("reads steps, ranges, lists and names in UTC", () => {
    const cron = parseCron("*/15 9-17 * * MON-FRI");
    expect(cron.matches(at("2026-12-01T09:45:00Z"))).toBe(true); // a Tuesday
    expect(cron.matches(at("2026-12-01T09:50:00Z"))).toBe(false);
    expect(cron.matches(at("2026-12-01T18:00:00Z"))).toBe(false);
    expect(cron.matches(at("2026-12-06T10:00:00Z"))).toBe(false); // a Sunday
    expect(parseCron("0 0 1 JAN,JUL *").matches(at("2026-07-01T00:00:00Z"))).toBe(true);
    expect(parseCron("0 0 * * 7").matches(at("2026-12-06T00:00:00Z"))).toBe(true); // 7 is Sunday too
  });

  it("matches either day field when both are restricted, as cron does", () => {
    const cron = parseCron("0 12 1 * MON");
    expect(cron.matches(at("2026-12-01T12:00:00Z"))).toBe(true); // the 1st (a Tuesday)
    expect(cron.matches(at("2026-12-07T12:00:00Z"))).toBe(true); // a Monday
    expect(cron.matches(at("2026-12-08T12:00:00Z"))).toBe(false);
  });

  it("refuses what it cannot read, naming the field", () => {
    expect(() => parseCron("* * * *")).toThrow(/expected 5 fields/);
    expect(() => parseCron("61 * * * *")).toThrow(/minute "61": 61 is outside 0-59/);
    expect(() => parseCron("* * L * *")).toThrow(/day of month "L"/);
    expect(() => parseCron("*/0 * * * *")).toThrow(/step "0"/);
    expect(() => parseCron("* 5-2 * * *")).toThrow(/runs backwards/);
  });
});

describe("cronsOfWranglerToml", () => {
  it("reads the crons of [triggers]", () => {
    expect(cronsOfWranglerToml('name = "x"\n[triggers]\ncrons = ["* * * * *", "0 3 * * *"]\n[vars]\nA = "1"\n')).toEqual(["* * * * *", "0 3 * * *"]);
    expect(cronsOfWranglerToml('name = "x"\n[vars]\ncrons = ["* * * * *"]\n')).toEqual([]);
  });
});

describe("quietWranglerOutput", () => {
  it("drops the local-cron warning, the supervisor's HEAD probes, colours and blank lines; keeps the rest", () => {
    const kept: string[] = [];
    const feed = quietWranglerOutput((line) => kept.push(line));
    for (const line of [
      "\x1b[33m▲ \x1b[43;33m[\x1b[43;30mWARNING\x1b[43;33m]\x1b[0m \x1b[1mScheduled Workers are not automatically triggered during local development.\x1b[0m",
      "",
      "  To manually trigger a scheduled event, run:",
      '    curl "http://127.0.0.1:8787/cdn-cgi/local/scheduled"',
      "  For more details, see https://developers.cloudflare.com/workers/configuration/cron-triggers/#test-cron-triggers-locally",
      "",
      "[wrangler:info] Ready on http://127.0.0.1:8787",
      "[wrangler:info] HEAD /ping 200 OK (3ms)",
      "[wrangler:info] GET /ping 200 OK (3ms)",
      "\x1b[31mX [ERROR]\x1b[0m something broke",
    ]) feed(line);
    expect(kept).toEqual(["[wrangler:info] Ready on http://127.0.0.1:8787", "[wrangler:info] GET /ping 200 OK (3ms)", "X [ERROR] something broke"]);
  });
});
