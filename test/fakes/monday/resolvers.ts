// The root resolvers of the monday.com fake: its GraphQL queries and mutations over the in-memory board, counting the writes.
import type { FakeBoard, StoredItem } from './board';
import type { FakeColumn, StoredColumnValue } from './column-values';
import type { ComplexityCharge } from './complexity';

export interface WriteCounts {
  creates: number;
  updates: number;
}

export interface FakeMondayUser {
  id: string;
  name: string;
  email: string;
}

/** Per request: what the query cost, for the `complexity` field. */
export interface RequestContext {
  complexity: ComplexityCharge;
}

interface ColumnsArgs {
  ids?: (string | null)[] | null;
}

interface MutationArgs {
  board_id: string;
  item_id?: string | null;
  column_values?: unknown;
  create_labels_if_missing?: boolean | null;
}

/** One object for both operation types (graphql-js calls `rootValue[field](args, context)`). */
export function createRootValue(board: FakeBoard, user: FakeMondayUser, writes: WriteCounts): Record<string, unknown> {
  const boardView = () => ({ id: board.id, name: board.name, state: 'active', columns: ({ ids }: ColumnsArgs) => selectColumns(board.columns, ids).map(columnView) });
  const itemView = (item: StoredItem) => ({
    id: item.id,
    name: item.name,
    state: item.state,
    created_at: item.createdAt,
    updated_at: item.updatedAt,
    board: boardView,
    column_values: ({ ids }: ColumnsArgs) =>
      selectColumns(board.columns, ids)
        .filter((column) => column.type !== 'name')
        .map((column) => columnValueView(column, item.values.get(column.id))),
  });
  const written = (kind: keyof WriteCounts, item: StoredItem) => {
    writes[kind]++;
    return itemView(item);
  };
  const writeOptions = (args: MutationArgs) => ({ boardId: args.board_id, createLabelsIfMissing: args.create_labels_if_missing ?? false });

  return {
    me: () => user,
    complexity: (_args: unknown, context: RequestContext) => context.complexity,
    boards: ({ ids }: { ids?: string[] | null }) => (!ids || ids.includes(board.id) ? [boardView()] : []),
    items: ({ ids, limit, exclude_nonactive }: { ids?: string[] | null; limit: number; exclude_nonactive?: boolean | null }) =>
      (ids ? ids.flatMap((id) => board.item(id) ?? []) : board.allItems())
        .filter((item) => !exclude_nonactive || item.state === 'active')
        .slice(0, limit)
        .map(itemView),
    items_page_by_column_values: (args: { board_id: string; columns?: { column_id: string; column_values: (string | null)[] }[] | null; cursor?: string | null; limit: number }) => {
      const page = board.findByColumnValues(args.board_id, args.columns ?? [], args.limit, args.cursor ?? null);
      return { cursor: page.cursor, items: page.items.map(itemView) };
    },
    create_item: (args: MutationArgs & { item_name: string }) => written('creates', board.create(args.item_name, { ...writeOptions(args), columnValues: args.column_values })),
    change_multiple_column_values: (args: MutationArgs) =>
      written('updates', board.changeColumnValues(args.item_id ?? undefined, { ...writeOptions(args), columnValues: args.column_values })),
    change_simple_column_value: (args: MutationArgs & { column_id: string; value?: string | null }) =>
      written('updates', board.changeSimpleColumnValue(args.item_id ?? undefined, args.column_id, args.value, writeOptions(args))),
  };
}

function selectColumns(columns: FakeColumn[], ids: ColumnsArgs['ids']): FakeColumn[] {
  return ids ? columns.filter((column) => ids.includes(column.id)) : columns;
}

function columnView(column: FakeColumn) {
  const settings = column.type === 'status' ? { labels: Object.fromEntries((column.labels ?? []).map((label, index) => [String(index), label])) } : {};
  return { id: column.id, title: column.title, type: column.type, archived: false, settings_str: JSON.stringify(settings) };
}

/** monday returns `value` JSON-encoded, and null `text`/`value` for an empty column. */
function columnValueView(column: FakeColumn, stored: StoredColumnValue | undefined) {
  return { id: column.id, type: column.type, text: stored?.text ?? null, value: stored ? JSON.stringify(stored.value) : null, column: columnView(column) };
}
