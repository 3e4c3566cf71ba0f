// In-process HTTP fake of a Salesforce org: OAuth token endpoint, REST sObjects, collections and SOQL, with API quota, faults and /__sandbox/ controls.
import { createPublicKey } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { SalesforceSettings } from '../../lib/config';
import { checkGrant, type ConnectedApp, newAccessToken, tokenSignature } from './salesforce/oauth';
import { describe, opportunitySchema, type SaveError } from './salesforce/schema';
import { parseSoql, runSoql, SoqlError } from './salesforce/soql';
import { RecordStore, type SaveOutcome, type SObjectRecord, type UpsertOutcome, type ValidationRule, type WriteCounts } from './salesforce/store';
import { closeServer, InjectedLatency, listenLocally } from './http-server';

export type { SObjectRecord, ValidationRule, WriteCounts };

export const FAKE_SALESFORCE_FAULT_KINDS = ['invalid-session', 'rate-limited', 'request-limit', 'server-error', 'unavailable', 'drop-response'] as const;
/**
 * 401 INVALID_SESSION_ID (a session revoked), 429, 403 REQUEST_LIMIT_EXCEEDED, 500, 503,
 * or drop-response: the request is carried out, then the connection is dropped without an answer.
 */
export type FakeSalesforceFaultKind = (typeof FAKE_SALESFORCE_FAULT_KINDS)[number];

export interface FakeSalesforceFault {
  kind: FakeSalesforceFaultKind;
  /** How many API requests it hits (default 1). */
  count?: number;
  /** Retry-After of 429 and 503 answers (default 1). */
  retryAfterSeconds?: number;
  /** Only API requests whose path matches (default all). */
  pathPattern?: RegExp;
}

export interface FakeSalesforceOptions {
  port?: number;
  host?: string;
  /** The connected app's consumer key and secret. */
  clientId?: string;
  clientSecret?: string;
  /** The integration user (JWT `sub`, password grant). */
  username?: string;
  password?: string;
  /** PEM public key of the connected app's certificate: JWT assertions must be signed by its private key. Unchecked when absent. */
  jwtPublicKey?: string;
  /** A refresh token the refresh_token grant accepts. */
  refreshToken?: string;
  /** The org's daily API request limit (Sforce-Limit-Info), default 15000. */
  apiUsageLimit?: number;
  /** Records per query page before nextRecordsUrl, default 2000 (Salesforce's). */
  queryPageSize?: number;
  /** The Opportunity custom field declared as an external id, default CurrentRMS_Id__c. */
  externalIdField?: string;
}

export interface FakeSalesforceRequest {
  method: string;
  path: string;
  /** The status answered; 0 when the connection was dropped instead. */
  status: number;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Carry out the request, then drop the connection instead of answering. */
  drop?: boolean;
}

interface ApiContext {
  method: string;
  /** The API version of the path, e.g. 62. */
  version: number;
  /** `/services/data/vNN.0`. */
  prefix: string;
  params: Record<string, string>;
  query: URLSearchParams;
  req: IncomingMessage;
}

type Handler = (context: ApiContext) => Reply | Promise<Reply>;

interface Route {
  /** Path segments after the version; `:name` captures one. */
  pattern: string[];
  methods: Partial<Record<string, Handler>>;
}

type PendingFault = Required<Omit<FakeSalesforceFault, 'pathPattern'>> & Pick<FakeSalesforceFault, 'pathPattern'>;

const TOKEN_PATH = '/services/oauth2/token';
const API_PATH = /^\/services\/data\/v(\d{2,3}\.0)(\/.*)?$/;
const ORG_ID = '00D8D0000001SbxUAE';
const USER_ID = '0058D000004IntgQAC';
const MAX_COLLECTION_SIZE = 200;
const FAULT_ERRORS: Record<Exclude<FakeSalesforceFaultKind, 'drop-response'>, { status: number; errorCode: string; message: string }> = {
  'invalid-session': { status: 401, errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' },
  'rate-limited': { status: 429, errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many requests. Retry after the delay in the Retry-After header.' },
  'request-limit': { status: 403, errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' },
  'server-error': { status: 500, errorCode: 'UNKNOWN_EXCEPTION', message: 'An unexpected error occurred. Please include this ErrorId if you contact support: 1742963-51923 (-1431264357)' },
  unavailable: { status: 503, errorCode: 'SERVER_UNAVAILABLE', message: 'Server temporarily unavailable, please retry later.' },
};
const ROLLED_BACK: SaveError = { errorCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] };

/** A REST error answer: a JSON array of `{message, errorCode, fields}`. */
const apiErrorReply = (status: number, errorCode: string, message: string, fields?: string[]): Reply => ({ status, body: [{ message, errorCode, ...(fields ? { fields } : {}) }] });
const saveErrorReply = (status: number, { errorCode, message, fields }: SaveError): Reply => apiErrorReply(status, errorCode, message, fields);
const NOT_FOUND = apiErrorReply(404, 'NOT_FOUND', 'The requested resource does not exist');

/** A body that is not a JSON object: Salesforce answers 400 JSON_PARSER_ERROR. */
class JsonParserError extends Error {
  constructor(text: string) {
    super(`Unexpected character in the request body: ${text.slice(0, 40)}`);
  }
}

/** A /__sandbox/ request the fake cannot serve, answered with `status`. */
class SandboxError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class FakeSalesforce {
  readonly requests: FakeSalesforceRequest[] = [];
  private store: RecordStore;
  private readonly sessions = new Set<string>();
  /** Result sets of queries with more pages, by query locator id. */
  private readonly cursors = new Map<string, Record<string, unknown>[]>();
  private nextCursor = 1;
  private faults: PendingFault[] = [];
  private failureRate = { rate: 0, kinds: ['rate-limited', 'server-error'] as FakeSalesforceFaultKind[], retryAfterSeconds: 1 };
  private readonly latency = new InjectedLatency();
  private apiUsed = 0;
  private apiLimit: number;
  private readonly routes: Route[] = [
    { pattern: ['sobjects', ':type', 'describe'], methods: { GET: (c) => this.describeObject(c) } },
    { pattern: ['sobjects', ':type'], methods: { POST: (c) => this.createRecordReply(c) } },
    { pattern: ['sobjects', ':type', ':id'], methods: { GET: (c) => this.retrieve(c), PATCH: (c) => this.updateRecordReply(c), DELETE: (c) => this.deleteRecordReply(c) } },
    { pattern: ['sobjects', ':type', ':field', ':value'], methods: { PATCH: (c) => this.upsertRecordReply(c) } },
    { pattern: ['composite', 'sobjects'], methods: { POST: (c) => this.collection(c, 'create'), PATCH: (c) => this.collection(c, 'update') } },
    { pattern: ['composite', 'sobjects', ':type', ':field'], methods: { PATCH: (c) => this.collection(c, 'upsert') } },
    { pattern: ['query'], methods: { GET: (c) => this.query(c) } },
    { pattern: ['query', ':locator'], methods: { GET: (c) => this.queryMore(c) } },
  ];

  private constructor(
    private readonly server: Server,
    /** The org's login URL and instance URL (one server plays both). */
    readonly baseUrl: string,
    readonly app: ConnectedApp,
    private readonly initialApiLimit: number,
    private readonly queryPageSize: number,
    readonly externalIdField: string,
  ) {
    this.store = RecordStore.empty([opportunitySchema(externalIdField)]);
    this.apiLimit = initialApiLimit;
  }

  static async start(options: FakeSalesforceOptions = {}): Promise<FakeSalesforce> {
    const { server, origin } = await listenLocally(options.port, options.host);
    const baseUrl = origin;
    const app: ConnectedApp = {
      clientId: options.clientId ?? 'sandbox-client-id',
      clientSecret: options.clientSecret ?? 'sandbox-client-secret',
      username: options.username ?? 'integration@sandbox.example.com',
      password: options.password ?? 'sandbox-password',
      jwtPublicKey: options.jwtPublicKey === undefined ? undefined : createPublicKey(options.jwtPublicKey),
      refreshToken: options.refreshToken,
      audience: baseUrl,
    };
    const fake = new FakeSalesforce(server, baseUrl, app, options.apiUsageLimit ?? 15_000, options.queryPageSize ?? 2_000, options.externalIdField ?? 'CurrentRMS_Id__c');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    return fake;
  }

  /** What points a SalesforceConnector at this org: its login URL and connected app (client-credentials grant), API 62.0. */
  settings(): SalesforceSettings {
    const { clientId, clientSecret } = this.app;
    return { loginUrl: this.baseUrl, instanceUrl: undefined, clientId, clientSecret, jwt: undefined, apiVersion: '62.0', externalIdField: this.externalIdField };
  }

  /** Copies of the records of `type`, as stored (all fields). */
  records(type = 'Opportunity'): SObjectRecord[] {
    return this.store.list(type);
  }

  /** Creates a record as a user would, with the API's checks (e.g. to seed duplicates of an external id); returns its id. */
  createRecord(type: string, values: Record<string, unknown>): string {
    const outcome = this.store.create(type, values);
    if (!outcome.success) throw new RangeError(`${outcome.error.errorCode}: ${outcome.error.message}`);
    return outcome.id;
  }

  /** Deletes a record as a user would in the Salesforce UI. */
  deleteRecord(type: string, id: string): boolean {
    return this.store.delete(type, id);
  }

  /** Successful creates and updates of `type` through the API (including upserts and collections). */
  writeCounts(type = 'Opportunity'): WriteCounts {
    return this.store.writeCounts(type);
  }

  /** Adds a validation rule, as an admin would: saves it rejects fail with FIELD_CUSTOM_VALIDATION_EXCEPTION. */
  addValidationRule(rule: ValidationRule): void {
    this.store.rules.push(rule);
  }

  /** Every access token issued so far stops working: the next API call answers 401 INVALID_SESSION_ID. */
  expireSessions(): void {
    this.sessions.clear();
  }

  /** Sets the quota counters reported in Sforce-Limit-Info (past the limit, API calls answer 403 REQUEST_LIMIT_EXCEEDED). */
  setApiUsage(used: number, limit = this.apiLimit): void {
    if (!Number.isInteger(used) || used < 0 || !Number.isInteger(limit) || limit < 1) throw new RangeError(`Invalid API usage ${used}/${limit}`);
    this.apiUsed = used;
    this.apiLimit = limit;
  }

  apiUsage(): { used: number; limit: number } {
    return { used: this.apiUsed, limit: this.apiLimit };
  }

  tokenRequests(): number {
    return this.requests.filter((request) => request.path === TOKEN_PATH).length;
  }

  /** The next `count` API requests (matching `pathPattern`) fail with `kind`. */
  injectFault(fault: FakeSalesforceFault): void {
    const { kind, count = 1, retryAfterSeconds = 1, pathPattern } = fault;
    if (!FAKE_SALESFORCE_FAULT_KINDS.includes(kind)) throw new RangeError(`Unknown fault kind: ${String(kind)}`);
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`Fault count must be a positive integer: ${String(count)}`);
    if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0) throw new RangeError(`retryAfterSeconds must be a non-negative integer: ${String(retryAfterSeconds)}`);
    this.faults.push({ kind, count, retryAfterSeconds, pathPattern });
  }

  /** From now on, each API request fails with probability `rate` (0–1), with one of `kinds` picked at random. */
  setFailureRate(rate: number, kinds: FakeSalesforceFaultKind[] = ['rate-limited', 'server-error'], retryAfterSeconds = 1): void {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`Failure rate must be between 0 and 1: ${String(rate)}`);
    if (kinds.length === 0 || kinds.some((kind) => !FAKE_SALESFORCE_FAULT_KINDS.includes(kind))) throw new RangeError(`Unknown fault kinds: ${kinds.join(', ')}`);
    if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0) throw new RangeError(`retryAfterSeconds must be a non-negative integer: ${String(retryAfterSeconds)}`);
    this.failureRate = { rate, kinds: [...kinds], retryAfterSeconds };
  }

  /** Adds this much latency to every API and token response (0 = none). */
  setLatency(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`Latency must be a non-negative number of ms: ${String(ms)}`);
    this.latency.ms = ms;
  }

  /** Clears records, validation rules, sessions, cursors, faults, failure rate, latency, API usage (and limit) and the request log. */
  reset(): void {
    this.store = RecordStore.empty([opportunitySchema(this.externalIdField)]);
    this.sessions.clear();
    this.cursors.clear();
    this.faults = [];
    this.failureRate = { rate: 0, kinds: ['rate-limited', 'server-error'], retryAfterSeconds: 1 };
    this.latency.ms = 0;
    this.latency.cutShort();
    this.apiUsed = 0;
    this.apiLimit = this.initialApiLimit;
    this.requests.length = 0;
  }

  async stop(): Promise<void> {
    this.latency.cutShort();
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const isSandbox = url.pathname.startsWith('/__sandbox/');
    let reply: Reply;
    try {
      if (url.pathname === TOKEN_PATH) reply = await this.token(req);
      else if (API_PATH.test(url.pathname)) reply = await this.api(req, url);
      else if (isSandbox) reply = await this.sandbox(req, url.pathname.split('/').slice(2));
      else reply = NOT_FOUND;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      reply = { status: error instanceof SandboxError ? error.status : 400, body: { error: message } };
    }
    if (!isSandbox) {
      this.requests.push({ method: req.method ?? '', path: url.pathname, status: reply.drop ? 0 : reply.status });
      await this.latency.wait();
    }
    if (reply.drop) {
      req.socket.destroy();
      return;
    }
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.body !== undefined) headers['Content-Type'] = 'application/json;charset=UTF-8';
    res.writeHead(reply.status, headers).end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  }

  /** POST /services/oauth2/token (form-encoded): a new session for any valid grant. */
  private async token(req: IncomingMessage): Promise<Reply> {
    const oauthError = (error: string, description: string): Reply => ({ status: 400, body: { error, error_description: description } });
    if (req.method !== 'POST') return oauthError('invalid_request', 'must use HTTP POST');
    if (!req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) return oauthError('invalid_request', 'unsupported content type');
    const form = new URLSearchParams(await readBody(req));
    const refused = checkGrant(form, req.headers.authorization, this.app);
    if (refused) return oauthError(refused.error, refused.error_description);
    const accessToken = newAccessToken(ORG_ID);
    this.sessions.add(accessToken);
    const id = `${this.baseUrl}/id/${ORG_ID}/${USER_ID}`;
    const issuedAt = String(Date.now());
    return {
      status: 200,
      body: { access_token: accessToken, scope: 'api', instance_url: this.baseUrl, id, token_type: 'Bearer', issued_at: issuedAt, signature: tokenSignature(id, issuedAt, this.app.clientSecret) },
    };
  }

  /** /services/data/vNN.0/…: session check, quota, injected faults, then the route. Every answer past the session check carries Sforce-Limit-Info. */
  private async api(req: IncomingMessage, url: URL): Promise<Reply> {
    const [, version = '', rest = ''] = API_PATH.exec(url.pathname) ?? [];
    const token = req.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!token || !this.sessions.has(token)) return apiErrorReply(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    this.apiUsed += 1;
    let reply: Reply;
    try {
      reply = await this.authorizedApi(req, url, Number(version), `/services/data/v${version}`, rest);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      reply = error instanceof JsonParserError ? apiErrorReply(400, 'JSON_PARSER_ERROR', message) : apiErrorReply(500, 'UNKNOWN_EXCEPTION', message);
    }
    return { ...reply, headers: { ...reply.headers, 'Sforce-Limit-Info': `api-usage=${this.apiUsed}/${this.apiLimit}` } };
  }

  private async authorizedApi(req: IncomingMessage, url: URL, version: number, prefix: string, rest: string): Promise<Reply> {
    if (this.apiUsed > this.apiLimit) return faultReply('request-limit', 0);
    const fault = this.takeFault(url.pathname);
    if (fault && fault.kind !== 'drop-response') return faultReply(fault.kind, fault.retryAfterSeconds);
    const segments = rest.split('/').filter(Boolean).map(decodeURIComponent);
    for (const route of this.routes) {
      const params = matchRoute(route.pattern, segments);
      if (!params) continue;
      const handler = route.methods[req.method ?? ''];
      if (!handler) return apiErrorReply(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${req.method}' not allowed. Allowed are ${Object.keys(route.methods).join(',')}`);
      const reply = await handler({ method: req.method ?? '', version, prefix, params, query: url.searchParams, req });
      return fault ? { ...reply, drop: true } : reply;
    }
    return NOT_FOUND;
  }

  /** The one-off fault for this request, else perhaps a random one (at the configured rate). */
  private takeFault(path: string): Pick<PendingFault, 'kind' | 'retryAfterSeconds'> | undefined {
    const fault = this.faults.find((candidate) => candidate.pathPattern?.test(path) ?? true);
    if (fault) {
      if (--fault.count === 0) this.faults.splice(this.faults.indexOf(fault), 1);
      return fault;
    }
    const { rate, kinds, retryAfterSeconds } = this.failureRate;
    if (rate === 0 || Math.random() >= rate) return undefined;
    return { kind: kinds[Math.floor(Math.random() * kinds.length)] ?? 'server-error', retryAfterSeconds };
  }

  private describeObject({ params, prefix }: ApiContext): Reply {
    const schema = this.store.schema(params.type ?? '');
    return schema ? { status: 200, body: describe(schema, `${this.baseUrl}${prefix}`) } : NOT_FOUND;
  }

  private async createRecordReply({ params, req }: ApiContext): Promise<Reply> {
    const outcome = this.store.create(params.type ?? '', await readJsonObject(req));
    return outcome.success ? { status: 201, body: { id: outcome.id, success: true, errors: [] } } : saveErrorReply(outcome.status, outcome.error);
  }

  private retrieve({ params, query, prefix }: ApiContext): Reply {
    const schema = this.store.schema(params.type ?? '');
    const record = this.store.get(params.type ?? '', params.id ?? '');
    if (!schema || !record) return NOT_FOUND;
    const fields = query.get('fields')?.split(',').map((name) => name.trim()) ?? Object.keys(record);
    try {
      const [selected] = runSoql({ fields, type: schema.name, conditions: [], orderBy: undefined, limit: undefined }, schema, [record], `${this.baseUrl}${prefix}`);
      return { status: 200, body: selected };
    } catch (error) {
      if (error instanceof SoqlError) return apiErrorReply(400, error.errorCode, error.message);
      throw error;
    }
  }

  private async updateRecordReply({ params, req }: ApiContext): Promise<Reply> {
    const outcome = this.store.update(params.type ?? '', params.id ?? '', await readJsonObject(req));
    return outcome.success ? { status: 204 } : saveErrorReply(outcome.status, outcome.error);
  }

  private deleteRecordReply({ params }: ApiContext): Reply {
    return this.store.delete(params.type ?? '', params.id ?? '') ? { status: 204 } : NOT_FOUND;
  }

  /** PATCH /sobjects/{type}/{field}/{value}: 201 created or 200 updated with `created` from API 46; before, 201 with the id or 204. */
  private async upsertRecordReply({ params, req, version, prefix }: ApiContext): Promise<Reply> {
    const outcome = this.store.upsert(params.type ?? '', params.field ?? '', params.value ?? '', await readJsonObject(req));
    if ('duplicates' in outcome) return { status: 300, body: outcome.duplicates.map((id) => `${prefix}/sobjects/${params.type}/${id}`) };
    if (!outcome.success) return saveErrorReply(outcome.status, outcome.error);
    if (version < 46) return outcome.created ? { status: 201, body: { id: outcome.id, success: true, errors: [] } } : { status: 204 };
    return { status: outcome.created ? 201 : 200, body: { id: outcome.id, success: true, errors: [], created: outcome.created } };
  }

  /** sObject Collections: up to 200 records; with allOrNone, one failure rolls every record back. */
  private async collection({ params, req }: ApiContext, operation: 'create' | 'update' | 'upsert'): Promise<Reply> {
    const body = await readJsonObject(req);
    const records = body.records;
    if (!Array.isArray(records)) return apiErrorReply(400, 'JSON_PARSER_ERROR', 'The request body must have a records array');
    if (records.length > MAX_COLLECTION_SIZE) return apiErrorReply(400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COLLECTION_SIZE} records into this call`);
    const allOrNone = body.allOrNone === true;
    const target = allOrNone ? this.store.draft() : this.store;
    const outcomes = records.map((record: unknown) => collectionSave(target, operation, isObject(record) ? record : {}, params));
    const failed = outcomes.some((outcome) => !outcome.success);
    if (!allOrNone || !failed) this.store = target;
    const results = outcomes.map((outcome) => {
      if (!outcome.success) return { success: false, errors: [collectionError('duplicates' in outcome ? duplicateError(params.field ?? '', outcome.duplicates) : outcome.error)] };
      if (allOrNone && failed) return { success: false, errors: [collectionError(ROLLED_BACK)] };
      return { id: outcome.id, success: true, errors: [], ...(operation === 'upsert' ? { created: outcome.created } : {}) };
    });
    return { status: 200, body: results };
  }

  /** GET /query?q=: the first page, with nextRecordsUrl when more remain. */
  private query({ query, prefix }: ApiContext): Reply {
    try {
      const soql = parseSoql(query.get('q') ?? '');
      const schema = this.store.schema(soql.type);
      if (!schema) {
        return apiErrorReply(400, 'INVALID_TYPE', `sObject type '${soql.type}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`);
      }
      return this.page(runSoql(soql, schema, this.store.list(schema.name), `${this.baseUrl}${prefix}`), prefix, `01g8D0000${String(this.nextCursor++).padStart(6, '0')}`, 0);
    } catch (error) {
      if (error instanceof SoqlError) return apiErrorReply(400, error.errorCode, error.message);
      throw error;
    }
  }

  /** GET /query/{locator}: the page a nextRecordsUrl points at (`<cursor>-<offset>`). */
  private queryMore({ params, prefix }: ApiContext): Reply {
    const [, cursor = '', offset = ''] = /^(01g\w+)-(\d+)$/.exec(params.locator ?? '') ?? [];
    const records = this.cursors.get(cursor);
    if (!records) return apiErrorReply(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    return this.page(records, prefix, cursor, Number(offset));
  }

  private page(records: Record<string, unknown>[], prefix: string, cursor: string, offset: number): Reply {
    const end = offset + this.queryPageSize;
    const done = end >= records.length;
    if (done) this.cursors.delete(cursor);
    else this.cursors.set(cursor, records);
    const body = { totalSize: records.length, done, records: records.slice(offset, end), ...(done ? {} : { nextRecordsUrl: `${prefix}/query/${cursor}-${end}` }) };
    return { status: 200, body };
  }

  /**
   * The controls other processes use: GET records/{type}, DELETE records/{type}/{id}, GET stats, POST faults
   * {kind,count,retryAfterSeconds}, PUT failure-rate {rate,kinds,retryAfterSeconds}, PUT latency {ms},
   * PUT api-usage {used,limit}, POST expire-sessions, POST reset.
   */
  private async sandbox(req: IncomingMessage, segments: string[]): Promise<Reply> {
    const route = [req.method, ...segments.map((segment, index) => (index === 0 ? segment : '*'))].join(' ');
    const [, type = '', id = ''] = segments;
    switch (route) {
      case 'GET records *':
        return { status: 200, body: { records: this.records(type) } };
      case 'DELETE records * *':
        if (!this.deleteRecord(type, id)) throw new SandboxError(404, `No ${type} ${id}`);
        return { status: 204 };
      case 'GET stats':
        return { status: 200, body: { writes: { Opportunity: this.writeCounts() }, apiUsage: this.apiUsage(), tokenRequests: this.tokenRequests(), requests: this.requests.length } };
      case 'POST faults': {
        const { kind, count, retryAfterSeconds } = await readJsonObject(req);
        this.injectFault({ kind: kind as FakeSalesforceFaultKind, count: count as number | undefined, retryAfterSeconds: retryAfterSeconds as number | undefined });
        return { status: 204 };
      }
      case 'PUT failure-rate': {
        const { rate, kinds, retryAfterSeconds } = await readJsonObject(req);
        this.setFailureRate(rate as number, kinds as FakeSalesforceFaultKind[] | undefined, retryAfterSeconds as number | undefined);
        return { status: 204 };
      }
      case 'PUT latency':
        this.setLatency((await readJsonObject(req)).ms as number);
        return { status: 204 };
      case 'PUT api-usage': {
        const { used, limit } = await readJsonObject(req);
        this.setApiUsage(used as number, limit as number | undefined);
        return { status: 204 };
      }
      case 'POST expire-sessions':
        this.expireSessions();
        return { status: 204 };
      case 'POST reset':
        this.reset();
        return { status: 204 };
      default:
        throw new SandboxError(404, `No sandbox control ${req.method} /__sandbox/${segments.join('/')}`);
    }
  }
}

function collectionSave(store: RecordStore, operation: 'create' | 'update' | 'upsert', record: Record<string, unknown>, params: Record<string, string>): UpsertOutcome | SaveOutcome {
  const { attributes, id, Id, ...values } = record;
  const type = params.type ?? (isObject(attributes) && typeof attributes.type === 'string' ? attributes.type : '');
  if (!type) return { success: false, status: 400, error: { errorCode: 'INVALID_TYPE', message: 'Must specify a type in the attributes', fields: [] } };
  if (operation === 'create') return store.create(type, values);
  if (operation === 'update') return store.update(type, typeof id === 'string' ? id : typeof Id === 'string' ? Id : '', values);
  const field = params.field ?? '';
  const value = Object.entries(values).find(([name]) => name.toLowerCase() === field.toLowerCase())?.[1];
  if (typeof value !== 'string' || value === '') return { success: false, status: 400, error: { errorCode: 'MISSING_ARGUMENT', message: `${field} not specified`, fields: [field] } };
  return store.upsert(type, field, value, values);
}

/** Collections report `statusCode` where single-record calls say `errorCode`. */
const collectionError = ({ errorCode, message, fields }: SaveError) => ({ statusCode: errorCode, message, fields });

const duplicateError = (field: string, ids: string[]): SaveError => ({
  errorCode: 'DUPLICATE_EXTERNAL_ID',
  message: `${field}: more than one record found for external id field: [${ids.join(', ')}]`,
  fields: [field],
});

function faultReply(kind: Exclude<FakeSalesforceFaultKind, 'drop-response'>, retryAfterSeconds: number): Reply {
  const { status, errorCode, message } = FAULT_ERRORS[kind];
  const retryAfter = status === 429 || status === 503 ? { 'Retry-After': String(retryAfterSeconds) } : undefined;
  return { ...apiErrorReply(status, errorCode, message), headers: retryAfter };
}

function matchRoute(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    const segment = segments[index] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON object body; anything else is Salesforce's 400 JSON_PARSER_ERROR (thrown as a reply). */
async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!isObject(body)) throw new JsonParserError(text);
  return body;
}
