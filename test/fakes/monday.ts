// HTTP fake of the monday.com GraphQL API (POST /v2) over one in-memory board: auth and version checks, complexity budget, injected faults, /__sandbox/ controls.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { execute, GraphQLError, Kind, type OperationDefinitionNode, parse, validate, type DocumentNode } from 'graphql';
import { MONDAY_COLUMNS } from '../../domain/sync-payloads/monday';
import type { MondaySettings } from '../../lib/config';
import { FakeBoard, type FakeBoardDefinition, type FakeMondayItem } from './monday/board';
import { ComplexityBudget, DEFAULT_BUDGET_PER_MINUTE, queryCost } from './monday/complexity';
import { type FailureRate, type FakeMondayFault, type FakeMondayFaultKind, FaultPlan } from './monday/faults';
import { createRootValue, type FakeMondayUser, type WriteCounts } from './monday/resolvers';
import { HttpError, readJson } from './monday/http';
import * as replies from './monday/replies';
import { sandboxRoute } from './monday/sandbox-routes';
import { MONDAY_SCHEMA } from './monday/schema';
import { closeServer, InjectedLatency, listenLocally } from './http-server';

export type { FakeMondayItem } from './monday/board';
export type { FakeMondayFault, FakeMondayFaultKind, FailureRate } from './monday/faults';

export interface FakeMondayOptions {
  /** The exact `Authorization` header value accepted (monday sends the token bare, no "Bearer"). */
  apiToken?: string;
  board?: FakeBoardDefinition;
  /** The board's text column that holds our opportunity id, as settings() reports it (default: the sandbox board's). */
  uidColumnId?: string;
  accountId?: number;
  complexityBudgetPerMinute?: number;
  port?: number;
  host?: string;
}

export interface FakeMondayRequest {
  /** The root fields queried or mutated, e.g. ['items_page_by_column_values']. */
  rootFields: string[];
  apiVersion: string | null;
  status: number;
  /** extensions.code of each error answered (application errors included). */
  errorCodes: string[];
  /** The request was carried out but its answer dropped (a lost-answer fault). */
  dropped: boolean;
}

/** The text column the sandbox board keeps our opportunity id in (MONDAY_UID_COLUMN_ID). */
export const SANDBOX_UID_COLUMN_ID = 'opportunity_uid';
const SANDBOX_BOARD_ID = '4000000001';
const API_PATH = '/v2';
/** Used when a request sends no API-Version header. */
const CURRENT_API_VERSION = '2026-01';
const API_VERSION_FORMAT = /^\d{4}-(01|04|07|10)$/;
/** A board as `toMondayPayload` writes it, with monday's default status labels (others are created on write). */
const SANDBOX_BOARD: FakeBoardDefinition = {
  id: SANDBOX_BOARD_ID,
  name: 'Opportunities',
  columns: [
    ...MONDAY_COLUMNS.map(({ id, title, type }) => ({ id, title, type, ...(type === 'status' ? { labels: ['Working on it', 'Done', 'Stuck'] } : {}) })),
    { id: SANDBOX_UID_COLUMN_ID, title: 'Opportunity UID', type: 'text' },
  ],
};

/** The answer is withheld: the connection is closed instead. */
const DROP = Symbol('drop connection');

export class FakeMonday {
  readonly requests: FakeMondayRequest[] = [];
  private readonly board: FakeBoard;
  private readonly budget: ComplexityBudget;
  private readonly faults = new FaultPlan();
  private readonly writes: WriteCounts = { creates: 0, updates: 0 };
  private readonly rootValue: Record<string, unknown>;
  private readonly latency = new InjectedLatency();

  private constructor(
    private readonly server: Server,
    /** The API endpoint to configure (MONDAY_API_URL). */
    readonly baseUrl: string,
    readonly apiToken: string,
    readonly accountId: number,
    private readonly uidColumnId: string,
    board: FakeBoardDefinition,
    complexityBudgetPerMinute: number,
  ) {
    this.board = new FakeBoard(board);
    this.budget = new ComplexityBudget(complexityBudgetPerMinute);
    const user: FakeMondayUser = { id: '10000001', name: 'Sandbox Integration', email: 'integration@example.com' };
    this.rootValue = createRootValue(this.board, user, this.writes);
  }

  static async start(options: FakeMondayOptions = {}): Promise<FakeMonday> {
    const { server, origin } = await listenLocally(options.port, options.host);
    const fake = new FakeMonday(
      server,
      `${origin}${API_PATH}`,
      options.apiToken ?? 'sandbox-monday-token',
      options.accountId ?? 24_000_001,
      options.uidColumnId ?? SANDBOX_UID_COLUMN_ID,
      options.board ?? SANDBOX_BOARD,
      options.complexityBudgetPerMinute ?? DEFAULT_BUDGET_PER_MINUTE,
    );
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    return fake;
  }

  get boardId(): string {
    return this.board.id;
  }

  /** What the connector needs to reach this board (MONDAY_* settings). */
  settings(): MondaySettings {
    return { apiUrl: this.baseUrl, apiToken: this.apiToken, boardId: this.board.id, uidColumnId: this.uidColumnId };
  }

  /** The board's items (all states), optionally only those whose column holds exactly `text`. */
  items(filter?: { columnId: string; text: string }): FakeMondayItem[] {
    return this.board
      .allItems()
      .map((item) => this.board.view(item))
      .filter((item) => !filter || (filter.columnId === 'name' ? item.name : item.columnValues[filter.columnId]) === filter.text);
  }

  item(id: string): FakeMondayItem | undefined {
    const item = this.board.item(id);
    return item && this.board.view(item);
  }

  /** Puts an item on the board as a person would (not counted as an API write); values as in column_values. */
  seedItem(name: string, columnValues: Record<string, unknown> = {}): FakeMondayItem {
    return this.board.view(this.board.create(name, { boardId: this.board.id, columnValues, createLabelsIfMissing: true }));
  }

  /** Deletes an item as a person would: to the trash (still addressable by id, no longer found by column value), or for good. */
  deleteItem(id: string, { permanently = false } = {}): boolean {
    return permanently ? this.board.purge(id) : this.board.trash(id);
  }

  /** Successful create_item, and change_* mutations, through the API. */
  writeCounts(): WriteCounts {
    return { ...this.writes };
  }

  /** The next `count` requests (for `operation` only, when given) fail as `kind`. */
  injectFault(fault: FakeMondayFault): void {
    this.faults.inject(fault);
  }

  /** Makes a share of all API requests fail at random (429 and 500 by default, with Retry-After). */
  setFailureRate(failureRate: FailureRate): void {
    this.faults.setFailureRate(failureRate);
  }

  /** Adds this much latency to every API answer (0 = none). */
  setLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`Latency must be a non-negative number of milliseconds: ${String(ms)}`);
    this.latency.ms = ms;
  }

  /** Complexity points per minute; the window restarts. */
  setComplexityBudget(pointsPerMinute: number): void {
    if (!Number.isInteger(pointsPerMinute) || pointsPerMinute < 0) throw new RangeError(`The complexity budget must be a non-negative integer: ${String(pointsPerMinute)}`);
    this.budget.reset();
    this.budget.setPerMinute(pointsPerMinute);
  }

  /** Clears items, counters, requests, faults, latency and the budget window; restores the board's columns and labels. */
  reset(): void {
    this.board.reset();
    this.budget.reset();
    this.faults.reset();
    this.writes.creates = 0;
    this.writes.updates = 0;
    this.latency.ms = 0;
    this.latency.cutShort();
    this.requests.length = 0;
  }

  async stop(): Promise<void> {
    this.latency.cutShort();
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    let reply: replies.Reply | typeof DROP;
    try {
      if (url.pathname === API_PATH) reply = await this.api(req);
      else if (url.pathname.startsWith('/__sandbox/')) reply = await sandboxRoute(this, req, url);
      else reply = replies.notFound();
    } catch (error) {
      reply = error instanceof HttpError ? error.reply : replies.internalServerError(1);
    }
    if (url.pathname === API_PATH) await this.latency.wait();
    if (reply === DROP) {
      res.destroy();
      return;
    }
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.body !== undefined) headers['Content-Type'] = 'application/json; charset=utf-8';
    res.writeHead(reply.status, headers).end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  }

  /** Authentication, API version, the request body, injected faults, GraphQL validation, the complexity budget, then execution. */
  private async api(req: IncomingMessage): Promise<replies.Reply | typeof DROP> {
    const versionHeader = req.headers['api-version'];
    const apiVersion = typeof versionHeader === 'string' ? versionHeader : null;
    const log: FakeMondayRequest = { rootFields: [], apiVersion, status: 0, errorCodes: [], dropped: false };
    this.requests.push(log);
    const reply = await this.answer(req, apiVersion ?? CURRENT_API_VERSION, log);
    if (reply === DROP) {
      log.dropped = true;
      return reply;
    }
    log.status = reply.status;
    log.errorCodes = errorCodesOf(reply.body);
    return reply;
  }

  private async answer(req: IncomingMessage, apiVersion: string, log: FakeMondayRequest): Promise<replies.Reply | typeof DROP> {
    if (req.method !== 'POST') return replies.notFound();
    if (req.headers.authorization !== this.apiToken) return replies.notAuthenticated();
    if (!API_VERSION_FORMAT.test(apiVersion)) return replies.badRequest(`Invalid API version "${apiVersion}": use yyyy-mm where mm is 01, 04, 07 or 10`);
    const { query, variables, operationName } = await readGraphqlRequest(req);
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      return replies.graphqlReply({ errors: [error] }, this.accountId);
    }
    log.rootFields = rootFieldsOf(document, operationName);
    const cost = queryCost(log.rootFields);

    const fault = this.faults.next(log.rootFields);
    if (fault && fault.kind !== 'lost-answer') return this.faultReply(fault.kind, fault.retryAfterSeconds, apiVersion, cost);
    const validationErrors = validate(MONDAY_SCHEMA, document);
    if (validationErrors.length > 0) return replies.graphqlReply({ errors: validationErrors }, this.accountId);
    const charge = this.budget.charge(cost);
    if ('retryInSeconds' in charge) return replies.complexityBudgetExhausted(charge.retryInSeconds, apiVersion, this.accountId, { cost, left: charge.left, limit: charge.limit });

    const result = await execute({ schema: MONDAY_SCHEMA, document, rootValue: this.rootValue, contextValue: { complexity: charge }, variableValues: variables, operationName });
    return fault?.kind === 'lost-answer' ? DROP : replies.graphqlReply(result, this.accountId);
  }

  private faultReply(kind: Exclude<FakeMondayFaultKind, 'lost-answer'>, retryAfterSeconds: number, apiVersion: string, cost: number): replies.Reply {
    switch (kind) {
      case 'rate-limit':
        return replies.rateLimitExceeded(retryAfterSeconds);
      case 'concurrency':
        return replies.concurrencyLimitExceeded(retryAfterSeconds, this.accountId);
      case 'ip-rate-limit':
        return replies.ipRateLimitExceeded(retryAfterSeconds, this.accountId);
      case 'daily-limit':
        return replies.dailyLimitExceeded(this.accountId);
      case 'locked':
        return replies.resourceLocked(retryAfterSeconds);
      case 'server-error':
        return replies.internalServerError(retryAfterSeconds);
      case 'complexity':
        return replies.complexityBudgetExhausted(retryAfterSeconds, apiVersion, this.accountId, { cost, left: 0, limit: this.budget.limit });
    }
  }
}

/** The fields selected at the root of the operation that runs (aliases resolved to field names). */
function rootFieldsOf(document: DocumentNode, operationName: string | undefined): string[] {
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName === undefined ? operations[0] : operations.find((candidate) => candidate.name?.value === operationName);
  return (operation?.selectionSet.selections ?? []).flatMap((selection) => (selection.kind === Kind.FIELD ? [selection.name.value] : []));
}

function errorCodesOf(body: unknown): string[] {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((error: unknown) => {
    const code = error instanceof GraphQLError ? error.extensions.code : (error as { extensions?: { code?: unknown } }).extensions?.code;
    return typeof code === 'string' ? [code] : [];
  });
}

/** `{query, variables?, operationName?}`; monday answers 400 "No query string was present" otherwise. */
async function readGraphqlRequest(req: IncomingMessage): Promise<{ query: string; variables: Record<string, unknown> | undefined; operationName: string | undefined }> {
  const noQuery = new HttpError(replies.badRequest('No query string was present'));
  const body = await readJson(req).catch(() => {
    throw noQuery;
  });
  const { query, variables, operationName } = (body ?? {}) as { query?: unknown; variables?: unknown; operationName?: unknown };
  if (typeof query !== 'string' || query.trim() === '') throw noQuery;
  return {
    query,
    variables: typeof variables === 'object' && variables !== null ? (variables as Record<string, unknown>) : undefined,
    operationName: typeof operationName === 'string' ? operationName : undefined,
  };
}
