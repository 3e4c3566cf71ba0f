// In-process HTTP fake of the Current RMS REST API (opportunities, webhooks), with fault injection and /__sandbox/ demo controls.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { OPPORTUNITY_STATES, OPPORTUNITY_STATUSES } from '../../domain/opportunity';
import type { CurrentRmsApiSettings } from '../../lib/config';
import { deliverWebhook, webhookAction } from './current-rms-driver';
import { closeServer, InjectedLatency, listenLocally } from './http-server';

/** An opportunity as Current RMS sends it (snake_case; money as decimal strings with 2 decimals). */
export interface CurrentRmsOpportunity {
  id: number;
  subject: string;
  description: string;
  number: string | null;
  state: number;
  state_name: string;
  status: number;
  status_name: string;
  starts_at: string | null;
  ends_at: string | null;
  charge_starts_at: string | null;
  charge_ends_at: string | null;
  charge_total: string;
  charge_excluding_tax_total: string;
  charge_including_tax_total: string;
  tax_total: string;
  member_id: number | null;
  member: { id: number; name: string } | null;
  owned_by: number | null;
  owner: { id: number; name: string } | null;
  custom_fields: Record<string, unknown>;
  reference: string;
  created_at: string;
  updated_at: string;
}

export interface FakeCurrentRmsOptions {
  subdomain?: string;
  apiToken?: string;
  port?: number;
  host?: string;
}

export interface FakeCurrentRmsWebhook {
  id: number;
  name: string;
  event: string;
  target_url: string;
  active: boolean;
}

export interface FakeCurrentRmsFault {
  status: 401 | 404 | 422 | 429 | 500 | 503;
  count?: number;
  retryAfterSeconds?: number;
  message?: string;
  pathPattern?: RegExp;
}

export interface FakeCurrentRmsRequest {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  status: number;
}

type PendingFault = FakeCurrentRmsFault & { count: number; retryAfterSeconds: number };

/** Random failures of API requests: `rate` (0–1) of them answer one of `statuses` (429 and 500 by default). */
export interface FakeCurrentRmsFailureRate {
  rate: number;
  statuses?: FakeCurrentRmsFault['status'][];
  /** Retry-After of 429 and 503 answers (default 1). */
  retryAfterSeconds?: number;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const API_PREFIX = '/api/v1';
const DAY_MS = 86_400_000;
const MAX_PER_PAGE = 100;
const MONEY_FIELDS = ['charge_total', 'charge_excluding_tax_total', 'charge_including_tax_total', 'tax_total'] as const;
const INVALID_AUTH = 'Invalid subdomain or API key';
const FAULT_MESSAGES: Record<FakeCurrentRmsFault['status'], string> = {
  401: INVALID_AUTH,
  404: 'Record not found',
  422: 'Validation failed',
  429: 'Rate limit exceeded',
  500: 'Internal server error',
  503: 'Internal server error',
};
const STATE_NAMES: Record<number, string> = OPPORTUNITY_STATES;
const STATUS_NAMES: Record<number, string> = OPPORTUNITY_STATUSES;

const errorReply = (status: number, message: string): Reply => ({ status, body: { errors: [message] } });

export class FakeCurrentRms {
  readonly requests: FakeCurrentRmsRequest[] = [];
  private readonly live = new Map<number, CurrentRmsOpportunity>();
  /** Last snapshots of deleted opportunities, so `emit('opportunity_destroy', id)` still has a subject. */
  private readonly deleted = new Map<number, CurrentRmsOpportunity>();
  private readonly hooks = new Map<number, FakeCurrentRmsWebhook>();
  private faults: PendingFault[] = [];
  private failureRate: Required<FakeCurrentRmsFailureRate> = { rate: 0, statuses: [429, 500], retryAfterSeconds: 1 };
  private readonly latency = new InjectedLatency();
  private lastStampMs = 0;
  private nextWebhookId = 1;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    readonly subdomain: string,
    readonly apiToken: string,
  ) {}

  static async start(options: FakeCurrentRmsOptions = {}): Promise<FakeCurrentRms> {
    const { server, origin } = await listenLocally(options.port, options.host);
    const fake = new FakeCurrentRms(server, `${origin}${API_PREFIX}`, options.subdomain ?? 'sandbox', options.apiToken ?? 'sandbox-api-token');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    return fake;
  }

  /** How a client reaches this fake (our settings shape). */
  settings(): CurrentRmsApiSettings {
    return { apiUrl: this.baseUrl, subdomain: this.subdomain, apiToken: this.apiToken };
  }

  /** Creates or updates (shallow merge), filling realistic defaults for a new one; always bumps updated_at strictly. Returns a copy. */
  upsertOpportunity(fields: Partial<CurrentRmsOpportunity> & { id: number }): CurrentRmsOpportunity {
    if (!Number.isInteger(fields.id) || fields.id < 1) throw new RangeError(`Invalid opportunity id: ${String(fields.id)}`);
    const current = this.live.get(fields.id);
    const updatedAt = this.stamp();
    const merged: CurrentRmsOpportunity = { ...(current ?? this.defaults(fields.id, updatedAt)), ...fields, updated_at: updatedAt };
    const stateName = STATE_NAMES[merged.state];
    const statusName = STATUS_NAMES[merged.status];
    if (stateName === undefined) throw new RangeError(`Unknown opportunity state: ${merged.state}`);
    if (statusName === undefined) throw new RangeError(`Unknown opportunity status: ${merged.status}`);
    merged.state_name = stateName;
    merged.status_name = statusName;
    for (const field of MONEY_FIELDS) merged[field] = money(merged[field], field);
    merged.member = linked(fields.member_id, fields.member, current?.member ?? null, 'Member');
    merged.member_id = merged.member?.id ?? null;
    merged.owner = linked(fields.owned_by, fields.owner, current?.owner ?? null, 'User');
    merged.owned_by = merged.owner?.id ?? null;
    this.live.set(merged.id, merged);
    this.deleted.delete(merged.id);
    return structuredClone(merged);
  }

  deleteOpportunity(id: number): void {
    const opportunity = this.live.get(id);
    if (!opportunity) return;
    this.live.delete(id);
    this.deleted.set(id, opportunity);
  }

  opportunity(id: number): CurrentRmsOpportunity | undefined {
    const opportunity = this.live.get(id);
    return opportunity && structuredClone(opportunity);
  }

  /** The next `count` (default 1) matching API requests fail with `status`; 429 and 503 carry Retry-After (default 1 s). */
  injectFault(fault: FakeCurrentRmsFault): void {
    const { status, count = 1, retryAfterSeconds = 1, message, pathPattern } = fault;
    if (!Object.hasOwn(FAULT_MESSAGES, status)) throw new RangeError(`Unsupported fault status: ${String(status)}`);
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`Fault count must be a positive integer: ${String(count)}`);
    if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0) throw new RangeError(`retryAfterSeconds must be a non-negative integer: ${String(retryAfterSeconds)}`);
    if (message !== undefined && typeof message !== 'string') throw new RangeError('Fault message must be a string');
    this.faults.push({ status, count, retryAfterSeconds, message, pathPattern });
  }

  /** From now on, a share `rate` (0–1) of API requests fails with one of `statuses`, drawn at random (429 and 500 by default). */
  setFailureRate({ rate, statuses = [429, 500], retryAfterSeconds = 1 }: FakeCurrentRmsFailureRate): void {
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new RangeError(`Failure rate must be between 0 and 1: ${String(rate)}`);
    if (!Array.isArray(statuses) || statuses.length === 0 || !statuses.every((status) => Object.hasOwn(FAULT_MESSAGES, status))) {
      throw new RangeError(`Failure statuses must be a non-empty list of: ${Object.keys(FAULT_MESSAGES).join(', ')}`);
    }
    if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0) throw new RangeError(`retryAfterSeconds must be a non-negative integer: ${String(retryAfterSeconds)}`);
    this.failureRate = { rate, statuses: [...statuses], retryAfterSeconds };
  }

  /** Adds this much latency to every API response (0 = none). */
  setLatency(ms: number): void {
    this.latency.ms = ms;
  }

  webhooks(): FakeCurrentRmsWebhook[] {
    return [...this.hooks.values()].map((hook) => ({ ...hook }));
  }

  /** Delivers `event` (e.g. 'opportunity_update') about opportunity `id` to every active webhook for it; returns the statuses received. */
  async emit(event: string, id: number): Promise<number[]> {
    const prefix = 'opportunity_';
    const subject = this.live.get(id) ?? this.deleted.get(id);
    if (!event.startsWith(prefix)) throw new RangeError(`Not an opportunity event: ${event}`);
    if (!subject) throw new RangeError(`No opportunity ${id} to emit ${event} for`);
    const body = webhookAction(subject, event.slice(prefix.length));
    const statuses: number[] = [];
    for (const hook of this.hooks.values()) {
      if (hook.active && hook.event === event) statuses.push((await deliverWebhook(hook.target_url, body)).status);
    }
    return statuses;
  }

  /** Clears opportunities, faults, failure rate, latency, requests and webhooks. */
  reset(): void {
    this.live.clear();
    this.deleted.clear();
    this.hooks.clear();
    this.faults = [];
    this.failureRate = { rate: 0, statuses: [429, 500], retryAfterSeconds: 1 };
    this.latency.ms = 0;
    this.latency.cutShort();
    this.requests.length = 0;
  }

  async stop(): Promise<void> {
    this.latency.cutShort();
    await closeServer(this.server);
  }

  /** A strictly increasing ISO timestamp: never equal to the previous one, even within the same millisecond. */
  private stamp(): string {
    this.lastStampMs = Math.max(Date.now(), this.lastStampMs + 1);
    return new Date(this.lastStampMs).toISOString();
  }

  private defaults(id: number, now: string): CurrentRmsOpportunity {
    const startsAt = new Date((Math.floor(Date.now() / DAY_MS) + 3) * DAY_MS + 9 * 3_600_000).toISOString();
    const endsAt = new Date(Date.parse(startsAt) + 2 * DAY_MS).toISOString();
    return {
      id,
      subject: `Opportunity ${id}`,
      description: '',
      number: `OPP-${String(id).padStart(5, '0')}`,
      state: 2,
      state_name: '',
      status: 0,
      status_name: '',
      starts_at: startsAt,
      ends_at: endsAt,
      charge_starts_at: startsAt,
      charge_ends_at: endsAt,
      charge_total: '0.00',
      charge_excluding_tax_total: '0.00',
      charge_including_tax_total: '0.00',
      tax_total: '0.00',
      member_id: null,
      member: null,
      owned_by: null,
      owner: null,
      custom_fields: {},
      reference: '',
      created_at: now,
      updated_at: now,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const isApi = url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`);
    let reply: Reply;
    try {
      if (isApi) reply = await this.api(req, url);
      else if (url.pathname.startsWith('/__sandbox/')) reply = await this.sandbox(req, url.pathname.split('/').slice(2));
      else reply = errorReply(404, 'Not found');
    } catch (error) {
      reply = error instanceof HttpError ? errorReply(error.status, error.message) : errorReply(500, error instanceof Error ? error.message : String(error));
    }
    if (isApi) {
      this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: flatHeaders(req), status: reply.status });
      await this.latency.wait();
    }
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.body !== undefined) headers['Content-Type'] = 'application/json; charset=utf-8';
    res.writeHead(reply.status, headers).end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  }

  /** Authentication, then injected faults, then the REST routes. */
  private async api(req: IncomingMessage, url: URL): Promise<Reply> {
    if (req.headers['x-subdomain'] !== this.subdomain || req.headers['x-auth-token'] !== this.apiToken) {
      return errorReply(401, INVALID_AUTH);
    }
    const fault = this.takeFault(url.pathname);
    if (fault) {
      const retryAfter = fault.status === 429 || fault.status === 503 ? { 'Retry-After': String(fault.retryAfterSeconds) } : undefined;
      return { ...errorReply(fault.status, fault.message ?? FAULT_MESSAGES[fault.status]), headers: retryAfter };
    }
    const [resource, id, ...rest] = url.pathname.slice(API_PREFIX.length + 1).split('/');
    const recordId = id === undefined ? undefined : parseId(id);
    if (rest.length > 0 || recordId === null) return errorReply(404, 'Not found');
    const route = `${req.method} ${resource}${recordId === undefined ? '' : '/:id'}`;
    switch (route) {
      case 'GET opportunities':
        return this.listOpportunities(url.searchParams);
      case 'GET opportunities/:id': {
        const opportunity = this.live.get(recordId ?? 0);
        return opportunity ? { status: 200, body: { opportunity } } : errorReply(404, 'Record not found');
      }
      case 'GET webhooks': {
        const { rows, meta } = paginate([...this.hooks.values()], url.searchParams);
        return { status: 200, body: { webhooks: rows, meta } };
      }
      case 'POST webhooks':
        return this.createWebhook(await readJson(req));
      case 'DELETE webhooks/:id':
        return this.hooks.delete(recordId ?? 0) ? { status: 204 } : errorReply(404, 'Record not found');
      default:
        return errorReply(404, 'Not found');
    }
  }

  /** The one-off fault for this request, else perhaps a random one (at the configured failure rate). */
  private takeFault(path: string): Pick<PendingFault, 'status' | 'retryAfterSeconds' | 'message'> | undefined {
    const fault = this.faults.find((candidate) => candidate.pathPattern?.test(path) ?? true);
    if (fault) {
      if (--fault.count === 0) this.faults.splice(this.faults.indexOf(fault), 1);
      return fault;
    }
    const { rate, statuses, retryAfterSeconds } = this.failureRate;
    if (rate === 0 || Math.random() >= rate) return undefined;
    return { status: statuses[Math.floor(Math.random() * statuses.length)] ?? statuses[0]!, retryAfterSeconds };
  }

  private listOpportunities(query: URLSearchParams): Reply {
    const since = query.get('q[updated_at_gteq]');
    const sinceMs = since === null ? -Infinity : Date.parse(since);
    if (Number.isNaN(sinceMs)) return errorReply(422, `Invalid q[updated_at_gteq]: ${since}`);
    const matching = [...this.live.values()].filter((o) => Date.parse(o.updated_at) >= sinceMs).sort((a, b) => a.id - b.id);
    const { rows, meta } = paginate(matching, query);
    return { status: 200, body: { opportunities: rows, meta } };
  }

  private createWebhook(body: unknown): Reply {
    const webhook: Record<string, unknown> = isObject(body) && isObject(body.webhook) ? body.webhook : {};
    const required = { name: 'Name', event: 'Event', target_url: 'Target url' };
    const errors = Object.entries(required)
      .filter(([field]) => typeof webhook[field] !== 'string' || webhook[field] === '')
      .map(([, label]) => `${label} can't be blank`);
    if (webhook.active !== undefined && typeof webhook.active !== 'boolean') errors.push('Active must be true or false');
    if (errors.length > 0) return { status: 422, body: { errors } };
    const hook: FakeCurrentRmsWebhook = {
      id: this.nextWebhookId++,
      name: webhook.name as string,
      event: webhook.event as string,
      target_url: webhook.target_url as string,
      active: (webhook.active as boolean | undefined) ?? true,
    };
    this.hooks.set(hook.id, hook);
    return { status: 201, body: { webhook: hook } };
  }

  /** The demo controls: PUT/DELETE /__sandbox/opportunities/:id (and emit webhooks), POST /__sandbox/faults, PUT /__sandbox/failure-rate. */
  private async sandbox(req: IncomingMessage, segments: string[]): Promise<Reply> {
    const [resource, rawId, ...rest] = segments;
    const id = rawId === undefined ? undefined : parseId(rawId);
    if (rest.length > 0 || id === null) return errorReply(404, 'Not found');
    if (resource === 'opportunities' && id !== undefined && req.method === 'PUT') {
      const fields = await readJson(req);
      if (!isObject(fields)) throw new HttpError(400, 'Body must be a JSON object of opportunity fields');
      const existed = this.live.has(id);
      const opportunity = asBadRequest(() => this.upsertOpportunity({ ...(fields as Partial<CurrentRmsOpportunity>), id }));
      const deliveries = await this.emit(existed ? 'opportunity_update' : 'opportunity_create', id);
      return { status: 200, body: { opportunity, deliveries } };
    }
    if (resource === 'opportunities' && id !== undefined && req.method === 'DELETE') {
      if (!this.live.has(id)) return errorReply(404, 'Record not found');
      this.deleteOpportunity(id);
      return { status: 200, body: { deliveries: await this.emit('opportunity_destroy', id) } };
    }
    if (resource === 'faults' && id === undefined && req.method === 'POST') {
      const fault = await readJson(req);
      if (!isObject(fault)) throw new HttpError(400, 'Body must be a JSON object like {"status":429,"count":1}');
      const { status, count, retryAfterSeconds, message } = fault as Omit<FakeCurrentRmsFault, 'pathPattern'>;
      asBadRequest(() => this.injectFault({ status, count, retryAfterSeconds, message }));
      return { status: 204 };
    }
    if (resource === 'failure-rate' && id === undefined && req.method === 'PUT') {
      const failureRate = await readJson(req);
      if (!isObject(failureRate)) throw new HttpError(400, 'Body must be a JSON object like {"rate":0.2,"statuses":[429,500]}');
      asBadRequest(() => this.setFailureRate(failureRate as unknown as FakeCurrentRmsFailureRate));
      return { status: 204 };
    }
    return errorReply(404, 'Not found');
  }
}

/** A positive integer id from a path segment, or null. */
function parseId(segment: string): number | null {
  return /^[1-9]\d{0,14}$/.test(segment) ? Number(segment) : null;
}

function paginate<T>(items: T[], query: URLSearchParams): { rows: T[]; meta: { total_row_count: number; row_count: number; page: number; per_page: number } } {
  const positive = (name: string): number | undefined => {
    const value = Number(query.get(name) ?? undefined);
    return Number.isInteger(value) && value >= 1 ? value : undefined;
  };
  const page = positive('page') ?? 1;
  const perPage = Math.min(positive('per_page') ?? 20, MAX_PER_PAGE);
  const rows = items.slice((page - 1) * perPage, page * perPage);
  return { rows, meta: { total_row_count: items.length, row_count: rows.length, page, per_page: perPage } };
}

/** Keeps an `*_id` field and its embedded `{id, name}` in step, whichever of the two was given. */
function linked(givenId: number | null | undefined, given: { id: number; name: string } | null | undefined, current: { id: number; name: string } | null, label: string): { id: number; name: string } | null {
  if (given !== undefined) return given;
  if (givenId === undefined) return current;
  if (givenId === null) return null;
  return current?.id === givenId ? current : { id: givenId, name: `${label} ${givenId}` };
}

function money(value: unknown, field: string): string {
  const amount = typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN;
  if (!Number.isFinite(amount)) throw new RangeError(`${field} must be a decimal amount: ${String(value)}`);
  return amount.toFixed(2);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'Body is not valid JSON');
  }
}

function asBadRequest<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    throw new HttpError(400, error instanceof Error ? error.message : String(error));
  }
}
