import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopAll } from "../helpers/processes.ts";
import { eventBlockTitled, launchBrowser, newMemberContext, openDashboard, weekInstant } from "./browser.ts";
import { startStack, type TestStack } from "./stack.ts";

/**
 * What a browser sees of the worker beyond the dashboard's own use: /docs with no internet, the
 * API called from a page on another origin (CORS), and the dashboard under its security headers.
 */
let browser: Browser;
let stack: TestStack;
let otherSite: Server;
/** A page server on another port: http://127.0.0.1:<port> is on CORS_ALLOWED_ORIGINS, http://localhost:<port> is not. */
let otherPort: number;

beforeAll(async () => {
  otherSite = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>Another site</title>"));
  await new Promise<void>((resolve) => otherSite.listen(0, "127.0.0.1", resolve));
  otherPort = (otherSite.address() as { port: number }).port;
  [browser, stack] = await Promise.all([launchBrowser(), startStack({ vars: { CORS_ALLOWED_ORIGINS: `http://127.0.0.1:${otherPort}` } })]);
});

afterAll(async () => {
  await browser?.close();
  otherSite?.close();
  await stopAll();
});

async function newTeamToken(): Promise<string> {
  const team = `t${Math.random().toString(36).slice(2, 10)}`;
  const res = await fetch(`${stack.url}/admin/teams`, {
    method: "POST",
    headers: { authorization: `Bearer ${stack.adminSecret}`, "content-type": "application/json" },
    body: JSON.stringify({ team, members: ["ana"] }),
  });
  return ((await res.json()) as { tokens: Record<string, string> }).tokens.ana!;
}

describe("/docs", () => {
  it("shows every operation with the network to anything but the worker blocked, under its CSP", async () => {
    const context = await newMemberContext(browser);
    const blocked: string[] = [];
    await context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(`${stack.url}/`)) return route.continue();
      blocked.push(url);
      return route.abort("internetdisconnected");
    });
    const { page, errors } = await openDashboard(context, `${stack.url}/docs`);
    const { paths } = (await (await fetch(`${stack.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.values(paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    expect(operations).toBeGreaterThan(30);
    await expect.poll(async () => ((await page.locator(".opblock").count()) > 0 ? "shown" : errors.join("\n")), { timeout: 20_000 }).toBe("shown");
    expect(await page.locator(".opblock").count()).toBe(operations);
    for (const [path, methods] of Object.entries(paths)) {
      for (const method of Object.keys(methods)) {
        expect(await page.locator(`.opblock-${method} [data-path="${path}"]`).count(), `${method} ${path}`).toBe(1);
      }
    }
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("serves the files of the swagger-ui-dist package.json pins, byte for byte", async () => {
    const pinned = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { dependencies: Record<string, string> }).dependencies["swagger-ui-dist"];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/); // exact, not a range
    const installed = (JSON.parse(readFileSync(new URL("../../node_modules/swagger-ui-dist/package.json", import.meta.url), "utf8")) as { version: string }).version;
    expect(installed).toBe(pinned);
    for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
      const served = await (await fetch(`${stack.url}/docs/${file}`)).text();
      expect(served === readFileSync(new URL(`../../node_modules/swagger-ui-dist/${file}`, import.meta.url), "utf8"), file).toBe(true);
    }
  });
});

describe("CORS", () => {
  it("a page on an allowed origin reads and writes the API with a token; a page on another origin cannot", async () => {
    const token = await newTeamToken();
    const context = await newMemberContext(browser);
    const callFrom = async (origin: string) => {
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      const result = await page.evaluate(
        async ({ api, token }) => {
          try {
            const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
            const created = await fetch(`${api}/goals`, { method: "POST", headers, body: JSON.stringify({ title: "From another site" }) });
            const goal = await created.json();
            // PATCH with If-Match needs a preflight; the answer's ETag and X-Request-Id must be readable.
            const patched = await fetch(`${api}/goals/${goal.id}`, { method: "PATCH", headers: { ...headers, "if-match": created.headers.get("etag") ?? "", "x-request-id": "from-page-1" }, body: JSON.stringify({ progress: 50 }) });
            return { ok: true, created: created.status, patched: patched.status, etag: patched.headers.get("etag"), requestId: patched.headers.get("x-request-id"), progress: (await patched.json()).progress };
          } catch (error) {
            return { ok: false, error: String(error) };
          }
        },
        { api: stack.url, token },
      );
      await page.close();
      return result;
    };
    expect(await callFrom(`http://127.0.0.1:${otherPort}`)).toEqual({ ok: true, created: 201, patched: 200, etag: expect.stringMatching(/^"2@.+Z"$/), requestId: "from-page-1", progress: 50 });
    const refused = await callFrom(`http://localhost:${otherPort}`);
    expect(refused).toMatchObject({ ok: false });
    expect(refused.error).toContain("Failed to fetch");
    await context.close();
  });
});

describe("the dashboard's headers", () => {
  it("come with a CSP, frame-ancestors/X-Frame-Options and Referrer-Policy, and the dashboard runs under them", async () => {
    for (const path of ["/", "/index.html", "/team.html", "/app.js"]) {
      const res = await fetch(`${stack.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-security-policy"), path).toContain("script-src 'self'");
      expect(res.headers.get("content-security-policy"), path).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      expect(res.headers.get("referrer-policy"), path).toBe("no-referrer");
    }
    expect((await fetch(`${stack.url}/_headers`)).status).not.toBe(200);
    // An event in view, so the week grid positions blocks (custom properties set through CSSOM).
    const token = await newTeamToken();
    const booked = await fetch(`${stack.url}/events`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ id: "csp-check", title: "CSP check", starts_at: weekInstant(2, 10), ends_at: weekInstant(2, 11) }) });
    expect(booked.status).toBe(201);
    const context = await newMemberContext(browser);
    const violations: string[] = [];
    const { page, errors } = await openDashboard(context, `${stack.url}/`, async (p) => {
      await p.addInitScript((t) => localStorage.setItem("groupsync.token", t), token);
      await p.exposeFunction("reportViolation", (text: string) => violations.push(text));
      await p.addInitScript(() => document.addEventListener("securitypolicyviolation", (e) => (window as unknown as { reportViolation: (t: string) => void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`)));
    });
    await eventBlockTitled(page, "CSP check").waitFor();
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
    await context.close();
  });
});
