import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { stopAll } from "../helpers/processes.ts";
// The dashboard's own week rules, so tests seed events at the wall-clock hours they read back.
// @ts-ignore: plain JS module, typed by JSDoc for the dashboard's own check
import { slotInstant, startOfWeek } from "../../dashboard/public/lib/week.js";

/** Debian's chromium package (CI installs it); playwright-core brings no browser of its own. */
export const CHROMIUM_PATH = process.env.GROUPSYNC_CHROMIUM ?? "/usr/bin/chromium";

export const SCREENSHOT_DIR = fileURLToPath(new URL("../../test-results/screenshots/", import.meta.url));

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true });
}

/** The sizes issue 19 tried the dashboard at: a 1366×800 laptop and a 390×844 phone. */
export const LAPTOP = { width: 1366, height: 800 };
export const PHONE = { width: 390, height: 844 };

/**
 * A browser context as a member's browser: its own localStorage, a fixed time zone (the week view
 * shows local days and hours, so the tests must know which), and page errors collected so a test
 * can assert there were none.
 */
export async function newMemberContext(
  browser: Browser,
  options: { viewport?: { width: number; height: number }; mobile?: boolean; colorScheme?: "light" | "dark"; bypassCSP?: boolean } = {},
) {
  const context = await browser.newContext({
    viewport: options.viewport ?? LAPTOP,
    isMobile: options.mobile ?? false,
    hasTouch: options.mobile ?? false,
    colorScheme: options.colorScheme ?? "light",
    // Only for injecting axe-core: the page's own Content-Security-Policy would refuse the script.
    bypassCSP: options.bypassCSP ?? false,
    timezoneId: TIME_ZONE,
    locale: "en-GB",
  });
  context.on("dialog", (dialog) => void dialog.accept()); // the delete confirmations
  return context;
}

/** Not UTC on purpose: the page must convert between local slots and the API's UTC instants. */
export const TIME_ZONE = "Europe/Berlin";

export interface OpenedPage {
  page: Page;
  /** Uncaught errors in the page, and console errors. */
  errors: string[];
}

const EXPECTED_REFUSAL = /^Failed to load resource: the server responded with a status of (401|409)\b/;

/** Opens the dashboard and marks the document, so a test can prove later that it was never reloaded. */
export async function openDashboard(context: BrowserContext, url: string, beforeLoad?: (page: Page) => Promise<void>): Promise<OpenedPage> {
  const page = await context.newPage();
  await beforeLoad?.(page);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    // Chromium logs every 4xx answer; a refused booking (409) or a wrong token (401) is the page
    // working as intended, so only those are let through.
    if (message.type() === "error" && !EXPECTED_REFUSAL.test(message.text())) errors.push(`console: ${message.text()}`);
  });
  await page.goto(url);
  await page.evaluate(() => ((window as unknown as { documentMark: string }).documentMark = "original"));
  return { page, errors };
}

/** True while the page still shows the document openDashboard marked (no reload, no navigation). */
export async function neverReloaded(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { documentMark?: string }).documentMark === "original");
}

/** Saves test-results/screenshots/<name>.png: the whole page, or one element of it. */
export async function screenshot(page: Page, name: string, selector?: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  if (selector === undefined) await page.screenshot({ path, fullPage: true });
  else await page.locator(selector).screenshot({ path });
  return path;
}

/** The viewport as the member sees it (a modal dialog's backdrop covers only the viewport). */
export async function screenshotViewport(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** The local wall-clock time of an instant in TIME_ZONE, "10:00", to check what the API stored. */
export function localTime(instant: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone: TIME_ZONE, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(instant));
}

/** Day number of this week's Monday in TIME_ZONE. */
export const THIS_WEEK: number = startOfWeek(Date.now(), TIME_ZONE);

/** The instant of a wall-clock time in TIME_ZONE on day `day` (0 = Monday) of this week, as ISO. */
export function weekInstant(day: number, hour: number, minute = 0): string {
  return new Date(slotInstant(THIS_WEEK + day, hour * 60 + minute, TIME_ZONE)).toISOString();
}

/**
 * A member's page at laptop or phone size, live; the context is added to `contexts` for closing.
 * `bypassCSP` only for tests that inject a script (axe-core).
 */
export async function openLive(
  browser: Browser,
  url: string,
  contexts: BrowserContext[],
  options: { width?: "laptop" | "phone"; colorScheme?: "light" | "dark"; bypassCSP?: boolean } = {},
): Promise<OpenedPage> {
  const size = options.width === "phone" ? { viewport: PHONE, mobile: true } : { viewport: LAPTOP };
  const context = await newMemberContext(browser, { ...size, colorScheme: options.colorScheme ?? "light", bypassCSP: options.bypassCSP ?? false });
  contexts.push(context);
  const opened = await openDashboard(context, url);
  await opened.page.locator('#connection[data-status="live"]').waitFor({ timeout: 15_000 });
  return opened;
}

/** openLive, once the week grid shows the event titled `title` (the file's seeded events have loaded). */
export async function openLiveShowing(browser: Browser, url: string, contexts: BrowserContext[], title: string, width: "laptop" | "phone" = "laptop"): Promise<OpenedPage> {
  const opened = await openLive(browser, url, contexts, { width });
  await eventBlockTitled(opened.page, title).first().waitFor({ timeout: 5000 });
  return opened;
}

/** The week grid's block (or blocks, for an event across midnight) whose title is `title`. */
export function eventBlockTitled(page: Page, title: string) {
  return page.locator(".event-block", { has: page.locator(".event-title", { hasText: title }) });
}

/** After a file's tests: its member contexts, the browser, then the stack's processes. */
export async function closeEverything(browser: Browser | undefined, contexts: BrowserContext[]): Promise<void> {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
  await browser?.close();
  await stopAll();
}
