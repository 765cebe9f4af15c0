import { expect } from "vitest";
import { UsageError } from "../../agent/config-file.ts";

/** The message of the UsageError `run` throws (bad CLI input); fails the test if it throws nothing or something else. */
export function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("expected a UsageError");
}
