// The monday.com fake's /__sandbox/ HTTP routes: the same inspection and controls as its methods, for other processes (no authentication: a local sandbox).
import type { IncomingMessage } from 'node:http';
import type { FakeMondayItem } from './board';
import type { FailureRate, FakeMondayFault } from './faults';
import { asBadRequest, HttpError, readObject } from './http';
import { badRequest, notFound, type Reply } from './replies';
import type { WriteCounts } from './resolvers';

/** The fake's methods the routes call. */
export interface SandboxControls {
  readonly requests: readonly unknown[];
  items(filter?: { columnId: string; text: string }): FakeMondayItem[];
  item(id: string): FakeMondayItem | undefined;
  seedItem(name: string, columnValues?: Record<string, unknown>): FakeMondayItem;
  deleteItem(id: string, options?: { permanently?: boolean }): boolean;
  writeCounts(): WriteCounts;
  injectFault(fault: FakeMondayFault): void;
  setFailureRate(failureRate: FailureRate): void;
  setLatency(ms: number): void;
  setComplexityBudget(pointsPerMinute: number): void;
  reset(): void;
}

const ok = (body: unknown, status = 200): Reply => ({ status, body });
const noContent: Reply = { status: 204, body: undefined };

/**
 * GET items[?column_id=&text=], GET items/:id, POST items {name, columnValues}, DELETE items/:id[?permanently=true],
 * GET stats, GET requests, POST faults {kind, count, retryAfterSeconds, operation}, PUT failure-rate {rate, kinds, retryAfterSeconds},
 * PUT latency {ms}, PUT complexity-budget {perMinute}, POST reset.
 */
export async function sandboxRoute(fake: SandboxControls, req: IncomingMessage, url: URL): Promise<Reply> {
  const route = `${req.method} ${url.pathname.slice('/__sandbox'.length).replace(/\/items\/[^/]+$/, '/items/:id')}`;
  const itemId = decodeURIComponent(url.pathname.split('/')[3] ?? '');
  switch (route) {
    case 'GET /items': {
      const columnId = url.searchParams.get('column_id');
      const text = url.searchParams.get('text');
      return ok({ items: fake.items(columnId !== null && text !== null ? { columnId, text } : undefined) });
    }
    case 'GET /items/:id': {
      const item = fake.item(itemId);
      return item ? ok({ item }) : notFound();
    }
    case 'POST /items': {
      const { name, columnValues } = await readObject(req);
      if (typeof name !== 'string') throw new HttpError(badRequest('Body must be {"name": "...", "columnValues": {...}}'));
      return ok({ item: asBadRequest(() => fake.seedItem(name, (columnValues ?? {}) as Record<string, unknown>)) }, 201);
    }
    case 'DELETE /items/:id':
      return fake.deleteItem(itemId, { permanently: url.searchParams.get('permanently') === 'true' }) ? noContent : notFound();
    case 'GET /stats':
      return ok({ ...fake.writeCounts(), requests: fake.requests.length });
    case 'GET /requests':
      return ok({ requests: fake.requests });
    case 'POST /faults': {
      const fault = (await readObject(req)) as unknown as FakeMondayFault;
      asBadRequest(() => fake.injectFault(fault));
      return noContent;
    }
    case 'PUT /failure-rate': {
      const failureRate = (await readObject(req)) as unknown as FailureRate;
      asBadRequest(() => fake.setFailureRate(failureRate));
      return noContent;
    }
    case 'PUT /latency': {
      const { ms } = await readObject(req);
      asBadRequest(() => fake.setLatency(ms as number));
      return noContent;
    }
    case 'PUT /complexity-budget': {
      const { perMinute } = await readObject(req);
      asBadRequest(() => fake.setComplexityBudget(perMinute as number));
      return noContent;
    }
    case 'POST /reset':
      fake.reset();
      return noContent;
    default:
      return notFound();
  }
}
