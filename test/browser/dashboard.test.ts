import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AgentCluster, waitUntil } from "../helpers/agents.ts";
import { stopAll } from "../helpers/processes.ts";
import { createTeamToken } from "../helpers/teams.ts";
import { launchBrowser, localTime, neverReloaded, newMemberContext, openDashboard, PHONE, screenshot, screenshotViewport } from "./browser.ts";
import { startStack, type TestStack } from "./stack.ts";

/**
 * The dashboard in headless Chromium against the real stack: redis-server, the gateway and the
 * worker under `wrangler dev` serving dashboard/public, and a real groupsync-agent for the timer.
 * Two members are two browser contexts (separate storage), each with its own page.
 */

let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stopAll();
});

async function member(options: Parameters<typeof newMemberContext>[1] = {}): Promise<BrowserContext> {
  const context = await newMemberContext(browser, options);
  contexts.push(context);
  return context;
}

/** The slot button of hour `hour` on day `day` (0 = Monday) of the week on screen. */
function slot(day: number, hour: number): string {
  return `.slot[data-day="${day}"][data-hour="${hour}"]`;
}

function eventBlock(page: Page, title: string) {
  return page.locator(".event-block", { hasText: title });
}

async function waitUntilLive(page: Page): Promise<void> {
  await page.locator('#connection[data-status="live"]').waitFor({ timeout: 15_000 });
}

/** Books through the form after picking a slot; `endTime` ("14:30") changes the end the slot filled in. */
async function bookFromSlot(page: Page, day: number, hour: number, title: string, endTime?: string): Promise<void> {
  await page.click(slot(day, hour));
  await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("event-title");
  await page.fill("#event-title", title);
  if (endTime !== undefined) {
    const start = await page.inputValue("#event-start");
    await page.fill("#event-end", `${start.slice(0, 11)}${endTime}`);
  }
  await page.click("#event-submit");
}

describe("the dashboard on an open team", () => {
  let stack: TestStack;
  let cluster: AgentCluster | undefined;

  beforeAll(async () => {
    stack = await startStack({ openTeam: "open" });
  });

  afterAll(async () => {
    await cluster?.stopAll();
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  // Every test starts with the team's timer idle, even when the one before failed half-way, and
  // without the pages of the tests before it (each a live socket and a ticking countdown that
  // would slow the timing checks of later tests on a busy machine).
  afterEach(async () => {
    await fetch(`${stack.url}/pomo/stop`, { method: "POST" });
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  async function listEvents(): Promise<Array<{ id: string; title: string; starts_at: string; ends_at: string }>> {
    const res = await fetch(`${stack.url}/events?limit=500`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { events: Array<{ id: string; title: string; starts_at: string; ends_at: string }> }).events;
  }

  it("an event booked in one page appears in another page without a reload, and so do its edit and delete", async () => {
    const a = await openDashboard(await member(), stack.url);
    const b = await openDashboard(await member(), stack.url);
    await Promise.all([waitUntilLive(a.page), waitUntilLive(b.page)]);
    // Presence: the open team's pages are all member "anonymous".
    await expect.poll(() => a.page.textContent("#people-online")).toBe("Dashboard open: anonymous");

    await bookFromSlot(a.page, 1, 10, "Sprint planning");
    await expect.poll(() => a.page.textContent("#event-status")).toContain("Booked “Sprint planning”");

    const inB = eventBlock(b.page, "Sprint planning");
    await inB.waitFor({ timeout: 5000 });
    expect(await inB.getAttribute("aria-label")).toContain("10:00–11:00");
    expect(await inB.evaluate((el) => el.closest(".day-column")?.getAttribute("data-day"))).toBe("1");
    expect(await neverReloaded(b.page)).toBe(true);
    // The slot was local time in the page's zone; the API holds the UTC instant of that wall-clock time.
    const stored = (await listEvents()).find((event) => event.title === "Sprint planning");
    expect(stored && [localTime(stored.starts_at), localTime(stored.ends_at)]).toEqual(["10:00", "11:00"]);
    await screenshot(a.page, "week-view", "#calendar");

    // B renames it; A follows. Then A deletes it; B follows.
    await inB.click();
    await expect.poll(() => b.page.textContent("#event-form-heading")).toBe("Edit “Sprint planning”");
    await b.page.fill("#event-title", "Sprint planning (moved)");
    await b.page.click("#event-submit");
    await eventBlock(a.page, "Sprint planning (moved)").waitFor({ timeout: 5000 });

    await eventBlock(a.page, "Sprint planning (moved)").click();
    await a.page.click("#event-delete");
    await eventBlock(b.page, "Sprint planning").waitFor({ state: "detached", timeout: 5000 });
    expect((await listEvents()).some((event) => event.title.startsWith("Sprint planning"))).toBe(false);
    expect(await neverReloaded(a.page)).toBe(true);
    expect(await neverReloaded(b.page)).toBe(true);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it("an overlapping booking is refused and the page names the event it collides with", async () => {
    const a = await openDashboard(await member(), stack.url);
    const b = await openDashboard(await member(), stack.url);
    await Promise.all([waitUntilLive(a.page), waitUntilLive(b.page)]);

    await bookFromSlot(a.page, 3, 14, "Design review");
    await eventBlock(b.page, "Design review").waitFor({ timeout: 5000 });

    await bookFromSlot(b.page, 3, 13, "Overlapping idea", "14:30");
    const error = b.page.locator("#event-error");
    await error.waitFor({ state: "visible", timeout: 5000 });
    const text = await error.textContent();
    expect(text).toMatch(/^That time is taken: it overlaps “Design review” \(.+, 14:00–15:00\)\.$/);
    expect(await error.getAttribute("role")).toBe("alert");
    // The event it collides with is marked in the grid too.
    expect(await eventBlock(b.page, "Design review").getAttribute("data-conflict")).not.toBeNull();
    // The form keeps what was typed, so the member can pick another time.
    expect(await b.page.inputValue("#event-title")).toBe("Overlapping idea");
    expect((await listEvents()).some((event) => event.title === "Overlapping idea")).toBe(false);
    await screenshot(b.page, "conflict-message", "#calendar");

    // Back-to-back is fine: ending when Design review starts is not a conflict.
    await b.page.fill("#event-end", `${(await b.page.inputValue("#event-start")).slice(0, 11)}14:00`);
    await b.page.click("#event-submit");
    await expect.poll(() => b.page.textContent("#event-status")).toContain("Booked “Overlapping idea”");
    expect(await b.page.locator("#event-error").isHidden()).toBe(true);
    await eventBlock(a.page, "Overlapping idea").waitFor({ timeout: 5000 });
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it("a page whose connection dropped catches up on what it missed, from its last seq, without a reload", async () => {
    // The page's WebSocket goes through the test, which can cut it and refuse reconnects for a while.
    const feedUrls: string[] = [];
    let refuse = false;
    let cut = (): void => {};
    const b = await openDashboard(await member(), stack.url, (page) =>
      page.routeWebSocket(/\/ws\b/, (route) => {
        feedUrls.push(route.url());
        if (refuse) return route.close({ code: 1006 });
        const server = route.connectToServer();
        cut = () => {
          void route.close({ code: 1006 });
          void server.close();
        };
      }));
    const a = await openDashboard(await member(), stack.url);
    await Promise.all([waitUntilLive(a.page), waitUntilLive(b.page)]);
    expect(feedUrls[0]).not.toContain("last_seq");

    refuse = true;
    cut();
    await expect.poll(() => b.page.getAttribute("#connection", "data-status")).not.toBe("live");
    await bookFromSlot(a.page, 5, 8, "Booked while B was away");
    await expect.poll(() => a.page.textContent("#event-status")).toContain("Booked “Booked while B was away”");
    await b.page.waitForTimeout(500);
    expect(await eventBlock(b.page, "Booked while B was away").count()).toBe(0);

    refuse = false;
    await waitUntilLive(b.page);
    await eventBlock(b.page, "Booked while B was away").waitFor({ timeout: 5000 });
    expect(feedUrls.at(-1)).toMatch(/[?&]last_seq=\d+$/);
    expect(await neverReloaded(b.page)).toBe(true);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it("books a slot by keyboard alone, with a visible focus", async () => {
    const { page, errors } = await openDashboard(await member(), stack.url);
    await waitUntilLive(page);
    // The grid is one tab stop: the active slot. Arrow keys move; Enter picks.
    await page.locator('.slot[tabindex="0"]').focus();
    await page.keyboard.press("Home"); // not a grid key: must leave the focus where it is
    const first = await page.evaluate(() => (document.activeElement as HTMLElement).dataset);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      return { day: el.dataset.day, hour: el.dataset.hour, tabIndex: el.tabIndex, outline: getComputedStyle(el).outlineStyle };
    });
    expect(focused).toEqual({ day: first.day, hour: String(Number(first.hour) + 2), tabIndex: 0, outline: "solid" });
    expect(await page.locator(".slot[tabindex='0']").count()).toBe(1);
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("event-title");
    await page.keyboard.type("Keyboard booking");
    await page.keyboard.press("Enter");
    const block = eventBlock(page, "Keyboard booking");
    await block.waitFor({ timeout: 5000 });
    const hour = String(Number(first.hour) + 2).padStart(2, "0");
    expect(await block.getAttribute("aria-label")).toContain(`${hour}:00–`);
    expect(errors).toEqual([]);
  });

  it("goals: added in one page, progress and completion from another, live in both", async () => {
    const a = await openDashboard(await member(), stack.url);
    const b = await openDashboard(await member(), stack.url);
    await Promise.all([waitUntilLive(a.page), waitUntilLive(b.page)]);

    await a.page.fill("#goal-title", "Write the launch post");
    await a.page.fill("#goal-owner", "bo");
    await a.page.click("#goal-form button[type=submit]");
    const cardInB = b.page.locator(".goal", { hasText: "Write the launch post" });
    await cardInB.waitFor({ timeout: 5000 });
    expect(await cardInB.locator(".goal-meta").textContent()).toContain("Owner: bo");

    await cardInB.getByLabel("Progress (%)").fill("40");
    await cardInB.getByRole("button", { name: "Update" }).click();
    const cardInA = a.page.locator(".goal", { hasText: "Write the launch post" });
    await expect.poll(() => cardInA.locator(".progress-value").textContent(), { timeout: 5000 }).toBe("40%");
    expect(await cardInA.locator("progress").getAttribute("value")).toBe("40");

    await cardInA.getByRole("button", { name: "Mark achieved" }).click();
    await expect.poll(() => cardInB.getAttribute("data-completed"), { timeout: 5000 }).not.toBeNull();
    expect(await cardInB.locator(".progress-value").textContent()).toBe("100%");
    expect(await cardInB.getByRole("button", { name: "Reopen" }).count()).toBe(1);

    // Edit in place: the title changes in the other page too.
    await cardInB.getByRole("button", { name: "Edit" }).click();
    await b.page.getByLabel("Title", { exact: true }).and(b.page.locator(".goal-edit-form input")).fill("Write and publish the launch post");
    await b.page.locator(".goal-edit-form").getByRole("button", { name: "Save" }).click();
    await a.page.locator(".goal", { hasText: "Write and publish the launch post" }).waitFor({ timeout: 5000 });

    const goals = (await (await fetch(`${stack.url}/goals`)).json()) as { goals: Array<{ title: string; progress: number; completed: boolean; owner: string }> };
    expect(goals.goals.find((goal) => goal.title === "Write and publish the launch post")).toMatchObject({ progress: 100, completed: true, owner: "bo" });
    await screenshot(a.page, "goals", "#goals");
    expect(await neverReloaded(a.page)).toBe(true);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it("the timer started from one page runs in the other, from the same deadline; stop ends it everywhere", async () => {
    const a = await openDashboard(await member(), stack.url);
    const b = await openDashboard(await member(), stack.url);
    await Promise.all([waitUntilLive(a.page), waitUntilLive(b.page)]);
    expect(await a.page.getByRole("button", { name: "Pause" }).isDisabled()).toBe(true);

    await a.page.locator(".timer-settings summary").click();
    await a.page.getByLabel("Focus (min)").fill("10");
    await a.page.getByRole("button", { name: "Start with these settings" }).click();
    await expect.poll(() => b.page.textContent("#timer-phase"), { timeout: 5000 }).toBe("Focus");
    expect(await b.page.textContent("#timer-master")).toContain("the server");
    const remainingIn = async (page: Page) => Number(await page.getAttribute("#timer-countdown", "data-remaining-ms"));
    const [inA, inB] = await Promise.all([remainingIn(a.page), remainingIn(b.page)]);
    expect(inB).toBeGreaterThan(9 * 60_000);
    expect(inB).toBeLessThanOrEqual(10 * 60_000);
    // Both pages count down to the same deadline: they agree to within the 250 ms redraw.
    expect(Math.abs(inA - inB)).toBeLessThan(1000);
    expect(await b.page.title()).toMatch(/^\d\d:\d\d Focus · GroupSync$/);
    await screenshot(b.page, "timer", "#timer");

    await b.page.getByRole("button", { name: "Stop" }).click();
    await expect.poll(() => a.page.textContent("#timer-phase"), { timeout: 5000 }).toBe("Idle");
    expect(await a.page.textContent("#timer-announcer")).toBe("Timer stopped.");
    expect(await a.page.getByRole("button", { name: "Start", exact: true }).isEnabled()).toBe(true);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it("a timer started by groupsync-agent appears on the page and counts down; the page's pause reaches the agent", async () => {
    const { page, errors } = await openDashboard(await member(), stack.url);
    await waitUntilLive(page);
    expect(await page.textContent("#timer-phase")).toBe("Idle");

    // The agent finds the worker through GROUPSYNC_URL (the open team needs no GROUPSYNC_TOKEN).
    process.env.GROUPSYNC_URL = stack.url;
    delete process.env.GROUPSYNC_TOKEN;
    cluster = new AgentCluster();
    const agent = await cluster.start("dash-agent", ["--focus", "25m", "--short", "5m"]);

    await expect.poll(() => page.textContent("#timer-phase"), { timeout: 20_000 }).toBe("Focus");
    await expect.poll(() => page.textContent("#timer-master"), { timeout: 5000 }).toContain("dash-agent");
    await expect.poll(() => page.locator("#online-list li", { hasText: "dash-agent" }).textContent(), { timeout: 10_000 }).toContain("master");

    const remaining = async () => Number(await page.getAttribute("#timer-countdown", "data-remaining-ms"));
    const first = await remaining();
    const firstText = await page.textContent("#timer-countdown");
    expect(first).toBeGreaterThan(20 * 60_000);
    expect(first).toBeLessThanOrEqual(25 * 60_000);
    await page.waitForTimeout(2500);
    const second = await remaining();
    expect(first - second).toBeGreaterThanOrEqual(1500);
    expect(first - second).toBeLessThanOrEqual(3500);
    expect(await page.textContent("#timer-countdown")).not.toBe(firstText);
    expect(await page.textContent("#timer-countdown")).toMatch(/^2[0-4]:[0-5]\d$/);
    // The page agrees with the agent itself to within a second or so.
    const status = await cluster.status(agent);
    expect(Math.abs(status.remaining_ms! - (await remaining()))).toBeLessThan(1500);
    await screenshot(page, "timer-agent", "#timer");

    // A background tab comes back: the countdown is re-synced and still right.
    await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
    expect(Math.abs((await cluster.status(agent)).remaining_ms! - (await remaining()))).toBeLessThan(1500);

    await page.getByRole("button", { name: "Pause" }).click();
    await expect.poll(() => page.textContent("#timer-phase"), { timeout: 10_000 }).toBe("Focus (paused)");
    await waitUntil(async () => (await cluster!.status(agent)).paused, 10_000, "the agent to pause");
    expect(await page.textContent("#timer-announcer")).toBe("Focus paused.");
    const paused = await page.textContent("#timer-countdown");
    await page.waitForTimeout(1200);
    expect(await page.textContent("#timer-countdown")).toBe(paused);
    expect(errors).toEqual([]);
  });

  it("is readable at phone width: one column, no sideways page scroll, the timer strip always in view", async () => {
    const { page, errors } = await openDashboard(await member({ viewport: PHONE, mobile: true }), stack.url);
    await waitUntilLive(page);
    await page.locator(".event-block").first().waitFor({ timeout: 5000 });
    const layout = await page.evaluate(() => {
      const box = (selector: string) => document.querySelector(selector)!.getBoundingClientRect();
      return {
        pageWidth: document.documentElement.scrollWidth,
        viewport: window.innerWidth,
        calendarLeft: box("#calendar").left,
        goalsLeft: box("#goals").left,
        calendarBelowTimer: box("#calendar").top >= box("#timer").bottom,
        stripHeight: box("#timer").height,
        countdownFontPx: parseFloat(getComputedStyle(document.querySelector("#timer-countdown")!).fontSize),
      };
    });
    expect(layout.pageWidth).toBeLessThanOrEqual(layout.viewport);
    expect(layout.calendarLeft).toBe(layout.goalsLeft);
    expect(layout.calendarBelowTimer).toBe(true);
    // A compact strip: the calendar gets the screen, the countdown stays readable.
    expect(layout.stripHeight).toBeLessThanOrEqual(120);
    expect(layout.countdownFontPx).toBeGreaterThanOrEqual(20);
    // Scrolled down to the goals, the timer is still at the top of the screen.
    await page.locator("#goals").scrollIntoViewIfNeeded();
    expect(await page.evaluate(() => Math.round(document.querySelector("#timer")!.getBoundingClientRect().top))).toBe(0);
    expect(await page.locator("#timer-countdown").isVisible()).toBe(true);
    // Buttons are big enough to hit with a thumb.
    const startButton = await page.getByRole("button", { name: "Start", exact: true }).boundingBox();
    expect(startButton!.height).toBeGreaterThanOrEqual(36);
    await screenshot(page, "phone");
    expect(errors).toEqual([]);
  });
});

async function addMember(stack: TestStack, team: string, name: string): Promise<string> {
  const res = await fetch(`${stack.url}/admin/teams/${team}/members`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminSecret}`, "content-type": "application/json" },
    body: JSON.stringify({ member: name }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { tokens: Record<string, string> }).tokens[name]!;
}

describe("the dashboard on a team with tokens", () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack(); // no open team: every request needs a token
  });

  afterAll(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });

  it("asks for a token, refuses a wrong one, keeps the right one, and follows the team live with it", async () => {
    const anaToken = await createTeamToken(stack.url, stack.adminSecret, "acme", ["ana"]);
    const boToken = await addMember(stack, "acme", "bo");

    const context = await member();
    const { page, errors } = await openDashboard(context, stack.url);
    const dialog = page.getByRole("dialog", { name: "Team token" });
    await dialog.waitFor({ timeout: 10_000 });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("token-input");
    await screenshotViewport(page, "token-dialog");

    await page.fill("#token-input", "gs_not-a-real-token");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#token-error")).toContain("not accepted");
    expect(await dialog.isVisible()).toBe(true);

    await page.fill("#token-input", anaToken);
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "hidden", timeout: 5000 });
    await waitUntilLive(page);
    await expect.poll(() => page.textContent("#identity")).toBe("Team acme · signed in as ana");

    // Another member's change arrives over the socket the token opened.
    const created = await fetch(`${stack.url}/goals`, {
      method: "POST",
      headers: { authorization: `Bearer ${boToken}`, "content-type": "application/json" },
      body: JSON.stringify({ title: "Token-guarded goal" }),
    });
    expect(created.status).toBe(201);
    await page.locator(".goal", { hasText: "Token-guarded goal" }).waitFor({ timeout: 5000 });

    // The token is remembered: a reload goes straight to the team.
    await page.reload();
    await waitUntilLive(page);
    expect(await page.getByRole("dialog", { name: "Team token" }).isVisible()).toBe(false);
    await page.locator(".goal", { hasText: "Token-guarded goal" }).waitFor({ timeout: 5000 });
    expect(errors).toEqual([]);
  });
});
