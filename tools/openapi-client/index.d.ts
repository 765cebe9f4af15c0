/** TypeScript types for an OpenAPI document, as openapi-typescript prints them. */
export function typesOf(document: unknown): Promise<string>;
