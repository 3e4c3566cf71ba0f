// HTTP fake of Xero (token endpoint, Accounting API contacts/quotes/invoices) with limits, idempotency, faults and /__sandbox/ controls.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { XeroSettings } from '../../lib/config';
import { IdempotencyCache } from './xero/idempotency';
import { type FakeXeroContact, type FakeXeroInvoice, type FakeXeroQuote, FakeXeroOrganisation, QueryParseError, type RecordKind, type SaveOutcome, type WriteCounts } from './xero/organisation';
import { type FakeXeroLimits, TenantRateLimits } from './xero/rate-limits';
import { envelope, invalidJson, notFound, problem, type Reply, validationException } from './xero/wire';
import { closeServer, InjectedLatency, listenLocally } from './http-server';

export type { FakeXeroContact, FakeXeroInvoice, FakeXeroQuote, FakeXeroLimits, WriteCounts };

export interface FakeXeroOptions {
  port?: number;
  host?: string;
  clientId?: string;
  clientSecret?: string;
  /** The one organisation this connection reaches; '' acts as a custom connection (the header may be empty or absent). */
  tenantId?: string;
  providerName?: string;
  currencyCode?: string;
  /** Scopes granted to the connection; a token request may ask for a subset. */
  scopes?: string[];
  tokenLifetimeSeconds?: number;
  idempotencyTtlMs?: number;
  limits?: Partial<FakeXeroLimits>;
}

export type FakeXeroFaultKind = 'rate-limit' | 'server-error' | 'unavailable' | 'token-expired' | 'validation' | 'drop-after-write';

export interface FakeXeroFault {
  kind: FakeXeroFaultKind;
  count?: number;
  /** Retry-After of rate-limit, server-error and unavailable answers (default 1). */
  retryAfterSeconds?: number;
  /** The ValidationErrors message of a validation fault. */
  message?: string;
  method?: string;
  /** Matches API paths starting with this, e.g. '/Quotes'. */
  path?: string;
}

export interface FakeXeroRequest {
  method: string;
  /** Under /api.xro/2.0, with the query string. */
  path: string;
  status: number;
  idempotencyKey: string | undefined;
  /** Answered from the idempotency cache. */
  replayed: boolean;
  /** The write was applied, then the connection dropped without an answer. */
  dropped: boolean;
}

export interface FakeXeroStats {
  writes: Record<RecordKind, WriteCounts>;
  requests: number;
  idempotentReplays: number;
  rateLimited: number;
  peakConcurrent: number;
  tokensIssued: number;
}

type PendingFault = Required<Pick<FakeXeroFault, 'kind' | 'count' | 'retryAfterSeconds'>> & Omit<FakeXeroFault, 'kind' | 'count' | 'retryAfterSeconds'>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const API_PREFIX = '/api.xro/2.0';
const TOKEN_PATH = '/connect/token';
const PAGE_SIZE = 100;
const IDEMPOTENCY_KEY_MAX = 128;
const FAULT_KINDS: readonly FakeXeroFaultKind[] = ['rate-limit', 'server-error', 'unavailable', 'token-expired', 'validation', 'drop-after-write'];
const COLLECTIONS = { Contacts: 'contacts', Quotes: 'quotes', Invoices: 'invoices' } as const;
const DEFAULT_SCOPES = ['accounting.transactions', 'accounting.contacts', 'accounting.settings'];

export class FakeXero {
  readonly requests: FakeXeroRequest[] = [];
  /** The organisation's records; tests may seed or change them directly (as a Xero user would). */
  readonly organisation: FakeXeroOrganisation;
  private readonly limits = new TenantRateLimits();
  private readonly idempotency: IdempotencyCache;
  private readonly tokens = new Map<string, { expiresAt: number }>();
  private faults: PendingFault[] = [];
  private failureRate = { rate: 0, retryAfterSeconds: 1 };
  private readonly latency = new InjectedLatency();
  private tokensIssued = 0;
  private idempotentReplays = 0;

  private constructor(
    private readonly server: Server,
    /** Origin of the fake: the token URL, the API and /__sandbox/ live under it. */
    readonly baseUrl: string,
    readonly clientId: string,
    readonly clientSecret: string,
    readonly tenantId: string,
    private readonly options: FakeXeroOptions,
  ) {
    this.organisation = new FakeXeroOrganisation(options.currencyCode ?? 'GBP');
    this.idempotency = new IdempotencyCache(options.idempotencyTtlMs);
    if (options.limits) this.limits.configure(options.limits);
  }

  static async start(options: FakeXeroOptions = {}): Promise<FakeXero> {
    const { server, origin } = await listenLocally(options.port, options.host);
    const fake = new FakeXero(server, `${origin}`, options.clientId ?? 'sandbox-client-id', options.clientSecret ?? 'sandbox-client-secret', options.tenantId ?? randomUUID(), options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    return fake;
  }

  get apiUrl(): string {
    return `${this.baseUrl}${API_PREFIX}`;
  }

  get tokenUrl(): string {
    return `${this.baseUrl}${TOKEN_PATH}`;
  }

  /** Settings that reach this fake with its credentials. */
  settings(): XeroSettings {
    return { apiUrl: this.apiUrl, tokenUrl: this.tokenUrl, clientId: this.clientId, clientSecret: this.clientSecret, tenantId: this.tenantId };
  }

  contacts(): FakeXeroContact[] {
    return [...this.organisation.contacts.values()].map((contact) => structuredClone(contact));
  }

  quotes(): FakeXeroQuote[] {
    return [...this.organisation.quotes.values()].map((quote) => structuredClone(quote));
  }

  invoices(): FakeXeroInvoice[] {
    return [...this.organisation.invoices.values()].map((invoice) => structuredClone(invoice));
  }

  stats(): FakeXeroStats {
    return {
      writes: structuredClone(this.organisation.writes),
      requests: this.requests.length,
      idempotentReplays: this.idempotentReplays,
      rateLimited: this.limits.rejected,
      peakConcurrent: this.limits.peakConcurrent,
      tokensIssued: this.tokensIssued,
    };
  }

  /** The next `count` (default 1) matching API calls fail as `kind`; 'drop-after-write' applies the call, then drops the connection. */
  injectFault(fault: FakeXeroFault): void {
    const { kind, count = 1, retryAfterSeconds = 1, message, method, path } = fault;
    if (!FAULT_KINDS.includes(kind)) throw new RangeError(`Unknown fault kind: ${String(kind)} (one of ${FAULT_KINDS.join(', ')})`);
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`Fault count must be a positive integer: ${String(count)}`);
    if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0) throw new RangeError(`retryAfterSeconds must be a non-negative integer: ${String(retryAfterSeconds)}`);
    this.faults.push({ kind, count, retryAfterSeconds, message, method: method?.toUpperCase(), path });
  }

  /** That share (0..1) of API calls answers 429 or 500 at random, with Retry-After. */
  setFailureRate(rate: number, retryAfterSeconds = 1): void {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`Failure rate must be between 0 and 1: ${String(rate)}`);
    if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0) throw new RangeError(`retryAfterSeconds must be a non-negative integer: ${String(retryAfterSeconds)}`);
    this.failureRate = { rate, retryAfterSeconds };
  }

  /** Every API call holds its concurrency slot this much longer (0 = none). */
  setLatency(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`Latency must be a non-negative number of milliseconds: ${String(ms)}`);
    this.latency.ms = ms;
  }

  setLimits(limits: Partial<FakeXeroLimits>): void {
    this.limits.configure(limits);
  }

  /** Every token issued so far is now expired: the next API call with one answers 401 TokenExpired. */
  expireTokens(): void {
    const now = Date.now();
    for (const token of this.tokens.values()) token.expiresAt = Math.min(token.expiresAt, now - 1);
  }

  /** Clears records, tokens, faults, latency, limits (back to Xero's), the idempotency cache, counters and requests. */
  reset(): void {
    this.organisation.clear();
    this.limits.reset();
    if (this.options.limits) this.limits.configure(this.options.limits);
    this.idempotency.clear();
    this.tokens.clear();
    this.faults = [];
    this.failureRate = { rate: 0, retryAfterSeconds: 1 };
    this.latency.ms = 0;
    this.tokensIssued = 0;
    this.idempotentReplays = 0;
    this.requests.length = 0;
    this.latency.cutShort();
  }

  async stop(): Promise<void> {
    this.latency.cutShort();
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    try {
      if (url.pathname.startsWith(`${API_PREFIX}/`)) return await this.api(req, res, url);
      if (url.pathname === TOKEN_PATH) return send(res, await this.token(req));
      if (url.pathname.startsWith('/__sandbox/')) return send(res, await this.sandbox(req, url));
      send(res, notFound());
    } catch (error) {
      if (error instanceof HttpError) send(res, { status: error.status, body: { error: error.message } });
      else send(res, problem(500, 'An error occurred', error instanceof Error ? error.message : String(error)));
    }
  }

  /** Authentication, tenant, limits, then (inside the concurrency slot) latency, faults, idempotency and the routes. */
  private async api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname.slice(API_PREFIX.length);
    const idempotencyKey = header(req, 'idempotency-key');
    const request: FakeXeroRequest = { method, path: `${path}${url.search}`, status: 0, idempotencyKey, replayed: false, dropped: false };
    this.requests.push(request);
    const refusal = this.authenticate(req);
    if (refusal) return send(res, refusal, request);
    const admission = this.limits.admit();
    if (!admission.admitted) {
      const headers = { 'Retry-After': String(admission.retryAfterSeconds), 'X-Rate-Limit-Problem': admission.problem, ...this.limits.headers() };
      return send(res, problem(429, 'Too Many Requests', `The ${admission.problem} rate limit was exceeded`, headers), request);
    }
    try {
      await this.latency.wait();
      const fault = this.takeFault(method, path);
      const reply = fault && fault.kind !== 'drop-after-write' ? faultReply(fault.kind, fault) : await this.route(req, method, path, url.searchParams, request);
      reply.headers = { ...reply.headers, ...this.limits.headers() };
      if (fault?.kind === 'drop-after-write') {
        request.dropped = true;
        request.status = reply.status;
        res.socket?.destroy();
      } else send(res, reply, request);
    } finally {
      admission.release();
    }
  }

  private authenticate(req: IncomingMessage): Reply | undefined {
    const token = /^Bearer (.+)$/.exec(header(req, 'authorization') ?? '')?.[1];
    const issued = token === undefined ? undefined : this.tokens.get(token);
    if (!issued) return problem(401, 'Unauthorized', 'AuthorizationUnsuccessful');
    if (issued.expiresAt <= Date.now()) return tokenExpired(issued.expiresAt);
    const tenant = header(req, 'xero-tenant-id');
    const tenantMatches = this.tenantId === '' ? !tenant : tenant === this.tenantId;
    // https://developer.xero.com/documentation/oauth2/troubleshooting: a missing or unauthorised tenant is a 403.
    return tenantMatches ? undefined : problem(403, 'Forbidden', 'AuthenticationUnsuccessful');
  }

  private takeFault(method: string, path: string): PendingFault | undefined {
    const fault = this.faults.find((candidate) => (candidate.method === undefined || candidate.method === method) && (candidate.path === undefined || path.startsWith(candidate.path)));
    if (fault) {
      if (--fault.count === 0) this.faults.splice(this.faults.indexOf(fault), 1);
      return fault;
    }
    const { rate, retryAfterSeconds } = this.failureRate;
    if (rate > 0 && Math.random() < rate) return { kind: Math.random() < 0.5 ? 'rate-limit' : 'server-error', count: 1, retryAfterSeconds };
    return undefined;
  }

  private async route(req: IncomingMessage, method: string, path: string, query: URLSearchParams, request: FakeXeroRequest): Promise<Reply> {
    const [, collection, id, ...rest] = path.split('/');
    if (rest.length > 0 || collection === undefined || !Object.hasOwn(COLLECTIONS, collection)) return notFound();
    const providerName = this.options.providerName ?? 'Integration Platform';
    if (method === 'GET') {
      if (collection === 'Contacts') {
        if (id !== undefined) return this.single(providerName, collection, this.organisation.contacts.get(id));
        try {
          return envelope(providerName, collection, paged(this.organisation.findContacts(query.get('where')), query));
        } catch (error) {
          if (error instanceof QueryParseError) return { status: 400, body: { ErrorNumber: 16, Type: 'QueryParseException', Message: error.message } };
          throw error;
        }
      }
      if (collection === 'Quotes') {
        if (id !== undefined) return this.single(providerName, collection, this.organisation.quotes.get(id));
        return envelope(providerName, collection, paged(this.organisation.listQuotes({ ContactID: query.get('ContactID'), QuoteNumber: query.get('QuoteNumber'), Status: query.get('Status') }), query));
      }
      return notFound();
    }
    if (method !== 'PUT' && method !== 'POST') return notFound();
    // Only quotes take an id in the path (POST /Quotes/{QuoteID}).
    if (id !== undefined && !(collection === 'Quotes' && method === 'POST')) return notFound();
    const raw = await readText(req);
    if (request.idempotencyKey === undefined) return this.write(providerName, collection as keyof typeof COLLECTIONS, method, raw, id);
    if (request.idempotencyKey.length > IDEMPOTENCY_KEY_MAX) return problem(400, 'Bad Request', `Idempotency-Key must be at most ${IDEMPOTENCY_KEY_MAX} characters`);
    const cached = this.idempotency.lookup(request.idempotencyKey, method, path, raw);
    if (cached.kind === 'conflict') return problem(400, 'Bad Request', 'The Idempotency-Key was already used with a different request body');
    if (cached.kind === 'replay') {
      request.replayed = true;
      this.idempotentReplays += 1;
      return structuredClone(cached.reply);
    }
    const reply = this.write(providerName, collection as keyof typeof COLLECTIONS, method, raw, id);
    this.idempotency.remember(request.idempotencyKey, method, path, raw, structuredClone(reply));
    return reply;
  }

  private single(providerName: string, collection: string, record: unknown): Reply {
    return record === undefined ? notFound() : envelope(providerName, collection, [structuredClone(record)]);
  }

  private write(providerName: string, collection: keyof typeof COLLECTIONS, method: 'PUT' | 'POST', raw: string, quoteId: string | undefined): Reply {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return invalidJson();
    }
    // Xero takes {"Contacts": [...]} or one bare element.
    const wrapped = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[collection] : undefined;
    const elements = Array.isArray(wrapped) ? (wrapped as unknown[]) : [body];
    const mode = method === 'PUT' ? 'create' : 'create-or-update';
    const outcome: SaveOutcome<unknown> =
      collection === 'Contacts'
        ? this.organisation.saveContacts(elements, mode)
        : collection === 'Quotes'
          ? this.organisation.saveQuotes(elements, mode, quoteId)
          : this.organisation.saveInvoices(elements, mode);
    if (outcome.kind === 'not-found') return notFound();
    if (outcome.kind === 'invalid') return validationException(outcome.failures);
    return envelope(providerName, collection, outcome.records);
  }

  /** POST /connect/token: client credentials with HTTP Basic auth; `scope` or (as xero-node sends it) `scopes`. */
  private async token(req: IncomingMessage): Promise<Reply> {
    if (req.method !== 'POST') return { status: 405, body: { error: 'invalid_request' } };
    const [scheme, encoded] = (header(req, 'authorization') ?? '').split(' ');
    const credentials = scheme === 'Basic' && encoded ? Buffer.from(encoded, 'base64').toString('utf8') : '';
    const separator = credentials.indexOf(':');
    if (separator < 0 || credentials.slice(0, separator) !== this.clientId || credentials.slice(separator + 1) !== this.clientSecret) {
      return { status: 400, body: { error: 'invalid_client' } };
    }
    const form = new URLSearchParams(await readText(req));
    if (form.get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type' } };
    const granted = this.options.scopes ?? DEFAULT_SCOPES;
    const requested = (form.get('scope') ?? form.get('scopes'))?.split(/[\s,]+/).filter(Boolean);
    if (requested?.some((scope) => !granted.includes(scope))) return { status: 400, body: { error: 'invalid_scope' } };
    const lifetimeSeconds = this.options.tokenLifetimeSeconds ?? 1800;
    const accessToken = randomBytes(32).toString('base64url');
    this.tokens.set(accessToken, { expiresAt: Date.now() + lifetimeSeconds * 1000 });
    this.tokensIssued += 1;
    return { status: 200, body: { access_token: accessToken, expires_in: lifetimeSeconds, token_type: 'Bearer', scope: (requested ?? granted).join(' ') } };
  }

  /** Inspection and controls for other processes: records, stats, requests, faults, failure rate, latency, limits, token expiry, reset. */
  private async sandbox(req: IncomingMessage, url: URL): Promise<Reply> {
    const route = `${req.method} ${url.pathname.slice('/__sandbox/'.length)}`;
    switch (route) {
      case 'GET contacts':
        return { status: 200, body: { contacts: this.contacts() } };
      case 'GET quotes':
        return { status: 200, body: { quotes: this.quotes() } };
      case 'GET invoices':
        return { status: 200, body: { invoices: this.invoices() } };
      case 'GET stats':
        return { status: 200, body: this.stats() };
      case 'GET requests':
        return { status: 200, body: { requests: this.requests } };
      case 'POST faults': {
        const fault = await readJsonObject(req, '{"kind":"rate-limit","count":1}');
        asBadRequest(() => this.injectFault(fault as unknown as FakeXeroFault));
        return { status: 204 };
      }
      case 'PUT failure-rate': {
        const { rate, retryAfterSeconds } = await readJsonObject(req, '{"rate":0.2,"retryAfterSeconds":1}');
        asBadRequest(() => this.setFailureRate(rate as number, retryAfterSeconds as number | undefined));
        return { status: 204 };
      }
      case 'PUT latency': {
        const { ms } = await readJsonObject(req, '{"ms":100}');
        asBadRequest(() => this.setLatency(ms as number));
        return { status: 204 };
      }
      case 'PUT limits': {
        const limits = await readJsonObject(req, '{"perMinute":60,"concurrent":5,"perDay":5000}');
        asBadRequest(() => this.setLimits(limits));
        return { status: 200, body: this.limits.current() };
      }
      case 'POST expire-tokens':
        this.expireTokens();
        return { status: 204 };
      case 'POST reset':
        this.reset();
        return { status: 204 };
      default:
        return { status: 404, body: { error: `No sandbox route ${route}` } };
    }
  }
}

function faultReply(kind: Exclude<FakeXeroFaultKind, 'drop-after-write'>, fault: PendingFault): Reply {
  const retryAfter = { 'Retry-After': String(fault.retryAfterSeconds) };
  switch (kind) {
    case 'rate-limit':
      return problem(429, 'Too Many Requests', 'The minute rate limit was exceeded', { ...retryAfter, 'X-Rate-Limit-Problem': 'minute' });
    case 'server-error':
      return problem(500, 'An error occurred', 'An error occurred in Xero. Check the API Status page http://status.developer.xero.com for current service status.', retryAfter);
    case 'unavailable':
      return problem(503, 'Service Unavailable', 'The Xero API is temporarily unavailable', retryAfter);
    case 'token-expired':
      return tokenExpired(Date.now());
    case 'validation':
      return validationException([{ element: {}, messages: [fault.message ?? 'A validation exception occurred'] }]);
  }
}

/** 401 as Xero words it: `TokenExpired: token expired at 07/22/2023 10:00:00`. */
function tokenExpired(expiresAt: number): Reply {
  const at = new Date(expiresAt);
  const pad = (value: number) => String(value).padStart(2, '0');
  const stamp = `${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/${at.getUTCFullYear()} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}`;
  return problem(401, 'Unauthorized', `TokenExpired: token expired at ${stamp}`);
}

/** Xero pages hold 100 records (`page` is 1-based); without `page` everything is returned. */
function paged<T>(records: T[], query: URLSearchParams): T[] {
  const page = Number(query.get('page'));
  if (!query.has('page') || !Number.isInteger(page) || page < 1) return records;
  return records.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
}

function send(res: ServerResponse, reply: Reply, request?: FakeXeroRequest): void {
  if (request) request.status = reply.status;
  const headers: Record<string, string> = { 'Xero-Correlation-Id': randomUUID(), ...reply.headers };
  let payload: string | undefined;
  if (reply.text !== undefined) {
    headers['Content-Type'] = 'text/plain; charset=utf-8';
    payload = reply.text;
  } else if (reply.body !== undefined) {
    headers['Content-Type'] = 'application/json; charset=utf-8';
    payload = JSON.stringify(reply.body);
  }
  res.writeHead(reply.status, headers).end(payload);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readJsonObject(req: IncomingMessage, example: string): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = JSON.parse(await readText(req));
  } catch {
    throw new HttpError(400, `Body must be JSON like ${example}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, `Body must be a JSON object like ${example}`);
  return body as Record<string, unknown>;
}

function asBadRequest(action: () => void): void {
  try {
    action();
  } catch (error) {
    throw new HttpError(400, error instanceof Error ? error.message : String(error));
  }
}
