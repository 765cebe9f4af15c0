import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeEverything, launchBrowser, openDashboard, openLive, newMemberContext, screenshot, TIME_ZONE } from "./browser.ts";
import { startStack, type TestStack } from "./stack.ts";
import { seriousViolations } from "./axe.ts";
// The panel's own window rules, so the test asks the API for the same day the page shows.
// @ts-ignore: plain JS module, typed by JSDoc for the dashboard's own check
import { minutesOf, roundsAndMinutes, todayWindow, weekWindow } from "../../dashboard/public/lib/focus-panel.js";

/**
 * Goals with key results, states and check-ins, the focus panel, and phase notifications, in
 * headless Chromium against the real stack (redis-server, gateway, worker under wrangler dev).
 */

let browser: Browser;
let stack: TestStack;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [browser, stack] = await Promise.all([launchBrowser(), startStack({ openTeam: "open" })]);
});

afterEach(async () => {
  await fetch(`${stack.url}/pomo/stop`, { method: "POST" });
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});

afterAll(async () => {
  await closeEverything(browser, contexts);
});

async function api<T = any>(method: string, path: string, body?: object, headers: Record<string, string> = {}): Promise<{ status: number; data: T }> {
  const res = await fetch(`${stack.url}${path}`, { method, headers: { "content-type": "application/json", ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, data: (await res.json()) as T };
}

function card(page: Page, title: string) {
  return page.locator(".goal", { has: page.locator(".goal-title", { hasText: title }) });
}

describe("the timer strip's goal", () => {
  it("starts a session for the goal picked beside Start, names it in the strip on every page, and offers only open goals", async () => {
    expect((await api("POST", "/goals", { id: "ship-v2", title: "Ship v2" })).status).toBe(201);
    expect((await api("POST", "/goals", { id: "old-one", title: "Old one", state: "dropped" })).status).toBe(201);
    const a = await openLive(browser, stack.url, contexts, { bypassCSP: true });
    const b = await openLive(browser, stack.url, contexts);
    const picker = a.page.getByLabel("For", { exact: true });
    await expect.poll(async () => (await picker.locator("option").allTextContents()).includes("Ship v2")).toBe(true);
    expect(await picker.locator("option").allTextContents()).not.toContain("Old one");
    expect(await a.page.locator("#timer-goal-line").isVisible()).toBe(false);
    await picker.selectOption({ label: "Ship v2" });
    await a.page.locator('[data-timer-action="start"]').click();
    for (const page of [a.page, b.page]) await expect.poll(() => page.locator("#timer-goal-line").textContent(), { timeout: 5000 }).toBe("Focus on Ship v2");
    expect((await api("GET", "/pomo/state")).data.goal).toBe("ship-v2");
    const violations = await seriousViolations(a.page);
    expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
    await screenshot(a.page, "timer-goal", "#timer");
    await a.page.locator('[data-timer-action="stop"]').click();
    await expect.poll(() => a.page.locator("#timer-goal-line").isVisible()).toBe(false);
    // Start with no goal picked: a session for nothing in particular.
    await picker.selectOption({ label: "no goal" });
    await a.page.locator('[data-timer-action="start"]').click();
    await expect.poll(async () => (await api("GET", "/pomo/state")).data.phase).toBe("focus");
    expect((await api("GET", "/pomo/state")).data.goal ?? null).toBe(null);
    expect(await a.page.locator("#timer-goal-line").isVisible()).toBe(false);
    // The board's tests count the goals: these two leave with the test.
    for (const id of ["ship-v2", "old-one"]) expect((await fetch(`${stack.url}/goals/${id}`, { method: "DELETE" })).status).toBe(204);
  });
});

describe("goals with key results and check-ins", () => {
  it("shows key results in their units, checks in through the form (seen live in another page), refuses a stale one, and pages the history", async () => {
    const created = await api("POST", "/goals", { id: "launch", title: "Launch v2", key_results: [
      { title: "Signups", metric: "number", start: 0, target: 200, weight: 2 },
      { title: "Churn", metric: "percent", start: 10, target: 4 },
      { title: "Revenue", metric: "currency", currency: "EUR", target: 10000 },
      { title: "Docs written", metric: "done" },
    ] });
    expect(created.status).toBe(201);
    const a = await openLive(browser, stack.url, contexts);
    const b = await openLive(browser, stack.url, contexts);
    const inA = card(a.page, "Launch v2"), inB = card(b.page, "Launch v2");
    await inA.waitFor({ timeout: 5000 });
    expect(await inA.locator(".kr-value").allTextContents()).toEqual(["0 / 200", "10% / 4%", "€0.00 / €10,000.00", "not done"]);
    // Progress is computed from the key results: no input for it.
    expect(await inA.getByLabel("Progress (%)").count()).toBe(0);

    await inA.getByRole("button", { name: "Check in" }).click();
    const form = a.page.locator(".check-in-form");
    // A value the metric refuses: named by the key result's title, nothing kept.
    await form.getByLabel("Churn (%)").fill("150");
    await form.getByRole("button", { name: "Save check-in" }).click();
    await expect.poll(() => form.getByRole("alert").textContent(), { timeout: 5000 }).toMatch(/^Not saved: “Churn”: must be from 0 to 100/);
    expect((await api("GET", "/goals/launch/check-ins")).data.check_ins).toHaveLength(0);
    await form.getByLabel("Churn (%)").fill("10");
    await form.getByLabel("At risk").check();
    await form.getByLabel("Note").fill("signups slow");
    await form.getByLabel("Signups").fill("100");
    await form.getByLabel("Docs written done").check();
    await form.getByRole("button", { name: "Save check-in" }).click();

    await expect.poll(() => inB.locator(".health-badge").textContent(), { timeout: 5000 }).toBe("Health: At risk");
    const goal = (await api("GET", "/goals/launch")).data;
    expect(goal).toMatchObject({ health: "at_risk" });
    expect(goal.key_results.map((kr: { current: number }) => kr.current)).toEqual([100, 10, 0, 1]);
    expect(await inB.locator(".kr-value").allTextContents()).toEqual(["100 / 200", "10% / 4%", "€0.00 / €10,000.00", "✓ done"]);
    expect(await inB.locator(".progress-value").textContent()).toBe(`${goal.progress}%`);

    // Someone changes the goal while the form is open: the check-in is refused and said so, nothing kept.
    await inA.getByRole("button", { name: "Check in" }).click();
    await form.getByLabel("Off track").check();
    expect((await api("PATCH", "/goals/launch", { description: "changed meanwhile" })).status).toBe(200);
    await form.getByRole("button", { name: "Save check-in" }).click();
    await expect.poll(() => form.getByRole("alert").textContent(), { timeout: 5000 }).toMatch(/^Not saved: someone changed this goal meanwhile/);
    expect((await api("GET", "/goals/launch/check-ins")).data.check_ins).toHaveLength(1);
    await form.getByRole("button", { name: "Save check-in" }).click();
    await expect.poll(() => inB.locator(".health-badge").textContent(), { timeout: 5000 }).toBe("Health: Off track");

    for (const health of ["on_track", "at_risk"]) expect((await api("POST", "/goals/launch/check-ins", { health, note: `from the API: ${health}` })).status).toBe(201);
    await inB.getByRole("button", { name: "Check in" }).click();
    const history = b.page.locator(".check-in-history .check-in");
    await expect.poll(() => history.count(), { timeout: 5000 }).toBe(3);
    expect(await history.first().textContent()).toContain("from the API: at_risk");
    await screenshot(b.page, "goal-check-in", ".goal:has(.check-in-form)");
    await b.page.getByRole("button", { name: "Show more" }).click();
    await expect.poll(() => history.count(), { timeout: 5000 }).toBe(4);
    expect(await history.last().textContent()).toContain("signups slow");
    expect(await b.page.getByRole("button", { name: "Show more" }).isVisible()).toBe(false);
    await b.page.locator(".check-in-form").getByRole("button", { name: "Cancel" }).click();
    await screenshot(a.page, "goals-key-results", "#goals");
    expect([...a.errors, ...b.errors].filter((error) => !/status of (400|412)/.test(error))).toEqual([]);
  });

  it("sorts goals by state, keeps missed and dropped in the Closed group, and closes and reopens through the card", async () => {
    for (const [title, state] of [["Open one", "open"], ["Won one", "achieved"], ["Missed one", "missed"], ["Dropped one", "dropped"]]) {
      expect((await api("POST", "/goals", { title, state, progress: state === "achieved" ? 100 : 30 })).status).toBe(201);
    }
    const { page, errors } = await openLive(browser, stack.url, contexts);
    await card(page, "Dropped one").waitFor({ state: "attached", timeout: 5000 });
    const column = (name: string) => page.locator(`.goal-list[data-column="${name}"] .goal-title`);
    expect(await column("closed").allTextContents()).toEqual(["Missed one", "Dropped one"]);
    expect(await column("done").allTextContents()).toContain("✓ Won one");
    expect(await column("doing").allTextContents()).toContain("Open one");
    expect(await page.locator('[data-count="closed"]').textContent()).toBe("2");
    // Collapsed until opened; each says how it closed in words.
    expect(await card(page, "Missed one").isVisible()).toBe(false);
    await page.locator("#goals-closed summary").click();
    expect(await card(page, "Missed one").locator(".state-badge").textContent()).toBe("Missed");

    await card(page, "Open one").getByRole("button", { name: "Mark missed" }).click();
    await expect.poll(() => column("closed").allTextContents(), { timeout: 5000 }).toContain("Open one");
    expect((await api("GET", "/goals")).data.goals.find((g: { title: string }) => g.title === "Open one")).toMatchObject({ state: "missed", progress: 30 });
    await screenshot(page, "goals-closed-group", "#goals");
    await card(page, "Open one").getByRole("button", { name: "Reopen" }).click();
    await expect.poll(() => column("doing").allTextContents(), { timeout: 5000 }).toContain("Open one");
    expect((await api("GET", "/goals")).data.goals.find((g: { title: string }) => g.title === "Open one")).toMatchObject({ state: "open" });
    expect(errors).toEqual([]);
  });
});

describe("the focus panel", () => {
  it("shows today's rounds per member, the week's days and minutes per goal as the API counts them, live on focus.completed", async () => {
    const { page, errors } = await openLive(browser, stack.url, contexts);
    await page.locator("#focus-today li").first().waitFor({ timeout: 5000 });
    const before = (await api("GET", `/focus/sessions?limit=500`)).data.sessions.length;
    expect((await api("POST", "/pomo/start", { focus_minutes: 25 })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await api("POST", "/pomo/skip")).status).toBe(200);
    await expect.poll(async () => (await api("GET", `/focus/sessions?limit=500`)).data.sessions.length, { timeout: 5000 }).toBe(before + 1);

    const day = todayWindow(Date.now(), TIME_ZONE);
    const stats = (await api("GET", `/focus/stats?from=${day.from}&to=${day.to}&group_by=member`)).data;
    expect(stats.groups.length).toBeGreaterThan(0);
    const expected = stats.groups.map((g: { key: string; rounds: number; focus_minutes: number }) => `${g.key}${roundsAndMinutes(g.rounds, g.focus_minutes)}`);
    await expect.poll(() => page.locator("#focus-today li").allTextContents(), { timeout: 5000 }).toEqual(expected);

    const todayRounds = (await api("GET", `/focus/sessions?from=${day.from}&to=${day.to}&limit=500`)).data.sessions as Array<{ actual_ms: number }>;
    const todayCell = page.locator("#focus-week tbody tr").first().locator("td[data-today]");
    expect(await todayCell.textContent()).toBe(String(minutesOf(todayRounds.reduce((sum, round) => sum + round.actual_ms, 0))));
    expect(await page.locator("#focus-week tbody tr").nth(1).locator("td[data-today]").textContent()).toBe(String(todayRounds.length));

    const week = weekWindow(Date.now(), TIME_ZONE);
    const byGoal = (await api("GET", `/focus/stats?from=${week.from}&to=${week.to}&group_by=goal`)).data;
    const noGoal = byGoal.groups.find((g: { key: string | null }) => g.key === null);
    expect(await page.locator("#focus-goals li").first().textContent()).toBe(`No goal${roundsAndMinutes(noGoal.rounds, noGoal.focus_minutes)}`);
    await page.locator("#focus").scrollIntoViewIfNeeded();
    await screenshot(page, "focus-panel", "#focus");
    expect(errors).toEqual([]);
  });
});

/**
 * Records every Notification the page makes, in window.__notifications. It records; it does not
 * replace behaviour: the real Notification is still constructed (a subclass calls it).
 */
const RECORD_NOTIFICATIONS = () => {
  const Real = window.Notification;
  const calls: Array<{ title: string; body: string | undefined }> = [];
  (window as unknown as { __notifications: typeof calls }).__notifications = calls;
  (window as unknown as { __permissionAsked: number }).__permissionAsked = 0;
  class Recorded extends Real {
    constructor(title: string, options?: NotificationOptions) {
      super(title, options);
      calls.push({ title, body: options?.body });
    }
    static override get permission() { return Real.permission; }
    static override requestPermission(...args: Parameters<typeof Notification.requestPermission>) {
      (window as unknown as { __permissionAsked: number }).__permissionAsked++;
      return Real.requestPermission(...args);
    }
  }
  window.Notification = Recorded;
};

async function notifications(page: Page): Promise<Array<{ title: string; body: string }>> {
  return page.evaluate(() => (window as unknown as { __notifications: Array<{ title: string; body: string }> }).__notifications);
}

/**
 * The page in the background as the browser sees it: another page of its context in front.
 * Playwright tells every page it has focus (focus emulation); turned off here, so it does not.
 */
async function sendToBackground(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page);
  await cdp.send("Emulation.setFocusEmulationEnabled", { enabled: false });
  const other = await context.newPage();
  await other.bringToFront();
  await expect.poll(() => page.evaluate(() => document.hasFocus())).toBe(false);
}

describe("phase notifications", () => {
  it("with permission: one at each phase change while the page is in the background, none in front, none when muted", async () => {
    const context = await newMemberContext(browser);
    contexts.push(context);
    await context.grantPermissions(["notifications"], { origin: stack.url });
    await context.addInitScript(RECORD_NOTIFICATIONS);
    const { page, errors } = await openDashboard(context, stack.url);
    await page.locator('#connection[data-status="live"]').waitFor({ timeout: 15_000 });
    expect(await page.locator("#notify-button").isVisible()).toBe(false);
    expect(await page.locator("#notify-status").textContent()).toMatch(/^Phase notifications are on/);

    const phase = (name: string) => expect.poll(() => page.locator("#timer-phase").getAttribute("data-phase"), { timeout: 5000 }).toBe(name);
    expect((await api("POST", "/pomo/start", { focus_minutes: 25 })).status).toBe(200);
    await phase("focus");
    // In front and focused: the strip shows it, no notification.
    expect(await page.evaluate(() => document.visibilityState === "visible" && document.hasFocus())).toBe(true);
    await api("POST", "/pomo/skip");
    await phase("short_break");
    expect(await notifications(page)).toEqual([]);
    await api("POST", "/pomo/skip");
    await phase("focus");
    await sendToBackground(context, page);
    await api("POST", "/pomo/skip");
    await phase("short_break");
    await expect.poll(() => notifications(page), { timeout: 5000 }).toEqual([{ title: "Focus over: time for a break", body: "A 5-minute break starts now." }]);
    await api("POST", "/pomo/skip");
    await phase("focus");
    await expect.poll(() => notifications(page).then((calls) => calls.at(-1)), { timeout: 5000 }).toEqual({ title: "Break over: back to focus", body: "A 25-minute focus round starts now." });

    // Muted: the sound switch silences the notifications too.
    await page.locator("#mute-switch").click();
    expect(await page.locator("#mute-switch").getAttribute("aria-checked")).toBe("false");
    const count = (await notifications(page)).length;
    await api("POST", "/pomo/skip");
    await phase("short_break");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await notifications(page)).toHaveLength(count);
    expect(errors).toEqual([]);
  });

  it("without permission: never asks on load, offers a button, and makes no notification", async () => {
    const context = await newMemberContext(browser);
    contexts.push(context);
    await context.addInitScript(RECORD_NOTIFICATIONS);
    const { page, errors } = await openDashboard(context, stack.url);
    await page.locator('#connection[data-status="live"]').waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => (window as unknown as { __permissionAsked: number }).__permissionAsked)).toBe(0);
    expect(await page.getByRole("button", { name: "Turn on notifications" }).isVisible()).toBe(true);
    await sendToBackground(context, page);
    expect((await api("POST", "/pomo/start", { focus_minutes: 25 })).status).toBe(200);
    await api("POST", "/pomo/skip");
    await expect.poll(() => page.locator("#timer-phase").getAttribute("data-phase"), { timeout: 5000 }).toBe("short_break");
    expect(await notifications(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
