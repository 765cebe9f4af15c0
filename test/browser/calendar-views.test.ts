import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeEverything, eventBlockTitled, launchBrowser, localTime, PHONE, screenshot, weekInstant, openLiveShowing } from "./browser.ts";
import { startStack, type TestStack } from "./stack.ts";

/**
 * Day, week and month views, and changing events by hand: drag to create, move and resize in
 * 15-minute steps with the mouse, and the keyboard path for each, against the real stack.
 */

let browser: Browser;
let stack: TestStack;
const contexts: BrowserContext[] = [];
const at = weekInstant;

type Stored = { id: string; title: string; starts_at: string; ends_at: string; calendar: string };

async function create(title: string, startsAt: string, endsAt: string, calendar = "team"): Promise<Stored> {
  const res = await fetch(`${stack.url}/events`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ title, starts_at: startsAt, ends_at: endsAt, calendar }) });
  expect(res.status).toBe(201);
  return (await res.json()) as Stored;
}

async function stored(id: string): Promise<Stored> {
  return (await (await fetch(`${stack.url}/events/${id}`)).json()) as Stored;
}

const times = (event: Stored) => `${localTime(event.starts_at)}–${localTime(event.ends_at)}`;

beforeAll(async () => {
  [browser, stack] = await Promise.all([launchBrowser(), startStack({ openTeam: "open" })]);
  await create("Standup", at(0, 9), at(0, 9, 15));
  await create("Design review", at(2, 14), at(2, 15), "design");
});

afterAll(async () => {
  await closeEverything(browser, contexts);
});

const open = (width: "laptop" | "phone" = "laptop") => openLiveShowing(browser, stack.url, contexts, "Standup", width);

const block = eventBlockTitled;

/** The screen point of minute `minute` of day column `day` (0 = Monday in the week view). */
async function pointAt(page: Page, day: number, minute: number): Promise<{ x: number; y: number }> {
  return page.evaluate(({ day, minute }) => {
    const column = document.querySelector(`.day-column[data-day="${day}"]`)!.getBoundingClientRect();
    const hour = (document.querySelector(".slot") as HTMLElement).offsetHeight;
    return { x: column.left + column.width / 2, y: column.top + (minute / 60) * hour };
  }, { day, minute });
}

async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 10 });
  await page.mouse.up();
}

describe("views", () => {
  it("switches between day, week and month, and a month's date opens its day", async () => {
    const { page, errors } = await open();
    expect(await page.getAttribute('[data-calendar-view="week"]', "aria-pressed")).toBe("true");
    expect(await page.locator(".day-column").count()).toBe(7);

    await page.getByRole("button", { name: "Month", exact: true }).click();
    await expect.poll(() => page.locator(".month-cell").count()).toBe(42);
    expect(await page.textContent("#week-label")).toMatch(/^[A-Z][a-z]+ \d{4}$/);
    const standupChip = page.locator(".month-chip", { hasText: "Standup" });
    await standupChip.waitFor({ timeout: 5000 });
    expect(await standupChip.textContent()).toBe("09:00 Standup");
    expect(await page.locator(".month-chip", { hasText: "Design review" }).getAttribute("data-calendar")).toBe("design");
    expect(await page.textContent("#week-next")).toBe("Next month ›");
    await screenshot(page, "month-laptop", "#calendar");

    // The Monday of this week, from its cell: the day view of that day.
    const cell = await standupChip.evaluate((el) => el.closest(".month-cell")?.getAttribute("data-day"));
    await page.locator(`.month-cell[data-day="${cell}"] .month-date`).click();
    await expect.poll(() => page.locator(".day-column").count()).toBe(1);
    expect(await page.getAttribute('[data-calendar-view="day"]', "aria-pressed")).toBe("true");
    await block(page, "Standup").waitFor({ timeout: 5000 });
    expect(await page.textContent("#week-label")).toMatch(/^Monday/);
    await page.click("#week-next");
    await expect.poll(() => page.textContent("#week-label")).toMatch(/^Tuesday/);
    expect(await block(page, "Standup").count()).toBe(0);
    await screenshot(page, "day-laptop", "#calendar");

    // The choice is kept for the next visit; back to the week.
    await page.reload();
    await expect.poll(() => page.getAttribute('[data-calendar-view="day"]', "aria-pressed")).toBe("true");
    await page.getByRole("button", { name: "Week", exact: true }).click();
    await expect.poll(() => page.locator(".day-column").count()).toBe(7);
    expect(errors).toEqual([]);
  });

  it("shows the month and the day on a phone", async () => {
    const { page, errors } = await open("phone");
    await page.getByRole("button", { name: "Month", exact: true }).click();
    await page.locator(".month-chip", { hasText: "Standup" }).waitFor({ timeout: 5000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, "month-phone", "#calendar");
    await page.getByRole("button", { name: "Day", exact: true }).click();
    await expect.poll(() => page.locator(".day-column").count()).toBe(1);
    const column = await page.locator(".day-column").boundingBox();
    expect(column!.width).toBeGreaterThan(250);
    await screenshot(page, "day-phone", "#calendar");
    expect(errors).toEqual([]);
  });
});

describe("changing events by hand, in 15-minute steps", () => {
  it("drag across free time to book it", async () => {
    const { page, errors } = await open();
    await drag(page, await pointAt(page, 4, 10 * 60 + 3), await pointAt(page, 4, 11 * 60 + 28));
    expect(await page.inputValue("#event-start")).toMatch(/T10:00$/);
    expect(await page.inputValue("#event-end")).toMatch(/T11:30$/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("event-title");
    await page.keyboard.type("Dragged booking");
    await page.keyboard.press("Enter");
    await block(page, "Dragged booking").waitFor({ timeout: 5000 });
    expect(await block(page, "Dragged booking").getAttribute("title")).toContain("10:00–11:30");
    expect(errors).toEqual([]);
  });

  it("drag an event to another time and day, and its bottom edge to change its end", async () => {
    const event = await create("Movable", at(3, 9), at(3, 10));
    const { page, errors } = await open();
    const piece = block(page, "Movable");
    await piece.waitFor({ timeout: 5000 });
    // Grab it 15 minutes below its top; drop it three days later and 4 h 30 min lower.
    await drag(page, await pointAt(page, 3, 9 * 60 + 15), await pointAt(page, 6, 13 * 60 + 45));
    await expect.poll(async () => times(await stored(event.id)), { timeout: 5000 }).toBe("13:30–14:30");
    expect(await stored(event.id)).toMatchObject({ starts_at: at(6, 13, 30), ends_at: at(6, 14, 30) });
    await expect.poll(() => block(page, "Movable").evaluate((el) => el.closest(".day-column")?.getAttribute("data-day"))).toBe("6");

    const handle = await block(page, "Movable").locator(".resize-handle").boundingBox();
    await drag(page, { x: handle!.x + handle!.width / 2, y: handle!.y + handle!.height / 2 }, await pointAt(page, 6, 15 * 60 + 10));
    await expect.poll(async () => times(await stored(event.id)), { timeout: 5000 }).toBe("13:30–15:15");
    expect(errors).toEqual([]);
  });

  it("a drag onto another event is refused, named, and the event goes back", async () => {
    const event = await create("Blocker", at(5, 9), at(5, 10));
    await create("Occupant", at(5, 11), at(5, 12));
    const { page, errors } = await open();
    await block(page, "Blocker").waitFor({ timeout: 5000 });
    await drag(page, await pointAt(page, 5, 9 * 60 + 30), await pointAt(page, 5, 11 * 60 + 30));
    await expect.poll(() => page.textContent("#event-error"), { timeout: 5000 }).toMatch(/overlaps “Occupant”/);
    expect(await block(page, "Occupant").getAttribute("data-conflict")).not.toBeNull();
    expect(times(await stored(event.id))).toBe("09:00–10:00");
    await expect.poll(() => block(page, "Blocker").evaluate((el) => getComputedStyle(el).getPropertyValue("--start").trim())).toBe("540");
    expect(errors).toEqual([]);
  });

  it("by keyboard: Alt+Arrow keys move an event, Alt+Shift+Arrow keys change its end, Shift+Arrow on a slot stretches a booking", async () => {
    const event = await create("Nudged", at(1, 15), at(1, 16));
    const { page, errors } = await open();
    await block(page, "Nudged").focus();
    await page.keyboard.press("Alt+ArrowDown");
    await expect.poll(async () => times(await stored(event.id)), { timeout: 5000 }).toBe("15:15–16:15");
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.textContent ?? "")).toContain("Nudged");
    await page.keyboard.press("Alt+ArrowRight");
    await expect.poll(async () => (await stored(event.id)).starts_at, { timeout: 5000 }).toBe(at(2, 15, 15));
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.closest(".day-column")?.getAttribute("data-day"))).toBe("2");
    await page.keyboard.press("Alt+Shift+ArrowDown");
    await expect.poll(async () => times(await stored(event.id)), { timeout: 5000 }).toBe("15:15–16:30");
    await page.keyboard.press("Alt+Shift+ArrowUp");
    await page.waitForTimeout(300);
    await page.keyboard.press("Alt+Shift+ArrowUp");
    await expect.poll(async () => times(await stored(event.id)), { timeout: 5000 }).toBe("15:15–16:00");

    // A new booking: a slot, stretched by two quarters, then Enter.
    const slot = page.locator('.slot[data-day="6"][data-hour="10"]');
    await slot.focus();
    await page.keyboard.press("Shift+ArrowDown");
    await page.keyboard.press("Shift+ArrowDown");
    expect(await page.inputValue("#event-end")).toMatch(/T11:30$/);
    await page.keyboard.press("Enter");
    expect(await page.inputValue("#event-start")).toMatch(/T10:00$/);
    expect(await page.inputValue("#event-end")).toMatch(/T11:30$/);
    await page.keyboard.type("Keyboard stretch");
    await page.keyboard.press("Enter");
    await block(page, "Keyboard stretch").waitFor({ timeout: 5000 });
    expect(await block(page, "Keyboard stretch").getAttribute("title")).toContain("10:00–11:30");
    expect(errors).toEqual([]);
  });
});
