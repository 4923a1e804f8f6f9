import { decodeCursor, encodeCursor, type CursorKey } from "../../storage/index.ts";
import type { Raise } from "../../protocol/index.ts";

export const DEFAULT_LIMIT = 50;

/** The key inside a list cursor, or InvalidParams at `cursor` when it is not one this list gave. */
export const readCursor = <const S extends ReadonlyArray<"string" | "number">>(
  raise: Raise<"InvalidParams">,
  cursor: string,
  shape: S,
) =>
  decodeCursor(cursor, shape) ??
  raise("InvalidParams", {
    issues: [{ path: ["cursor"], message: "is not a cursor this list returned; pass back nextCursor unchanged" }],
  });

/**
 * A page from rows fetched with `limit + 1`: the extra row only says that
 * more follow, so nextCursor is absent exactly on the last page.
 */
export const toPage = <R, I>(rows: ReadonlyArray<R>, limit: number, item: (r: R) => I, key: (r: R) => CursorKey) => {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const items = kept.map(item);
  return more ? { items, nextCursor: encodeCursor(key(kept[kept.length - 1]!)) } : { items };
};
