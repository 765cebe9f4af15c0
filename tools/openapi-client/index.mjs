// TypeScript types for an OpenAPI document, as openapi-typescript prints them.
import openapiTS, { astToString } from "openapi-typescript";

export async function typesOf(document) {
  return astToString(await openapiTS(document, { alphabetize: true }));
}
