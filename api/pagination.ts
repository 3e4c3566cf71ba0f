// Keyset (cursor) paging shared by every list endpoint: opaque cursors, a 200-item cap, one page shape.
import { z, type ZodType } from 'zod';
import { badRequest } from '../lib/errors';

export const MAX_PAGE_SIZE = 200;

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50).describe(`Page size, at most ${MAX_PAGE_SIZE}`),
  cursor: z.string().max(512).optional().describe('The nextCursor of the previous page'),
};

export const pageOf = <T extends ZodType>(item: T, id: string) => z.object({ items: z.array(item), nextCursor: z.string().nullable() }).meta({ id });

export const encodeCursor = (position: unknown): string => Buffer.from(JSON.stringify(position)).toString('base64url');

/** The position a cursor stands for, validated against the endpoint's own shape; a foreign or forged cursor is a 400. */
export function decodeCursor<T extends ZodType>(cursor: string | undefined, shape: T): z.infer<T> | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = shape.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    /* not base64 JSON */
  }
  throw badRequest('Invalid cursor: pass the nextCursor of a previous page unchanged');
}

/** Fetch limit + 1 rows; the extra one only tells whether there is a next page. */
export function toPage<Row, Item>(rows: Row[], limit: number, toItem: (row: Row) => Item, position: (row: Row) => unknown) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(toItem), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(position(last)) : null };
}
