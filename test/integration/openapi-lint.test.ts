import { beforeAll, describe, expect, it } from "vitest";
import { lintOpenApi, servedOpenApiDocument } from "../../dev/lint-api.ts";
import type { OpenApiDocument } from "../helpers/openapi-contract.ts";

/**
 * `npm run lint:api` in CI: the document the real worker serves (wrangler dev) lints with no
 * finding from Redocly (recommended-strict, redocly.yaml) or Spectral (spectral:oas, .spectral.yaml).
 */
let doc: OpenApiDocument;

beforeAll(async () => {
  doc = (await servedOpenApiDocument()) as OpenApiDocument;
}, 120_000);

describe("the served OpenAPI document", () => {
  it("lints with no finding from Redocly or Spectral, and a flawed one does not", async () => {
    const report = await lintOpenApi(doc);
    expect(report.ok, report.output).toBe(true);
    const flawed = structuredClone(doc);
    delete (flawed.paths["/ping"]!.get as { operationId?: string }).operationId;
    const flawedReport = await lintOpenApi(flawed);
    expect(flawedReport.ok).toBe(false);
    expect(flawedReport.output).toContain("operationId");
  }, 120_000);

  it("gives every operation a 2xx answer but GET /ws (101: the one exception the lint configs allow)", () => {
    const without = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => !Object.keys(op.responses).some((status) => status.startsWith("2")))
        .map(([method]) => `${method} ${path}`),
    );
    expect(without).toEqual(["get /ws"]);
  });
});
