import { Hono } from "hono";
import { z } from "zod";
import swaggerCss from "swagger-ui-dist/swagger-ui.css";
import swaggerBundle from "swagger-ui-dist/swagger-ui-bundle.js";
import { documented, type ApiAnswer } from "../api-doc.ts";
import type { AppEnv } from "../env.ts";
import { openApiDocument } from "../openapi.ts";
import { contentTag, taggedAnswer } from "../preconditions.ts";

/**
 * /openapi.json and interactive docs at /docs (the original had FastAPI's at /api/docs). The docs
 * page's scripts and styles are Swagger UI's own files from the installed npm package (its version
 * pinned in package.json), bundled into the worker: the page works without internet, and loads
 * nothing from anywhere but this worker (its Content-Security-Policy says so).
 */
export const docsRoutes = new Hono<AppEnv>();

/** The docs page may run only its own scripts and talk only to this worker. Swagger UI sets inline styles. */
export const DOCS_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>GroupSync API</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

// No inline script (the CSP forbids it): the page's one line of setup is a file of its own.
// validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io.
const INIT = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null });\n`;

const ASSETS: Record<string, { text: string; type: string }> = {
  "swagger-ui-bundle.js": { text: swaggerBundle, type: "text/javascript; charset=utf-8" },
  "swagger-ui.css": { text: swaggerCss, type: "text/css; charset=utf-8" },
  "init.js": { text: INIT, type: "text/javascript; charset=utf-8" },
};

// Fixed for the life of a deployment: tagged once per isolate, so a revalidation is a 304 at no cost.
const tags = new Map<string, Promise<string>>();
function tagOf(name: string, text: string): Promise<string> {
  let tag = tags.get(name);
  if (tag === undefined) tags.set(name, (tag = contentTag(text)));
  return tag;
}

const securityHeaders = { "Content-Security-Policy": DOCS_CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY" };

const TEXT = { type: "string" };
const fixedFile = (what: string, media: ApiAnswer["media"]): ApiAnswer => ({ description: `${what} (ETag: of its content)`, media, headers: ["ETag", "Cache-Control"] });

docsRoutes.get(
  "/openapi.json",
  documented(
    {
      operationId: "getOpenApiDocument",
      summary: "This document",
      description: "The OpenAPI 3.1 document, generated from the routes' own descriptions and the zod schemas that validate their input. Fixed for a deployment: revalidate with If-None-Match.",
      tag: "service",
      auth: "none",
      conditional: "etag",
      responses: { 200: fixedFile("The OpenAPI 3.1 document", { "application/json": { schema: { type: "object" } } }) },
    },
    async (c) => {
      const text = JSON.stringify(openApiDocument());
      return taggedAnswer(c, text, { "Content-Type": "application/json", "Cache-Control": "public, no-cache" }, await tagOf("openapi.json", text));
    },
  ),
);

docsRoutes.get(
  "/docs",
  documented(
    {
      operationId: "getDocsPage",
      summary: "Interactive API documentation",
      description: "Swagger UI for this document, served by the worker itself (works offline; its Content-Security-Policy allows only the worker's own files). The original's /api/docs redirects here.",
      tag: "service",
      auth: "none",
      conditional: "etag",
      responses: { 200: { ...fixedFile("The HTML page", { "text/html": { schema: TEXT } }), headers: ["ETag", "Cache-Control", "Content-Security-Policy"] } },
    },
    async (c) => taggedAnswer(c, PAGE, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "public, no-cache", ...securityHeaders }, await tagOf("page", PAGE)),
  ),
);

docsRoutes.get(
  "/docs/:asset",
  documented(
    {
      operationId: "getDocsAsset",
      summary: "The docs page's scripts and styles",
      description: "swagger-ui-bundle.js and swagger-ui.css from the pinned swagger-ui-dist package, and init.js (the page's setup, a file of its own as the CSP forbids inline scripts).",
      tag: "service",
      auth: "none",
      params: { asset: { description: "swagger-ui-bundle.js, swagger-ui.css or init.js", schema: z.enum(Object.keys(ASSETS) as [string, ...string[]]), example: "init.js" } },
      conditional: "etag",
      responses: {
        200: fixedFile("The file", { "text/javascript": { schema: TEXT }, "text/css": { schema: TEXT } }),
        404: { description: "No such file", codes: ["not_found"] },
      },
    },
    async (c) => {
      const name = c.req.param("asset") ?? "";
      const asset = ASSETS[name];
      if (asset === undefined) return c.notFound();
      return taggedAnswer(c, asset.text, { "Content-Type": asset.type, "Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff" }, await tagOf(name, asset.text));
    },
  ),
);

docsRoutes.get("/api/docs", (c) => c.redirect("/docs", 301));
