import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopAll } from "../helpers/processes.ts";
import { launchBrowser, newMemberContext, openDashboard, screenshot } from "./browser.ts";
import { startStack, type TestStack } from "./stack.ts";

/** The team page (/team.html) in headless Chromium against the real stack. */
let browser: Browser;
let stack: TestStack;

beforeAll(async () => {
  [browser, stack] = await Promise.all([launchBrowser(), startStack()]);
});

afterAll(async () => {
  await browser?.close();
  await stopAll();
});

const status = async (token: string) => (await fetch(`${stack.url}/events`, { headers: { authorization: `Bearer ${token}` } })).status;

describe("the team page", () => {
  it("lists members with last use; reissues a token (old one refused), removes a member and adds one", async () => {
    const created = await fetch(`${stack.url}/admin/teams`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.adminSecret}`, "content-type": "application/json" },
      body: JSON.stringify({ team: "acme", members: ["ana", "bo"] }),
    });
    const { tokens } = (await created.json()) as { tokens: Record<string, string> };
    expect(await status(tokens.ana!)).toBe(200);

    const context = await newMemberContext(browser);
    const { page, errors } = await openDashboard(context, `${stack.url}/team.html`);
    await page.fill("#secret-input", "wrong-secret");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#team-error")).toContain("not accepted");

    await page.fill("#secret-input", stack.adminSecret);
    await page.keyboard.press("Enter");
    const ana = page.locator('tr[data-member="ana"]');
    await ana.waitFor({ timeout: 10_000 });
    expect(await page.locator("#team-error").isHidden()).toBe(true);
    expect(await ana.locator("td").nth(2).textContent()).not.toBe("—"); // ana's token was used
    expect(await page.locator('tr[data-member="bo"] td').nth(2).textContent()).toBe("—");

    await page.getByRole("button", { name: "New token for ana" }).click();
    await expect.poll(() => page.textContent("#issued-token")).toMatch(/^gs_/);
    const fresh = (await page.textContent("#issued-token"))!;
    expect(await status(tokens.ana!)).toBe(401);
    expect(await status(fresh)).toBe(200);

    await page.getByRole("button", { name: "Remove bo" }).click();
    await page.locator('tr[data-member="bo"]').waitFor({ state: "detached", timeout: 5000 });
    expect(await status(tokens.bo!)).toBe(401);

    await page.fill("#add-input", "cy");
    await page.click('#add-form button[type="submit"]');
    await page.locator('tr[data-member="cy"]').waitFor({ timeout: 5000 });
    const cy = (await page.textContent("#issued-token"))!;
    expect(await page.textContent("#issued-member")).toBe("cy");
    expect(await status(cy)).toBe(200);
    await screenshot(page, "team-page");
    expect(errors).toEqual([]);
    await context.close();
  });
});
