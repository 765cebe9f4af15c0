import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeEverything, eventBlockTitled, launchBrowser, screenshot, THIS_WEEK, TIME_ZONE, weekInstant, openLiveShowing } from "./browser.ts";
import { startStack, type TestStack } from "./stack.ts";

/**
 * The week grid as issue 19 found it broken, in headless Chromium against the real stack, at
 * laptop and phone width: short events' titles, overlapping events on other calendars, an event
 * across midnight, today's column on a phone, events outside 07:00-19:00, the time zone, calendar
 * colours and filters, held slots, and the small bugs around a refused booking and the timer.
 */

let browser: Browser;
let stack: TestStack;
const contexts: BrowserContext[] = [];

const at = weekInstant;
/** 0 = Monday: today's place in the week. */
const todayIndex = (new Date(new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE }).format(new Date())).getTime() / 86_400_000) - THIS_WEEK;

const SEED = [
  { title: "Standup", calendar: "team", starts_at: at(0, 9), ends_at: at(0, 9, 15) },
  { title: "Quarterly planning", calendar: "team", starts_at: at(0, 10), ends_at: at(0, 11, 30) },
  { title: "Architecture sync", calendar: "design", starts_at: at(0, 10, 30), ends_at: at(0, 11, 30) },
  { title: "Customer call", calendar: "sales", starts_at: at(0, 10, 45), ends_at: at(0, 11, 15) },
  { title: "Late deploy", calendar: "ops", starts_at: at(0, 23), ends_at: at(1, 2) },
  { title: "Call with New York", calendar: "team", starts_at: at(2, 5), ends_at: at(2, 5, 30) },
  { title: "Evening release", calendar: "ops", starts_at: at(3, 20), ends_at: at(3, 21) },
  { title: "Lunch & learn", calendar: "team", starts_at: at(todayIndex, 12), ends_at: at(todayIndex, 13) },
];

beforeAll(async () => {
  [browser, stack] = await Promise.all([launchBrowser(), startStack({ openTeam: "open" })]);
  for (const event of SEED) {
    const res = await fetch(`${stack.url}/events`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) });
    expect(res.status, `${event.title}: ${await res.clone().text()}`).toBe(201);
  }
});

afterAll(async () => {
  await closeEverything(browser, contexts);
});

const open = (width: "laptop" | "phone" = "laptop") => openLiveShowing(browser, stack.url, contexts, "Standup", width);

const block = eventBlockTitled;

type Box = { left: number; right: number; top: number; bottom: number; width: number; height: number };
const box = (page: Page, selector: string): Promise<Box> => page.locator(selector).first().evaluate((el) => el.getBoundingClientRect().toJSON() as Box);

/** How much of a title the member can read: its own width against the width it needs, and whether the block shows it. */
async function titleShown(page: Page, title: string) {
  return block(page, title).first().evaluate((el) => {
    const span = el.querySelector(".event-title") as HTMLElement;
    const spanBox = span.getBoundingClientRect(), blockBox = el.getBoundingClientRect();
    return { text: span.textContent, full: span.scrollWidth <= span.clientWidth + 1, visibleWidth: Math.min(spanBox.right, blockBox.right) - spanBox.left, insideVertically: spanBox.top >= blockBox.top - 1 && spanBox.bottom <= blockBox.bottom + 1, tooltip: el.getAttribute("title") };
  });
}

for (const width of ["laptop", "phone"] as const) {
  describe(`the week grid at ${width} width`, () => {
    it("shows a 15-minute event's title, not only its time, and names it whole in the tooltip", async () => {
      const { page, errors } = await open(width);
      const standup = await titleShown(page, "Standup");
      expect(standup).toMatchObject({ text: "Standup", full: true, insideVertically: true });
      expect(standup.tooltip).toContain("Standup");
      expect(standup.tooltip).toMatch(/09:00–09:15/);
      expect(errors).toEqual([]);
    });

    it("keeps the titles of three overlapping events readable: those that fit sit side by side, the rest fold into a \"+N\" chip that lists them", async () => {
      const { page, errors } = await open(width);
      const titles = ["Quarterly planning", "Architecture sync", "Customer call"];
      const column = await box(page, '.day-column[data-day="0"]');
      const shown: string[] = [];
      for (const title of titles) if ((await block(page, title).count()) > 0) shown.push(title);
      const chip = page.locator('.day-column[data-day="0"] .more-block');
      const folded = titles.length - shown.length;
      // At either width three in a column would cut titles to "Q…": at least one folds, at least one stays.
      expect(shown[0]).toBe("Quarterly planning");
      expect(folded).toBeGreaterThan(0);
      expect(await chip.count()).toBe(1);
      expect(await chip.textContent()).toBe(`+${folded}`);
      const boxes = [...await Promise.all(shown.map((title) => block(page, title).evaluate((el) => el.getBoundingClientRect().toJSON() as Box))), await box(page, '.day-column[data-day="0"] .more-block')];
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) expect(boxes[i]!.right <= boxes[j]!.left + 1 || boxes[j]!.right <= boxes[i]!.left + 1, `blocks ${i} and ${j} overlap`).toBe(true);
      }
      for (const title of shown) {
        const seen = await titleShown(page, title);
        // Wide enough for words: the first word of each shown title is on screen whole.
        expect(seen.visibleWidth, `${title} is squeezed`).toBeGreaterThanOrEqual(50);
        expect(await block(page, title).evaluate((el) => el.getBoundingClientRect().width)).toBeGreaterThanOrEqual(60);
      }
      expect(column.width).toBeGreaterThan(0);
      const colours = await Promise.all(shown.map((title) => block(page, title).evaluate((el) => getComputedStyle(el).borderLeftColor)));
      expect(new Set(colours).size).toBe(shown.length);
      expect(await chip.getAttribute("title")).toContain("Customer call");

      await chip.click();
      const list = page.locator("#more-events");
      await expect.poll(() => list.isVisible()).toBe(true);
      expect(await page.textContent("#more-events-heading")).toMatch(new RegExp(`${folded} more$`));
      const listed = await list.locator(".more-item .event-title").allTextContents();
      expect(listed).toEqual(titles.slice(shown.length));
      await screenshot(page, `week-overlap-${width}`, "#calendar");
      await list.getByRole("button", { name: /Customer call/ }).click();
      await expect.poll(() => list.isVisible()).toBe(false);
      await expect.poll(() => page.textContent("#event-detail-title")).toBe("Customer call");
      expect(await page.textContent("#event-detail-calendar")).toBe("Calendar: sales");
      expect(await page.textContent("#event-detail-when")).toMatch(/10:45–11:15 \(Europe\/Berlin\)$/);
      expect(await page.inputValue("#event-calendar")).toBe("sales");
      expect(await page.locator("#event-detail").isVisible()).toBe(true);
      expect(errors).toEqual([]);
    });

    it("draws an event across midnight on both days, with its title on each", async () => {
      const { page, errors } = await open(width);
      const pieces = block(page, "Late deploy");
      expect(await pieces.count()).toBe(2);
      const seen = await pieces.evaluateAll((els) => els.map((el) => ({
        day: el.closest(".day-column")?.getAttribute("data-day"),
        title: el.querySelector(".event-title")?.textContent,
        time: el.querySelector(".event-time")?.textContent,
      })));
      expect(seen).toEqual([{ day: "0", title: "Late deploy", time: "23:00 →" }, { day: "1", title: "Late deploy", time: "→ 02:00" }]);
      expect(errors).toEqual([]);
    });

    it("shows today's column whole, clear of the sticky hour column, with its events readable", async () => {
      const { page, errors } = await open(width);
      const scroller = await box(page, "#week-scroll");
      const gutter = await box(page, ".hour-gutter");
      const head = await box(page, '.day-head[aria-current="date"]');
      expect(head.left).toBeGreaterThanOrEqual(gutter.right - 1);
      expect(head.right).toBeLessThanOrEqual(scroller.right + 1);
      await block(page, "Lunch & learn").scrollIntoViewIfNeeded();
      const lunch = await titleShown(page, "Lunch & learn");
      expect(lunch).toMatchObject({ text: "Lunch & learn", full: true });
      const lunchBox = await block(page, "Lunch & learn").evaluate((el) => el.getBoundingClientRect().toJSON() as Box);
      expect(lunchBox.left).toBeGreaterThanOrEqual(gutter.right - 1);
      await screenshot(page, `week-${width}`);
      expect(errors).toEqual([]);
    });

    it("hints at events before 07:00 and after the visible hours, and scrolls to them", async () => {
      const { page, errors } = await open(width);
      const earlier = page.locator("#earlier-hint");
      // The call at 05:00 and the part of Late deploy after midnight.
      await expect.poll(() => earlier.textContent()).toBe("↑ 2 events earlier, from 00:00");
      expect(await page.locator("#later-hint").textContent()).toMatch(/^↓ \d+ events? later, until \d\d:\d\d$/);
      await earlier.click();
      const scroller = await box(page, "#week-scroll");
      const call = await block(page, "Call with New York").evaluate((el) => el.getBoundingClientRect().toJSON() as Box);
      expect(call.top).toBeGreaterThanOrEqual(scroller.top);
      expect(call.bottom).toBeLessThanOrEqual(scroller.bottom);
      await expect.poll(() => earlier.isHidden()).toBe(true);
      expect(errors).toEqual([]);
    });

    it("names the time zone, and shows the week in another one when picked", async () => {
      const { page, errors } = await open(width);
      expect(await page.inputValue("#time-zone")).toBe(TIME_ZONE);
      expect(await page.textContent(".corner-zone")).toBe("UTC+1");
      expect(await page.locator(".zone-name").first().textContent()).toBe("UTC+1");
      expect(await page.locator("#time-zone option:checked").textContent()).toBe("Europe/Berlin (this device)");
      await page.selectOption("#time-zone", "America/New_York");
      await expect.poll(() => page.textContent(".corner-zone")).toBe("UTC−5");
      await expect.poll(async () => (await block(page, "Standup").getAttribute("title")) ?? "").toMatch(/03:00–03:15/);
      // 05:00 Wednesday in Berlin is 23:00 Tuesday in New York.
      expect(await block(page, "Call with New York").evaluate((el) => el.closest(".day-column")?.getAttribute("data-day"))).toBe("1");
      // The choice is kept for the next visit.
      await page.reload();
      await page.locator('#connection[data-status="live"]').waitFor({ timeout: 15_000 });
      expect(await page.inputValue("#time-zone")).toBe("America/New_York");
      await page.selectOption("#time-zone", TIME_ZONE);
      await expect.poll(() => page.textContent(".corner-zone")).toBe("UTC+1");
      expect(errors).toEqual([]);
    });

    it("lists each calendar in a legend whose boxes filter the grid", async () => {
      const { page, errors } = await open(width);
      const names = await page.locator("#calendar-legend label").allTextContents();
      expect(names).toEqual(["team", "design", "ops", "sales"]);
      // Drawn or folded into "+N", the 10:00 cluster counts three events, then two without design.
      const clusterCount = async () => {
        const chip = await page.locator('.day-column[data-day="0"] .more-block').allTextContents();
        const drawn = await page.locator('.day-column[data-day="0"] .event-block').evaluateAll((els) => els.filter((el) => Number((el as HTMLElement).style.getPropertyValue("--start")) >= 600 && Number((el as HTMLElement).style.getPropertyValue("--start")) < 690).length);
        return drawn + chip.reduce((n, text) => n + Number(text.slice(1)), 0);
      };
      expect(await clusterCount()).toBe(3);
      await page.getByLabel("design", { exact: true }).uncheck();
      await expect.poll(() => page.locator('.event-block[data-calendar="design"]').count()).toBe(0);
      await expect.poll(clusterCount).toBe(2);
      expect(await block(page, "Standup").count()).toBe(1);
      await page.getByLabel("design", { exact: true }).check();
      await expect.poll(clusterCount).toBe(3);
      expect(errors).toEqual([]);
    });
  });
}

describe("booking", () => {
  it("books on the calendar picked in the form", async () => {
    const { page, errors } = await open("laptop");
    await page.click('.slot[data-day="4"][data-hour="14"]');
    await page.fill("#event-title", "Design crit");
    await page.fill("#event-calendar", "design");
    await page.click("#event-submit");
    await expect.poll(() => page.textContent("#event-status")).toContain("Booked “Design crit”");
    expect(await page.textContent("#event-status")).toContain("on design");
    expect(await block(page, "Design crit").getAttribute("data-calendar")).toBe("design");
    const listed = (await (await fetch(`${stack.url}/events?calendar=design&limit=500`)).json()) as { events: Array<{ title: string }> };
    expect(listed.events.map((event) => event.title)).toContain("Design crit");
    expect(errors).toEqual([]);
  });

  it("draws a slot an open transaction holds as held, offers Cancel after the refusal, and clears the marks", async () => {
    const { page, errors } = await open("laptop");
    const tx = (await (await fetch(`${stack.url}/tx`, { method: "POST" })).json()) as { tx_id: string };
    const held = await fetch(`${stack.url}/tx/${tx.tx_id}/ops`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "calendar.create", data: { title: "Offsite", starts_at: at(4, 9), ends_at: at(4, 11) } }),
    });
    expect(held.status).toBeLessThan(300);
    try {
      // Nothing in the listing or the feed shows a hold: the grid still looks free there.
      expect(await page.locator(".held-block").count()).toBe(0);
      await page.click('.slot[data-day="4"][data-hour="10"]');
      await page.fill("#event-title", "Planning poker");
      await page.click("#event-submit");
      await expect.poll(() => page.textContent("#event-error")).toMatch(/held by a transaction in progress/);
      const hold = page.locator(".held-block");
      await hold.waitFor({ timeout: 5000 });
      expect(await hold.evaluate((el) => el.closest(".day-column")?.getAttribute("data-day"))).toBe("4");
      expect(await hold.getAttribute("aria-label")).toMatch(/^Held by a transaction in progress, .*09:00–11:00, calendar team$/);
      await screenshot(page, "week-held-slot", "#calendar");
      const cancel = page.getByRole("button", { name: "Cancel" });
      expect(await cancel.isVisible()).toBe(true);
      await cancel.click();
      expect(await page.locator(".held-block").count()).toBe(0);
      expect(await page.locator("#event-error").isHidden()).toBe(true);
      expect(await page.inputValue("#event-title")).toBe("");
      expect(await cancel.isHidden()).toBe(true);
    } finally {
      await fetch(`${stack.url}/tx/${tx.tx_id}/abort`, { method: "POST" });
    }
    expect(errors).toEqual([]);
  });

  it("marks the event a booking collides with, and drops the mark once another event is being edited", async () => {
    const { page, errors } = await open("laptop");
    await page.click('.slot[data-day="0"][data-hour="10"]');
    await page.fill("#event-title", "Clash");
    await page.click("#event-submit");
    await expect.poll(() => page.textContent("#event-error")).toMatch(/overlaps “Quarterly planning”/);
    expect(await block(page, "Quarterly planning").getAttribute("data-conflict")).not.toBeNull();
    await block(page, "Standup").click();
    await expect.poll(() => page.textContent("#event-form-heading")).toBe("Edit “Standup”");
    expect(await page.locator(".event-block[data-conflict]").count()).toBe(0);
    await page.getByRole("button", { name: "Cancel" }).click();
    expect(errors).toEqual([]);
  });
});

describe("the timer's small words", () => {
  it("counts rounds in the singular when there is one, and drops a refusal once the timer changes", async () => {
    const { page, errors } = await open("laptop");
    await fetch(`${stack.url}/pomo/start`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ focus_minutes: 10, long_break_every: 1 }) });
    await expect.poll(() => page.textContent("#timer-phase"), { timeout: 5000 }).toBe("Focus");
    expect(await page.textContent("#timer-round")).toBe("0 focus rounds done · a long break after every round");
    await page.locator(".timer-settings summary").click();
    await page.getByRole("button", { name: "Start with these settings" }).click();
    await expect.poll(() => page.textContent("#timer-error")).toMatch(/already running/);
    await fetch(`${stack.url}/pomo/stop`, { method: "POST" });
    await expect.poll(() => page.textContent("#timer-phase"), { timeout: 5000 }).toBe("Idle");
    expect(await page.locator("#timer-error").isHidden()).toBe(true);
    expect(errors.filter((error) => !/status of 409/.test(error))).toEqual([]);
  });
});
