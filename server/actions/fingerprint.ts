import { createHash } from "node:crypto";

/** JSON with object keys sorted, so that equal values give equal text whatever their key order. */
export const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
};

/**
 * What makes two invocations "the same" for idempotency (7.5, 10.15) and for
 * binding a confirmation (7.2 step 6): the action, its params and the acting user.
 */
export const fingerprint = (action: string, params: unknown, actorUserId: string | undefined): string =>
  createHash("sha256")
    .update(canonicalJson({ action, params, actorUserId: actorUserId ?? null }))
    .digest("base64url");
