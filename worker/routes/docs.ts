import { swaggerUI } from "@hono/swagger-ui";
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { openApiDocument } from "../openapi.ts";

/** /openapi.json and interactive docs at /docs (the original had FastAPI's at /api/docs). */
export const docsRoutes = new Hono<AppEnv>();

docsRoutes.get("/openapi.json", (c) => c.json(openApiDocument() as object));
docsRoutes.get("/docs", swaggerUI({ url: "/openapi.json", title: "GroupSync API" }));
docsRoutes.get("/api/docs", (c) => c.redirect("/docs", 301));
