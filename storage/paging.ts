/**
 * Keyset paging. A list cursor is the sort key of the last item served,
 * encoded opaquely; the next page starts strictly after it, so inserts made
 * meanwhile never make an item repeat or vanish.
 */
export type CursorKey = ReadonlyArray<string | number>;

export const encodeCursor = (key: CursorKey): string => Buffer.from(JSON.stringify(key)).toString("base64url");

/** The key inside a cursor, or undefined when the string is not a cursor of the expected shape. */
export const decodeCursor = <const S extends ReadonlyArray<"string" | "number">>(
  cursor: string,
  shape: S,
): { [I in keyof S]: S[I] extends "string" ? string : number } | undefined => {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(key) || key.length !== shape.length) return undefined;
    for (let i = 0; i < shape.length; i++) {
      const v: unknown = key[i];
      if (shape[i] === "number" ? !Number.isSafeInteger(v) : typeof v !== "string") return undefined;
    }
    return key as never;
  } catch {
    return undefined;
  }
};

/** Split a fetched `limit + 1` rows into the page and whether more follow. */
export const page = <T>(rows: T[], limit: number): { rows: T[]; more: boolean } =>
  rows.length > limit ? { rows: rows.slice(0, limit), more: true } : { rows, more: false };
