// A jsforce transport on Node's fetch: aborts with the write's signal, times out, reports each response, never retries.
import { PassThrough } from 'node:stream';
import type { HttpRequest, HttpResponse } from 'jsforce';
import { Transport } from 'jsforce/lib/transport';
import { StreamPromise } from 'jsforce/lib/util/promise';
import { retryAfterMs } from '../errors';
import { currentCall } from './call-scope';

/**
 * jsforce 3.10.16's own transport (node-fetch) retries GETs on 429/5xx for about 15 s and cannot take an AbortSignal.
 * Temporal owns retries (with the server's delay) and cancellation, so every request is sent once, here.
 */
export class FetchTransport extends Transport {
  constructor(
    private readonly timeoutMs: number,
    private readonly onResponse: (headers: Headers) => void,
  ) {
    super();
  }

  override httpRequest(request: HttpRequest): StreamPromise<HttpResponse> {
    return StreamPromise.create(() => ({ stream: new PassThrough(), promise: this.send(request) }));
  }

  private async send(request: HttpRequest): Promise<HttpResponse> {
    if (request.body != null && typeof request.body !== 'string') throw new TypeError('FetchTransport sends string bodies only (REST JSON and OAuth forms)');
    const call = currentCall();
    if (call) call.lastResponse = undefined;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body ?? undefined,
      signal: call?.signal ? AbortSignal.any([call.signal, timeout]) : timeout,
    });
    const body = await response.text();
    if (call) call.lastResponse = { status: response.status, retryAfterMs: retryAfterMs(response.headers.get('retry-after')) };
    this.onResponse(response.headers);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name] = value));
    return { statusCode: response.status, headers, body };
  }
}
