// The fake's one monday.com board held in memory: its columns and items, with monday's rules for creating, changing and finding items.
import { MondayApplicationError } from './application-error';
import { type FakeColumn, columnValueError, parseColumnValues, readColumnValue, type StoredColumnValue } from './column-values';

export type FakeItemState = 'active' | 'deleted';

export interface FakeBoardDefinition {
  id: string;
  name: string;
  /** The board's columns besides `name` (monday adds that one to every board). */
  columns: FakeColumn[];
}

export interface StoredItem {
  id: string;
  name: string;
  state: FakeItemState;
  createdAt: string;
  updatedAt: string;
  values: Map<string, StoredColumnValue>;
}

/** An item as tests and the sandbox see it: column values by id, as display text. */
export interface FakeMondayItem {
  id: string;
  boardId: string;
  name: string;
  state: FakeItemState;
  columnValues: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

interface ItemWrite {
  boardId: string;
  columnValues: unknown;
  createLabelsIfMissing: boolean;
}

const ITEM_NAME_MAX = 255;
const PAGE_LIMIT_MAX = 500;
const FIRST_ITEM_ID = 1_800_000_001;
const NAME_COLUMN: FakeColumn = { id: 'name', title: 'Name', type: 'name' };

export class FakeBoard {
  readonly columns: FakeColumn[];
  private readonly items = new Map<string, StoredItem>();
  private nextItemId = FIRST_ITEM_ID;

  constructor(private readonly definition: FakeBoardDefinition) {
    this.columns = freshColumns(definition);
  }

  get id(): string {
    return this.definition.id;
  }

  get name(): string {
    return this.definition.name;
  }

  /** create_item: the name comes from item_name (a `name` key in column_values is checked but not used). */
  create(itemName: string, write: ItemWrite): StoredItem {
    this.checkBoard(write.boardId);
    const name = checkedName(itemName);
    const values = this.readValues(parseColumnValues(write.columnValues ?? {}), write.createLabelsIfMissing);
    const now = new Date().toISOString();
    const item: StoredItem = { id: String(this.nextItemId++), name, state: 'active', createdAt: now, updatedAt: now, values: new Map() };
    this.apply(item, values.columns);
    this.items.set(item.id, item);
    return item;
  }

  /** change_multiple_column_values: every value is checked before any is written. */
  changeColumnValues(itemId: string | undefined, write: ItemWrite): StoredItem {
    this.checkBoard(write.boardId);
    const item = this.itemOnBoard(itemId);
    const values = this.readValues(parseColumnValues(write.columnValues), write.createLabelsIfMissing);
    const name = values.name === undefined ? undefined : checkedName(values.name);
    if (name !== undefined) item.name = name;
    this.apply(item, values.columns);
    return item;
  }

  /** change_simple_column_value: the value is the column's text form ("Done", "2026-07-01", "12.5"). */
  changeSimpleColumnValue(itemId: string | undefined, columnId: string, value: string | null | undefined, write: Omit<ItemWrite, 'columnValues'>): StoredItem {
    return this.changeColumnValues(itemId, { ...write, columnValues: { [columnId]: value ?? null } });
  }

  /** Active items whose every given column holds one of the given texts (exact match), paged by an opaque cursor. */
  findByColumnValues(boardId: string, columns: { column_id: string; column_values: (string | null)[] }[], limit: number, cursor: string | null): { cursor: string | null; items: StoredItem[] } {
    this.checkBoard(boardId);
    if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_LIMIT_MAX) {
      throw new MondayApplicationError('InvalidArgumentException', `limit must be between 1 and ${PAGE_LIMIT_MAX}`, { argument: 'limit', value: limit });
    }
    for (const { column_id } of columns) this.column(column_id);
    const matching = [...this.items.values()].filter(
      (item) => item.state === 'active' && columns.every(({ column_id, column_values }) => column_values.includes(column_id === 'name' ? item.name : (item.values.get(column_id)?.text ?? ''))),
    );
    const offset = cursor === null ? 0 : decodeCursor(cursor);
    const page = matching.slice(offset, offset + limit);
    return { cursor: offset + limit < matching.length ? encodeCursor(offset + limit) : null, items: page };
  }

  item(id: string): StoredItem | undefined {
    return this.items.get(id);
  }

  allItems(): StoredItem[] {
    return [...this.items.values()];
  }

  /** Moves an item to the trash (monday keeps deleted items restorable; lookups by column value no longer find them). */
  trash(id: string): boolean {
    const item = this.items.get(id);
    if (!item) return false;
    item.state = 'deleted';
    return true;
  }

  /** Deletes an item for good (trash emptied): the API no longer knows its id. */
  purge(id: string): boolean {
    return this.items.delete(id);
  }

  view(item: StoredItem): FakeMondayItem {
    const columnValues = Object.fromEntries([...item.values].map(([id, stored]) => [id, stored.text]));
    return { id: item.id, boardId: this.id, name: item.name, state: item.state, columnValues, createdAt: item.createdAt, updatedAt: item.updatedAt };
  }

  reset(): void {
    this.items.clear();
    this.nextItemId = FIRST_ITEM_ID;
    this.columns.splice(0, this.columns.length, ...freshColumns(this.definition));
  }

  private column(id: string): FakeColumn {
    const column = this.columns.find((candidate) => candidate.id === id);
    if (!column) throw new MondayApplicationError('InvalidColumnIdException', "This column ID doesn't exist for the board", { column_id: id, board_id: Number(this.id) });
    return column;
  }

  private checkBoard(boardId: string): void {
    if (boardId !== this.id) throw new MondayApplicationError('InvalidBoardIdException', 'Board not found', { board_id: boardId });
  }

  private itemOnBoard(itemId: string | undefined): StoredItem {
    if (itemId === undefined) throw new MondayApplicationError('InvalidArgumentException', 'item_id is required', { argument: 'item_id' });
    const item = this.items.get(itemId);
    if (!item) throw new MondayApplicationError('ResourceNotFoundException', `Item with id ${itemId} not found`, { resource_type: 'item', resource_id: itemId });
    return item;
  }

  /** Checks every value against its column; `name` is returned apart (it renames the item). */
  private readValues(raw: Record<string, unknown>, createLabelsIfMissing: boolean): { name: unknown; columns: Map<FakeColumn, StoredColumnValue | null> } {
    const columns = new Map<FakeColumn, StoredColumnValue | null>();
    let name: unknown;
    for (const [id, value] of Object.entries(raw)) {
      const column = this.column(id);
      if (column.type === 'name') name = value;
      else columns.set(column, readColumnValue(column, value, createLabelsIfMissing));
    }
    if (name !== undefined && typeof name !== 'string') throw columnValueError(NAME_COLUMN, name, 'the name column takes a string');
    return { name, columns };
  }

  private apply(item: StoredItem, values: Map<FakeColumn, StoredColumnValue | null>): void {
    for (const [column, stored] of values) {
      if (stored === null) {
        item.values.delete(column.id);
        continue;
      }
      if (stored.newLabel !== undefined) (column.labels ??= []).push(stored.newLabel);
      item.values.set(column.id, { value: stored.value, text: stored.text });
    }
    item.updatedAt = new Date().toISOString();
  }
}

/** The defined columns after `name`, with their own copy of the status labels (writes may add labels). */
function freshColumns(definition: FakeBoardDefinition): FakeColumn[] {
  return [NAME_COLUMN, ...definition.columns.map((column) => ({ ...column, labels: column.labels && [...column.labels] }))];
}

function checkedName(name: unknown): string {
  const text = typeof name === 'string' ? name : '';
  const length = Array.from(text).length;
  if (length > ITEM_NAME_MAX) {
    throw new MondayApplicationError('ItemNameTooLongException', `Item name is too long: ${length} characters, the maximum is ${ITEM_NAME_MAX}`, { item_name_length: length, max_length: ITEM_NAME_MAX });
  }
  return text;
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const offset = Number(/^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'))?.[1]);
  if (!Number.isInteger(offset)) throw new MondayApplicationError('InvalidArgumentException', 'The cursor is invalid or expired', { argument: 'cursor' });
  return offset;
}
