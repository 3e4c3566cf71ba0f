// Reads a column value as monday accepts it for each column type (status, numbers, date, text, long text) into what the item stores, or a ColumnValueException.
import { MondayApplicationError } from './application-error';
import type { FakeColumnType } from './schema';

export interface FakeColumn {
  id: string;
  title: string;
  type: FakeColumnType;
  /** Status columns: label texts by index. */
  labels?: string[];
}

/** What an item holds in a column: monday's JSON value and its display text. */
export interface StoredColumnValue {
  value: unknown;
  text: string;
  /** A status label this value creates (create_labels_if_missing); the board adds it when the whole write is valid. */
  newLabel?: string;
}

const DOCS_HINT = 'Please check our API documentation for the correct data structure for this column. https://developer.monday.com/api-reference/docs/change-column-values';

export function columnValueError(column: FakeColumn, raw: unknown, reason: string): MondayApplicationError {
  return new MondayApplicationError('ColumnValueException', `invalid value - ${reason}. ${DOCS_HINT}`, { column_id: column.id, column_type: column.type, column_value: JSON.stringify(raw) });
}

/** `column_values` arrives as a JSON-encoded string (or, through variables, as an object): the object of values by column id. */
export function parseColumnValues(raw: unknown): Record<string, unknown> {
  let parsed = raw;
  if (typeof raw === 'string') {
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      throw new MondayApplicationError('ColumnValueException', `invalid value - column_values is not valid JSON (${(error as Error).message}). ${DOCS_HINT}`, { column_values: raw });
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MondayApplicationError('ColumnValueException', `invalid value - column_values must be a JSON object of values by column id. ${DOCS_HINT}`, { column_values: JSON.stringify(raw) });
  }
  return parsed as Record<string, unknown>;
}

/**
 * The value to store for `raw`, or null when it clears the column (null, '' or {}). Status labels that do not exist are
 * added when `createLabelsIfMissing`, refused otherwise. Name columns are not handled here (they rename the item).
 */
export function readColumnValue(column: FakeColumn, raw: unknown, createLabelsIfMissing: boolean): StoredColumnValue | null {
  if (raw === null || raw === '' || (isObject(raw) && Object.keys(raw).length === 0)) return null;
  switch (column.type) {
    case 'text':
      if (typeof raw !== 'string' && typeof raw !== 'number') throw columnValueError(column, raw, 'text columns take a string');
      return { value: String(raw), text: String(raw) };
    case 'long_text': {
      const text = isObject(raw) ? raw.text : raw;
      if (typeof text !== 'string') throw columnValueError(column, raw, 'long text columns take a string or {"text": "..."}');
      return { value: { text }, text };
    }
    case 'numbers': {
      const number = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
      if (!/^-?\d+(\.\d+)?$/.test(number)) throw columnValueError(column, raw, 'numbers columns take a number or a numeric string');
      return { value: number, text: number };
    }
    case 'status':
      return statusValue(column, raw, createLabelsIfMissing);
    case 'date':
      return dateValue(column, raw);
    case 'name':
      throw new Error('name columns rename the item; they are not stored as column values');
  }
}

/** A status is a label (`"Done"` or `{"label": "Done"}`) or a label index (`{"index": 1}`); a label to create is returned, not added yet. */
function statusValue(column: FakeColumn, raw: unknown, createLabelsIfMissing: boolean): StoredColumnValue {
  const labels = column.labels ?? [];
  const label = typeof raw === 'string' ? raw : isObject(raw) && typeof raw.label === 'string' ? raw.label : undefined;
  const index = isObject(raw) && typeof raw.index === 'number' ? raw.index : label === undefined ? undefined : labels.indexOf(label);
  if (index === undefined) throw columnValueError(column, raw, 'status columns take {"label": "..."} or {"index": n}');
  const changedAt = new Date().toISOString();
  if (index === -1 && label !== undefined && createLabelsIfMissing) return { value: { index: labels.length, post_id: null, changed_at: changedAt }, text: label, newLabel: label };
  const text = labels[index];
  if (text === undefined) throw columnValueError(column, raw, 'label does not exist in column');
  return { value: { index, post_id: null, changed_at: changedAt }, text };
}

/** A date is `"YYYY-MM-DD"` or `{"date": "YYYY-MM-DD", "time": "HH:MM:SS"}` (time optional, UTC). */
function dateValue(column: FakeColumn, raw: unknown): StoredColumnValue {
  const date = typeof raw === 'string' ? raw : isObject(raw) ? raw.date : undefined;
  const time = isObject(raw) ? raw.time : undefined;
  if (typeof date !== 'string' || !isCalendarDate(date)) throw columnValueError(column, raw, 'date columns take {"date": "YYYY-MM-DD"}');
  if (time !== undefined && (typeof time !== 'string' || !/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/.test(time))) throw columnValueError(column, raw, 'time must be HH:MM:SS');
  return time === undefined ? { value: { date }, text: date } : { value: { date, time }, text: `${date} ${time.slice(0, 5)}` };
}

function isCalendarDate(date: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const parsed = new Date(Date.UTC(year, month - 1, day));
  return parsed.getUTCFullYear() === year && parsed.getUTCMonth() === month - 1 && parsed.getUTCDate() === day;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
