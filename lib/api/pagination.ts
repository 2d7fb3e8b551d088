/**
 * Cursor pagination for API lists: `?limit=` (1..500, default 100) and `?cursor=` (opaque: the sort
 * key of the last item of the previous page, base64url JSON). Keyset pagination: a page stays right
 * when items are added or removed between requests, unlike offsets.
 */
import { z } from "zod";

const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 100;

export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE).describe(`Items per page (at most ${MAX_PAGE_SIZE})`),
  cursor: z.string().max(512).optional().describe("The nextCursor of the previous page"),
});

export function encodeCursor(key: string | number): string {
  return Buffer.from(JSON.stringify({ k: key }), "utf8").toString("base64url");
}

/** The key a cursor carries; undefined when there is none; null when it is not one of ours. */
export function decodeCursor(cursor: string | undefined): string | number | undefined | null {
  if (cursor === undefined) return undefined;
  try {
    const value = (JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { k?: unknown }).k;
    return typeof value === "string" || typeof value === "number" ? value : null;
  } catch {
    return null;
  }
}

/** One page of `items` (already sorted by `keyOf`, ascending), after the cursor's key. */
export function page<T>(
  items: readonly T[],
  keyOf: (item: T) => string | number,
  limit: number,
  after: string | number | undefined,
): { items: T[]; nextCursor: string | null } {
  const start = after === undefined ? 0 : items.findIndex((item) => keyOf(item) > after);
  const from = start < 0 ? items.length : start;
  const slice = items.slice(from, from + limit);
  const more = from + limit < items.length;
  return { items: slice, nextCursor: more && slice.length > 0 ? encodeCursor(keyOf(slice[slice.length - 1]!)) : null };
}

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable().describe("Pass as ?cursor= for the next page; null on the last page") });
