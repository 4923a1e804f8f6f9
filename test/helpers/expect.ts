import { expect } from "vitest";
import { RpcError, type ErrorTag } from "../../protocol/index.ts";

/** Await a call that must fail with `tag`; returns the error for further checks. */
export const rejects = async (promise: Promise<unknown>, tag: ErrorTag): Promise<RpcError> => {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected ${tag}, but the call succeeded with ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(RpcError);
  const err = outcome.error as RpcError;
  expect(err.tag, err.message).toBe(tag);
  return err;
};

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
