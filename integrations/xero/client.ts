// A thin typed client for the Xero Accounting API (contacts, quotes): bearer token, tenant header, limits, idempotency keys.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { XeroSettings } from '../../lib/config';
import { IntegrationError, retryAfterMs } from '../errors';
import { abortReason, parseJson, XERO_SYSTEM, xeroApiError } from './errors';
import { RateLimiter } from './rate-limiter';
import { XeroTokenProvider } from './token';

/** Xero returns at most this many quotes per page (`page` parameter of GET /Quotes). */
export const XERO_PAGE_SIZE = 100;
/** Xero refuses longer Idempotency-Key headers. */
const IDEMPOTENCY_KEY_MAX = 128;
/** How long a 429 without Retry-After holds this tenant's calls. */
const DEFAULT_HOLD_MS = 1_000;

const XeroContact = z.object({ ContactID: z.string(), ContactNumber: z.string().optional(), Name: z.string() }).passthrough();
export type XeroContact = z.infer<typeof XeroContact>;

const XeroQuote = z
  .object({ QuoteID: z.string(), QuoteNumber: z.string(), Reference: z.string().optional(), Status: z.string(), Contact: z.object({ ContactID: z.string() }).passthrough() })
  .passthrough();
export type XeroQuote = z.infer<typeof XeroQuote>;

const ContactsEnvelope = z.object({ Contacts: z.array(XeroContact) });
const QuotesEnvelope = z.object({ Quotes: z.array(XeroQuote) });

export interface XeroClientOptions {
  /** Share one limiter between every client of the same tenant in this process (the default is one per client). */
  limiter?: RateLimiter;
  timeoutMs?: number;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

interface Call {
  /** How errors name the call, e.g. `GET /Quotes/{id}`. */
  operation: string;
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Sent as Idempotency-Key on PUT/POST (hashed when longer than Xero accepts). */
  idempotencyKey?: string;
}

export class XeroClient {
  private readonly limiter: RateLimiter;
  private readonly tokens: XeroTokenProvider;
  private readonly timeoutMs: number;

  constructor(
    private readonly settings: XeroSettings,
    options: XeroClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.limiter = options.limiter ?? new RateLimiter();
    this.tokens = new XeroTokenProvider(settings, this.timeoutMs);
  }

  /** Every contact matching a `where` filter such as `ContactNumber=="42"` (without `page`, Xero answers all matches). */
  async contactsWhere(where: string, signal?: AbortSignal): Promise<XeroContact[]> {
    const body = await this.call({ operation: 'GET /Contacts', method: 'GET', path: '/Contacts', query: { where } }, signal);
    return parse(ContactsEnvelope, body, 'GET /Contacts').Contacts;
  }

  /** POST /Contacts: updates the contact with that ContactID, or creates one without; null when the ContactID is unknown (404). */
  async saveContact(contact: Record<string, unknown>, idempotencyKey: string, signal?: AbortSignal): Promise<XeroContact | null> {
    const body = await this.call({ operation: 'POST /Contacts', method: 'POST', path: '/Contacts', body: { Contacts: [contact] }, idempotencyKey }, signal);
    return body === null ? null : single(parse(ContactsEnvelope, body, 'POST /Contacts').Contacts, 'POST /Contacts');
  }

  /** One page (1-based, up to XERO_PAGE_SIZE) of the contact's quotes. */
  async quotesOfContact(contactId: string, page: number, signal?: AbortSignal): Promise<XeroQuote[]> {
    const body = await this.call({ operation: 'GET /Quotes', method: 'GET', path: '/Quotes', query: { ContactID: contactId, page: String(page) } }, signal);
    return parse(QuotesEnvelope, body, 'GET /Quotes').Quotes;
  }

  /** GET /Quotes/{id}; null when Xero has no such quote. */
  async quote(quoteId: string, signal?: AbortSignal): Promise<XeroQuote | null> {
    const body = await this.call({ operation: 'GET /Quotes/{id}', method: 'GET', path: `/Quotes/${encodeURIComponent(quoteId)}` }, signal);
    return body === null ? null : single(parse(QuotesEnvelope, body, 'GET /Quotes/{id}').Quotes, 'GET /Quotes/{id}');
  }

  /** PUT /Quotes: creates a quote (a replay with the same idempotency key returns the first answer). */
  async createQuote(quote: Record<string, unknown>, idempotencyKey: string, signal?: AbortSignal): Promise<XeroQuote> {
    const body = await this.call({ operation: 'PUT /Quotes', method: 'PUT', path: '/Quotes', body: { Quotes: [quote] }, idempotencyKey }, signal);
    if (body === null) throw new IntegrationError(XERO_SYSTEM, 'validation', 'Xero PUT /Quotes answered 404');
    return single(parse(QuotesEnvelope, body, 'PUT /Quotes').Quotes, 'PUT /Quotes');
  }

  /** POST /Quotes with a QuoteID: updates that quote; null when the QuoteID is unknown (404). */
  async updateQuote(quote: Record<string, unknown> & { QuoteID: string }, idempotencyKey: string, signal?: AbortSignal): Promise<XeroQuote | null> {
    const body = await this.call({ operation: 'POST /Quotes', method: 'POST', path: '/Quotes', body: { Quotes: [quote] }, idempotencyKey }, signal);
    return body === null ? null : single(parse(QuotesEnvelope, body, 'POST /Quotes').Quotes, 'POST /Quotes');
  }

  /** The parsed JSON body, or null on 404; a refused token is renewed once and the call replayed. */
  private async call(call: Call, signal?: AbortSignal): Promise<unknown> {
    const { operation } = call;
    const token = await this.tokens.accessToken(signal);
    let answer = await this.sendInSlot(call, token, signal);
    if (answer.status === 401) {
      this.tokens.invalidate(token);
      answer = await this.sendInSlot(call, await this.tokens.accessToken(signal), signal);
    }
    if (answer.status === 404) return null;
    if (answer.status < 200 || answer.status >= 300) throw xeroApiError(operation, answer.status, answer.headers, answer.text);
    const body = parseJson(answer.text);
    if (body === undefined) throw new IntegrationError(XERO_SYSTEM, 'retryable', `Xero ${operation} answered ${answer.status} without a JSON body`, { status: answer.status });
    return body;
  }

  /** Sends inside a limiter slot; a 429 holds the limiter for its Retry-After before the slot is released. */
  private sendInSlot(call: Call, accessToken: string, signal?: AbortSignal): Promise<Answer> {
    return this.limiter.run(async () => {
      const answer = await this.send(call, accessToken, signal);
      if (answer.status === 429) this.limiter.holdFor(retryAfterMs(answer.headers.get('retry-after')) ?? DEFAULT_HOLD_MS);
      return answer;
    }, signal);
  }

  private async send(call: Call, accessToken: string, signal?: AbortSignal): Promise<Answer> {
    const url = new URL(`${this.settings.apiUrl}${call.path}`);
    for (const [name, value] of Object.entries(call.query ?? {})) url.searchParams.set(name, value);
    const headers: Record<string, string> = { Authorization: `Bearer ${accessToken}`, 'xero-tenant-id': this.settings.tenantId, Accept: 'application/json' };
    if (call.body !== undefined) headers['Content-Type'] = 'application/json';
    if (call.idempotencyKey !== undefined) headers['Idempotency-Key'] = idempotencyKeyHeader(call.idempotencyKey);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await fetch(url, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
      return { status: response.status, headers: response.headers, text: await response.text() };
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal);
      throw new IntegrationError(XERO_SYSTEM, 'retryable', `Xero ${call.operation} did not answer: ${(error as Error).message}`);
    }
  }
}

/** The key itself when Xero accepts its length, else a stable digest of it (a retry must send the same header). */
export function idempotencyKeyHeader(key: string): string {
  return key.length <= IDEMPOTENCY_KEY_MAX ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}

function parse<T>(schema: z.ZodType<T>, body: unknown, operation: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  throw new IntegrationError(XERO_SYSTEM, 'validation', `Xero ${operation} answered a body we cannot read: ${problems}`);
}

function single<T>(records: T[], operation: string): T {
  const [record] = records;
  if (record === undefined) throw new IntegrationError(XERO_SYSTEM, 'validation', `Xero ${operation} answered without the record`);
  return record;
}
