// Keeps one monday.com item per opportunity: updates the item we stored, else the one carrying our UID, else creates it (never twice).
import type { MondayPayload } from '../../domain/sync-payloads/monday';
import type { MondaySettings } from '../../lib/config';
import { IntegrationError } from '../errors';
import type { ConnectorWrite, ConnectorWriteResult, ExternalLink, SyncConnector } from '../sync-connector';
import { MondayBoardClient } from './board-client';

export class MondayConnector implements SyncConnector<MondayPayload> {
  readonly system = 'monday' as const;

  /** `timeoutMs` bounds a whole write (at most three API calls). */
  constructor(
    private readonly settings: MondaySettings,
    private readonly timeoutMs = 30_000,
  ) {}

  /** monday has no idempotency keys: the UID column is what finds an item created by a write whose answer was lost. */
  async write({ payload, previous, signal }: ConnectorWrite<MondayPayload>): Promise<ConnectorWriteResult> {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const board = new MondayBoardClient(this.settings, signal ? AbortSignal.any([deadline, signal]) : deadline);
    const { boardId, uidColumnId } = this.settings;
    const columnValues = { ...payload.columnValues, [uidColumnId]: payload.uidValue };
    const result = (externalId: string, created: boolean): ConnectorWriteResult => ({ externalId, created, metadata: { boardId } });
    /** Updates (and renames) the item; false when it is gone: never existed here, deleted or archived. */
    const updateIfLive = async (itemId: string): Promise<boolean> => (await board.changeColumnValues(itemId, { ...columnValues, name: payload.itemName }))?.state === 'active';

    const storedId = this.storedItemId(previous);
    if (storedId !== null && (await updateIfLive(storedId))) return result(storedId, false);

    const [found, duplicate] = await board.findItemIds(uidColumnId, payload.uidValue, 2);
    if (found !== undefined && duplicate !== undefined) {
      throw new IntegrationError(
        this.system,
        'validation',
        `monday.com board ${boardId} has more than one item with ${uidColumnId} = ${payload.uidValue} (items ${found} and ${duplicate}): delete the extra ones so the sync knows which to keep`,
      );
    }
    if (found !== undefined && (await updateIfLive(found))) return result(found, false);
    return result((await board.createItem(payload.itemName, columnValues)).id, true);
  }

  /** The item id we stored last time, unless it was on another board (the board was changed in the settings since). */
  private storedItemId(previous: ExternalLink | null): string | null {
    if (!previous?.externalId) return null;
    const storedBoardId = previous.metadata.boardId;
    return storedBoardId === undefined || storedBoardId === this.settings.boardId ? previous.externalId : null;
  }
}
