// Keyset (cursor) paging shared by every list endpoint: opaque cursors, a 200-item cap, one page shape.
import { literal } from 'sequelize';
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

/**
 * A timestamp column to the microsecond, as text (a JS Date keeps only milliseconds), so paging by it never skips rows
 * written in the same millisecond; `microsecondInstant` is its shape in a cursor.
 */
export const exactTimestamp = (column: string) => literal(`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

const isRealInstant = (value: string) => {
  const millis = new Date(`${value.slice(0, 23)}Z`);
  return !Number.isNaN(millis.getTime()) && millis.toISOString().startsWith(value.slice(0, 23));
};
export const microsecondInstant = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/).refine(isRealInstant);
