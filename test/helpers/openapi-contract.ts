import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

/** The parts of an OpenAPI 3.1 document the contract checks read. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: Record<string, Record<string, unknown>>;
  security?: unknown[];
}

export interface OpenApiOperation {
  operationId: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; example?: unknown }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: unknown; example?: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema?: unknown }>; headers?: Record<string, unknown> }>;
}

/**
 * Checks answers against what a document declares for their operation: the status, the media type
 * and the body (JSON validated by ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses it). Each check
 * answers the problems found, empty when the answer is one the document allows.
 */
export class ContractChecker {
  readonly #doc: OpenApiDocument;
  readonly #ajv: Ajv2020;
  readonly #validators = new Map<string, ValidateFunction>();

  constructor(doc: OpenApiDocument) {
    this.#doc = doc;
    // strict off: OpenAPI adds keywords to JSON Schema (example, readOnly is one of its own annotations).
    this.#ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (ajv: Ajv2020) => void)(this.#ajv);
    this.#ajv.addSchema({ $id: "openapi", components: doc.components });
  }

  async problemsOf(path: string, method: string, res: Response): Promise<string[]> {
    const op = this.#doc.paths[path]?.[method];
    const where = `${method.toUpperCase()} ${path} answered ${res.status}`;
    if (op === undefined) return [`${method.toUpperCase()} ${path} is not in the document`];
    const declared = op.responses[String(res.status)];
    const text = await res.text();
    if (declared === undefined) return [`${where}, which the document does not declare (it declares ${Object.keys(op.responses).join(", ")}): ${text.slice(0, 300)}`];
    const problems: string[] = [];
    if (res.headers.get("x-request-id") === null) problems.push(`${where} without X-Request-Id`);
    const media = (res.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (declared.content === undefined) {
      if (text !== "") problems.push(`${where} with a body (${media}), but the document declares none: ${text.slice(0, 200)}`);
      return problems;
    }
    const content = declared.content[media];
    if (content === undefined) return [...problems, `${where} as ${media || "no content type"}, but the document declares ${Object.keys(declared.content).join(", ")}`];
    if (media === "application/json" && content.schema !== undefined) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return [...problems, `${where} with a body that is not JSON: ${text.slice(0, 200)}`];
      }
      const validate = this.#validator(`${method} ${path} ${res.status}`, content.schema);
      if (!validate(body)) problems.push(`${where} with a body the document's schema refuses: ${this.#ajv.errorsText(validate.errors)}; body ${text.slice(0, 300)}`);
    }
    return problems;
  }

  #validator(key: string, schema: unknown): ValidateFunction {
    let validate = this.#validators.get(key);
    if (validate === undefined) {
      // The operation's schema refers to the document's components by "#/components/...".
      const rooted = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')) as object;
      validate = this.#ajv.compile(rooted);
      this.#validators.set(key, validate);
    }
    return validate;
  }
}
