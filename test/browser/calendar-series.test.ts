import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import { closeEverything, eventBlockTitled, launchBrowser, openLive, openLiveShowing, screenshot, TIME_ZONE, weekInstant } from "./browser.ts";
import { startStack, type TestStack } from "./stack.ts";

/**
 * A repeating event on the page: every occurrence a listing gives (they all share the series' id)
 * is shown in the week and month views, a change to the series reaches all of them live, and an
 * occurrence edited from the page changes alone.
 */

let browser: Browser;
let stack: TestStack;
const contexts: BrowserContext[] = [];
let seriesId = "";

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${stack.url}${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
}

beforeAll(async () => {
  [browser, stack] = await Promise.all([launchBrowser(), startStack({ openTeam: "open" })]);
  // Monday, Wednesday and Friday of this week: all three always fall inside this week and month.
  const res = await api("POST", "/events", {
    title: "Series sync", starts_at: weekInstant(0, 10), ends_at: weekInstant(0, 10, 30), time_zone: TIME_ZONE,
    recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=3"],
  });
  expect(res.status).toBe(201);
  seriesId = ((await res.json()) as { id: string }).id;
});

afterAll(async () => {
  await closeEverything(browser, contexts);
});

const titles = (page: import("playwright-core").Page, selector: string) => page.locator(selector).evaluateAll((els) => els.map((el) => el.querySelector(".event-title, .chip-title")?.textContent ?? ""));

describe("a repeating event", () => {
  it("shows every occurrence in the week and month views, and a change to the series updates them all live", async () => {
    const { page, errors } = await openLiveShowing(browser, stack.url, contexts, "Series sync");
    await expect.poll(() => eventBlockTitled(page, "Series sync").count()).toBe(3);
    const days = await eventBlockTitled(page, "Series sync").evaluateAll((els) => els.map((el) => el.closest(".day-column")?.getAttribute("data-day")));
    expect(days).toEqual(["0", "2", "4"]);
    await screenshot(page, "series-week-laptop", "#calendar");

    // Someone else renames the whole series: every occurrence follows without a reload.
    const renamed = await api("PATCH", `/events/${seriesId}`, { title: "Series renamed" });
    expect(renamed.status).toBe(200);
    await expect.poll(() => titles(page, `.event-block[data-event-id="${seriesId}"]`)).toEqual(["Series renamed", "Series renamed", "Series renamed"]);

    await page.getByRole("button", { name: "Month", exact: true }).click();
    await expect.poll(() => page.locator(".month-chip", { hasText: "Series renamed" }).count()).toBe(3);
    await screenshot(page, "series-month-laptop", "#calendar");

    // Moved later by an hour as a whole: the month's chips say the new time.
    const moved = await api("PATCH", `/events/${seriesId}`, { starts_at: weekInstant(0, 11), ends_at: weekInstant(0, 11, 30) });
    expect(moved.status).toBe(200);
    await expect.poll(() => page.locator(".month-chip", { hasText: "Series renamed" }).allTextContents()).toEqual(["11:00 Series renamed", "11:00 Series renamed", "11:00 Series renamed"]);
    expect(errors).toEqual([]);
  });

  it("an occurrence edited from the page changes alone (PATCH of that occurrence)", async () => {
    const { page, errors } = await openLiveShowing(browser, stack.url, contexts, "Series renamed");
    await expect.poll(() => eventBlockTitled(page, "Series renamed").count()).toBe(3);
    await page.locator('.day-column[data-day="2"] .event-block', { hasText: "Series renamed" }).click();
    await page.fill("#event-title", "Wednesday only");
    await page.click("#event-submit");
    await expect.poll(() => titles(page, `.event-block[data-event-id="${seriesId}"]`)).toEqual(["Series renamed", "Wednesday only", "Series renamed"]);
    const series = (await (await api("GET", `/events/${seriesId}`)).json()) as { title: string; overrides?: unknown[] };
    expect([series.title, series.overrides?.length]).toEqual(["Series renamed", 1]);
    expect(errors).toEqual([]);
  });

  it("is booked from the form's repeat picker in the view's zone, and its detail says how it repeats", async () => {
    const { page, errors } = await openLive(browser, stack.url, contexts, { bypassCSP: true }); // axe is injected
    await eventBlockTitled(page, "Series renamed").first().waitFor({ timeout: 5000 });
    const local = (instant: string) => new Intl.DateTimeFormat("sv-SE", { timeZone: TIME_ZONE, dateStyle: "short", timeStyle: "short" }).format(new Date(instant)).replace(" ", "T");
    await page.fill("#event-title", "Tuesday planning");
    await page.fill("#event-start", local(weekInstant(1, 14)));
    await page.fill("#event-end", local(weekInstant(1, 14, 30)));
    await page.selectOption("#event-repeat", "weekly");
    await page.fill("#event-repeat-count", "3");
    await screenshot(page, "series-repeat-picker", "#event-form");
    await page.click("#event-submit");
    await eventBlockTitled(page, "Tuesday planning").first().waitFor({ timeout: 5000 });
    const id = await eventBlockTitled(page, "Tuesday planning").first().getAttribute("data-event-id");
    const series = (await (await api("GET", `/events/${id}`)).json()) as { recurrence?: string[]; time_zone?: string };
    expect([series.recurrence, series.time_zone]).toEqual([["RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=3"], TIME_ZONE]);

    await eventBlockTitled(page, "Tuesday planning").first().click();
    expect(await page.locator("#event-detail-repeat").isVisible()).toBe(true);
    expect(await page.locator("#event-repeat-field").isVisible()).toBe(false); // editing: no picker
    await screenshot(page, "series-detail", "#event-detail");
    expect(await seriousViolations(page)).toEqual([]);
    // A bad custom rule is a message in the form, not a request.
    await page.click("#event-cancel");
    await page.fill("#event-title", "Custom");
    await page.fill("#event-start", local(weekInstant(3, 14)));
    await page.fill("#event-end", local(weekInstant(3, 15)));
    await page.selectOption("#event-repeat", "custom");
    await page.click("#event-submit");
    await expect.poll(() => page.textContent("#event-error")).toContain("Type the repeat rule");
    expect(errors).toEqual([]);
  });
});
