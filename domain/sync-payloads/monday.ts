// Maps an opportunity snapshot to the monday.com item we keep in step with it: its name and column values (pure; the column table is meant to be edited).
import { parseTimestamp } from '../augmentation';
import type { OpportunitySnapshot } from '../opportunity';

/** monday refuses longer item names (ItemNameTooLongException); counted in characters (code points). */
export const MONDAY_ITEM_NAME_MAX = 255;

/** The column types this mapping writes, with the value shape each accepts in `column_values`. */
export type MondayColumnType = 'status' | 'numbers' | 'date' | 'text';

export interface MondayColumn {
  /** The column id on the board (not its title): see `boards(ids) { columns { id title type } }`. */
  id: string;
  /** What the column is called on the board (for people reading this table, and for the sandbox board). */
  title: string;
  type: MondayColumnType;
  /** The value to write; null clears the column. */
  value: (snapshot: OpportunitySnapshot) => unknown;
}

/**
 * The board columns we own, keyed by column id, and what each holds. Edit the ids to match the board; the value
 * shapes are monday's (https://developer.monday.com/api-reference/docs/change-column-values):
 * status `{label}` (labels are created when missing), numbers a decimal string, date `{date: 'YYYY-MM-DD'}`, text a string.
 * The UID column (our opportunity id) is not here: it is MONDAY_UID_COLUMN_ID, and the connector writes it.
 */
export const MONDAY_COLUMNS: readonly MondayColumn[] = [
  { id: 'status', title: 'Status', type: 'status', value: (s) => statusLabel(s) },
  { id: 'numbers', title: 'Charge total', type: 'numbers', value: (s) => decimal(s.chargeTotal) },
  { id: 'date4', title: 'Starts', type: 'date', value: (s) => startDate(s) },
  { id: 'text', title: 'Opportunity', type: 'text', value: (s) => reference(s) },
];

export interface MondayPayload {
  /** Our key in the board's UID column: the Current RMS opportunity id. */
  uidValue: string;
  itemName: string;
  /** Keyed by column id, in the shapes above. */
  columnValues: Record<string, unknown>;
}

export function toMondayPayload(snapshot: OpportunitySnapshot): MondayPayload {
  return {
    uidValue: String(snapshot.id),
    itemName: itemName(snapshot),
    columnValues: Object.fromEntries(MONDAY_COLUMNS.map((column) => [column.id, column.value(snapshot)])),
  };
}

function itemName(snapshot: OpportunitySnapshot): string {
  const name = snapshot.subject.trim() || `Opportunity ${snapshot.number ?? snapshot.id}`;
  const characters = Array.from(name);
  return characters.length <= MONDAY_ITEM_NAME_MAX ? name : `${characters.slice(0, MONDAY_ITEM_NAME_MAX - 1).join('')}…`;
}

/** A deleted opportunity is labelled 'Deleted' (we keep its item); otherwise its Current RMS status name. */
function statusLabel(snapshot: OpportunitySnapshot): { label: string } | null {
  if (snapshot.deleted) return { label: 'Deleted' };
  return snapshot.statusName ? { label: snapshot.statusName } : null;
}

/** The amount as Current RMS wrote it; null (cleared) when it is not a decimal number. */
function decimal(amount: string): string | null {
  const trimmed = amount.trim();
  return /^-?\d+(\.\d+)?$/.test(trimmed) ? trimmed : null;
}

/** The calendar day the job starts, as Current RMS wrote it (not shifted to another time zone). */
function startDate(snapshot: OpportunitySnapshot): { date: string } | null {
  if (snapshot.startsAt === null || parseTimestamp(snapshot.startsAt) === null) return null;
  return { date: snapshot.startsAt.trim().slice(0, 10) };
}

/** "OPP-00012 · Acme Events": the opportunity number (or #id) and its customer. */
function reference(snapshot: OpportunitySnapshot): string {
  return [snapshot.number ?? `#${snapshot.id}`, snapshot.memberName].filter(Boolean).join(' · ');
}
