/**
 * The `never` check that ends an exhaustive `switch` over an outcome union: it compiles only while
 * every kind is handled, so a kind added later (or forgotten) is a type error, not a fall-through
 * to success. Reaching it at run time means a script answered something its type does not allow.
 */
export function unreachable(value: never, what: string): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}
