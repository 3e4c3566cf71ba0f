// The three GraphQL operations the connector runs on its monday.com board, through the official ApiClient (one per write, bound to its abort signal).
import { ApiClient } from '@mondaydotcomorg/api';
import type { MondaySettings } from '../../lib/config';
import type { IntegrationError } from '../errors';
import { isItemNotFound, toIntegrationError } from './errors';

/** The API version we speak, pinned (monday releases one a quarter); the installed SDK's types describe this one. */
export const MONDAY_API_VERSION = '2026-01';

export type MondayItemState = 'active' | 'archived' | 'deleted';

export interface MondayItemRef {
  id: string;
  state: MondayItemState | null;
}

const FIND_ITEMS_BY_COLUMN_VALUE = `query FindItemsByColumnValue($boardId: ID!, $columnId: String!, $value: String!, $limit: Int!) {
  items_page_by_column_values(board_id: $boardId, limit: $limit, columns: [{ column_id: $columnId, column_values: [$value] }]) { items { id } }
}`;

const CHANGE_COLUMN_VALUES = `mutation ChangeColumnValues($boardId: ID!, $itemId: ID!, $columnValues: JSON!) {
  change_multiple_column_values(board_id: $boardId, item_id: $itemId, column_values: $columnValues, create_labels_if_missing: true) { id state }
}`;

const CREATE_ITEM = `mutation CreateItem($boardId: ID!, $itemName: String!, $columnValues: JSON!) {
  create_item(board_id: $boardId, item_name: $itemName, column_values: $columnValues, create_labels_if_missing: true) { id state }
}`;

export class MondayBoardClient {
  private readonly api: ApiClient;
  private readonly boardId: string;

  /** Every request is aborted with `signal` (the caller's, combined with the write's deadline). */
  constructor(settings: MondaySettings, signal: AbortSignal) {
    this.api = new ApiClient({ token: settings.apiToken, apiVersion: MONDAY_API_VERSION, endpoint: settings.apiUrl, requestConfig: { signal } });
    this.boardId = settings.boardId;
  }

  /** Ids of the board's active items whose column `columnId` holds exactly `value` (at most `limit`). */
  async findItemIds(columnId: string, value: string, limit: number): Promise<string[]> {
    const data = await this.request<{ items_page_by_column_values: { items: { id: string }[] } }>('items_page_by_column_values', FIND_ITEMS_BY_COLUMN_VALUE, {
      boardId: this.boardId,
      columnId,
      value,
      limit,
    });
    return data.items_page_by_column_values.items.map((item) => item.id);
  }

  /** Writes the column values (the `name` key renames the item); null when the board has no such item. */
  async changeColumnValues(itemId: string, columnValues: Record<string, unknown>): Promise<MondayItemRef | null> {
    try {
      const variables = { boardId: this.boardId, itemId, columnValues: JSON.stringify(columnValues) };
      return (await this.api.request<{ change_multiple_column_values: MondayItemRef }>(CHANGE_COLUMN_VALUES, variables)).change_multiple_column_values;
    } catch (error) {
      if (isItemNotFound(error)) return null;
      throw this.failure(error, 'change_multiple_column_values');
    }
  }

  async createItem(itemName: string, columnValues: Record<string, unknown>): Promise<MondayItemRef> {
    const data = await this.request<{ create_item: MondayItemRef }>('create_item', CREATE_ITEM, { boardId: this.boardId, itemName, columnValues: JSON.stringify(columnValues) });
    return data.create_item;
  }

  private async request<Data>(field: string, document: string, variables: Record<string, unknown>): Promise<Data> {
    try {
      return await this.api.request<Data>(document, variables);
    } catch (error) {
      throw this.failure(error, field);
    }
  }

  private failure(error: unknown, field: string): IntegrationError {
    return toIntegrationError(error, `${field} on board ${this.boardId}`);
  }
}
