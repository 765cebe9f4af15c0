import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import { closeEverything, launchBrowser, openLive, screenshotViewport, weekInstant } from "./browser.ts";
import { startStack, type TestStack } from "./stack.ts";

/**
 * Every view of the dashboard at laptop and phone width, in light and dark: no serious or critical
 * accessibility violation (axe-core), and a screenshot of each in test-results/screenshots/.
 */

let browser: Browser;
let stack: TestStack;
const contexts: BrowserContext[] = [];
const at = weekInstant;
const isoDate = (daysFromToday: number) => new Date(Date.now() + daysFromToday * 86_400_000).toISOString().slice(0, 10);
const screenshots: string[] = [];

async function post(path: string, body: object): Promise<void> {
  const res = await fetch(`${stack.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(201);
}

beforeAll(async () => {
  [browser, stack] = await Promise.all([launchBrowser(), startStack({ openTeam: "open" })]);
  const events = [
    ["Standup", "team", 0, 9, 0, 0, 9, 15], ["Quarterly planning", "team", 0, 10, 0, 0, 11, 30], ["Architecture sync", "design", 0, 10, 30, 0, 11, 30],
    ["Customer call", "sales", 0, 10, 45, 0, 11, 15], ["Standup", "team", 1, 9, 0, 1, 9, 15], ["1:1 Ana / Bo", "team", 1, 13, 0, 1, 13, 30],
    ["Design crit", "design", 2, 14, 0, 2, 15, 30], ["Standup", "team", 2, 9, 0, 2, 9, 15], ["Release train", "ops", 3, 8, 0, 3, 12, 0],
    ["Standup", "team", 3, 9, 0, 3, 9, 15], ["Late deploy", "ops", 3, 23, 0, 4, 1, 0], ["Retro", "team", 4, 15, 0, 4, 16, 0],
    ["Customer demo", "sales", 4, 11, 0, 4, 12, 0], ["Hiring panel", "design", 1, 15, 0, 1, 16, 30],
  ] as const;
  for (const [title, calendar, d1, h1, m1, d2, h2, m2] of events) await post("/events", { title, calendar, starts_at: at(d1, h1, m1), ends_at: at(d2, h2, m2) });
  await post("/goals", { title: "Ship the booking page", owner: "ana", due: `${isoDate(-2)}T00:00:00Z` });
  await post("/goals", { title: "Write the launch post", owner: "bo", due: `${isoDate(5)}T00:00:00Z`, progress: 40 });
  await post("/goals", { title: "Migrate the calendar store", owner: "cy", progress: 100, completed: true });
  await post("/goals", { title: "Onboarding checklist", owner: "dee" });
  await post("/goals", { id: "launch", title: "Launch v2", owner: "ana", key_results: [
    { title: "Signups", metric: "number", target: 200 }, { title: "Revenue", metric: "currency", currency: "EUR", target: 10000 }, { title: "Docs written", metric: "done" }] });
  await post("/goals/launch/check-ins", { health: "at_risk", note: "signups slow", key_results: [{ id: "kr-1", current: 80 }] });
  await post("/goals", { title: "Old migration", owner: "cy", state: "missed", progress: 60 });
  // One focus round for the focus panel's figures.
  for (const action of ["start", "skip", "stop"]) await fetch(`${stack.url}/pomo/${action}`, { method: "POST" });
});

afterAll(async () => {
  await closeEverything(browser, contexts);
  console.log(`screenshots:\n${screenshots.map((path) => `  ${path}`).join("\n")}`);
});

async function open(width: "laptop" | "phone", colorScheme: "light" | "dark"): Promise<{ page: Page; errors: string[] }> {
  const opened = await openLive(browser, stack.url, contexts, { width, colorScheme, bypassCSP: true });
  await opened.page.locator(".event-block").first().waitFor({ timeout: 5000 });
  await opened.page.locator(".goal").first().waitFor({ timeout: 5000 });
  return opened;
}

async function check(page: Page, name: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${name}: ${JSON.stringify(violations, null, 1)}`).toEqual([]);
  screenshots.push(await screenshotViewport(page, name));
}

for (const width of ["laptop", "phone"] as const) {
  for (const colorScheme of ["light", "dark"] as const) {
    describe(`${width}, ${colorScheme}`, () => {
      it("week, day and month views, an open event, the goals board, a check-in and the focus panel: no serious accessibility violation", async () => {
        const { page, errors } = await open(width, colorScheme);
        const name = (view: string) => `view-${view}-${width}-${colorScheme}`;
        await page.locator("#calendar").scrollIntoViewIfNeeded();
        await check(page, name("week"));

        // Three overlapping events at 10:00: the ones that do not fit are behind "+N".
        await page.locator('.day-column[data-day="0"] .more-block').click();
        await page.locator("#more-events").waitFor();
        await check(page, name("more-events"));
        await page.locator("#more-events").getByRole("button", { name: /Customer call/ }).click();
        await page.locator("#event-detail").waitFor();
        await page.locator("#event-detail").scrollIntoViewIfNeeded();
        await check(page, name("event-detail"));
        await page.getByRole("button", { name: "Cancel" }).click();

        await page.getByRole("button", { name: "Day", exact: true }).click();
        await expect.poll(() => page.locator(".day-column").count()).toBe(1);
        await page.locator("#calendar").evaluate((el) => el.scrollIntoView());
        await check(page, name("day"));

        await page.getByRole("button", { name: "Month", exact: true }).click();
        await page.locator(".month-chip").first().waitFor();
        await page.locator("#calendar").evaluate((el) => el.scrollIntoView());
        await check(page, name("month"));
        await page.getByRole("button", { name: "Week", exact: true }).click();

        await page.locator("#goals-closed summary").click();
        await page.locator("#goals").evaluate((el) => el.scrollIntoView());
        await check(page, name("goals"));
        await page.locator(".goal", { hasText: "Launch v2" }).getByRole("button", { name: "Check in" }).click();
        await page.locator(".check-in-history .check-in").first().waitFor({ timeout: 5000 });
        await page.locator(".check-in-form").evaluate((el) => el.scrollIntoView());
        await check(page, name("goal-check-in"));
        await page.locator(".check-in-form").getByRole("button", { name: "Cancel" }).click();
        await page.locator("#focus").evaluate((el) => el.scrollIntoView());
        await page.locator("#focus-week td[data-today]").first().waitFor({ timeout: 5000 });
        await check(page, name("focus"));
        expect(await page.locator('.goal[data-overdue] .goal-due').textContent()).toMatch(/^Overdue · was due /);
        expect(errors).toEqual([]);
      });
    });
  }
}
