// Webhook intake checks on Node's own request: the URL token, the JSON body read with its raw bytes, the optional HMAC signature.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { badRequest, bodyRefusals, unauthorized, type AppError } from '../../lib/errors';
import { contentType, hasBody, isUtf8Charset } from '../content-type';

/** The route as documented and as the request metrics label it. */
export const WEBHOOK_ROUTE = '/api/webhooks/current-rms/:token';
/**
 * As Express would match WEBHOOK_ROUTE: case-insensitive, an optional trailing slash, the query (and a fragment)
 * ignored, the scheme and host of an absolute-form target (`POST http://host/api/…`, as some relays send) skipped.
 */
const WEBHOOK_PATH = /^(?:[a-z][a-z\d+.-]*:\/\/[^/]*)?\/api\/webhooks\/current-rms\/([^/?#]+)\/?(?:[?#]|$)/i;
const BODY_LIMIT_BYTES = 1024 * 1024;

/** The webhook URL carries a secret: request logs show it as [redacted]. */
export const redactWebhookToken = (url: string | undefined) => url?.replace(/(\/api\/webhooks\/current-rms\/)[^/?#]+/gi, '$1[redacted]');

export const sha256 = (value: string | Buffer) => createHash('sha256').update(value).digest();

/** The token segment of a POST to the webhook route, still percent-encoded; undefined for any other request. */
export function webhookTokenSegment(req: IncomingMessage): string | undefined {
  return req.method === 'POST' ? WEBHOOK_PATH.exec(req.url ?? '')?.[1] : undefined;
}

/**
 * Current RMS signs nothing, so the secret is the last segment of the target URL. Checked before the body is read, in
 * constant time whatever the lengths: both sides are hashed (the expected side once).
 */
export function webhookTokenCheck(expected: string): (segment: string) => void {
  const expectedHash = sha256(expected);
  return (segment) => {
    let token: string;
    try {
      token = decodeURIComponent(segment);
    } catch {
      throw badRequest(`Failed to decode param '${segment}'`);
    }
    if (!timingSafeEqual(sha256(token), expectedHash)) throw unauthorized('Unknown webhook URL');
  };
}

/** Behind a signing relay: `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>` (the `sha256=` prefix is optional). */
export function signatureCheck(secret: string | undefined): (req: IncomingMessage, rawBody: Buffer) => void {
  return (req, rawBody) => {
    if (!secret) return;
    const sent = req.headers['x-signature'];
    const header = typeof sent === 'string' ? sent.trim().replace(/^sha256=/i, '') : '';
    const expected = createHmac('sha256', secret).update(rawBody).digest('hex');
    if (!(/^[0-9a-f]{64}$/i.test(header) && timingSafeEqual(Buffer.from(header.toLowerCase(), 'hex'), Buffer.from(expected, 'hex')))) {
      throw unauthorized('Missing or invalid X-Signature');
    }
  };
}

export interface WebhookBody {
  /** The exact bytes (what a signature covers) and their text (what is stored). */
  raw: Buffer;
  text: string;
  /** Parsed JSON; undefined when the request has no body at all (the schema then refuses it). */
  json: unknown;
}

/** Whatever is left of the body is read and dropped before an error is answered, so the sender sees the answer, not a reset. */
function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded || req.destroyed) return resolve();
    req.once('end', resolve).once('close', resolve).once('error', () => resolve());
    req.resume();
  });
}

async function refuseAfterDrain(req: IncomingMessage, error: AppError): Promise<never> {
  await drain(req);
  throw error;
}

function readRaw(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => req.off('data', onData).off('end', onEnd).off('error', onError);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT_BYTES) return void chunks.push(chunk);
      stop();
      refuseAfterDrain(req, bodyRefusals.tooLarge()).catch(reject);
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = () => {
      stop();
      reject(bodyRefusals.aborted());
    };
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/**
 * The body as JSON, refused as body-parser's `express.json()` refuses it (the error envelope's codes): not JSON → 415,
 * another charset than UTF-8 → 415, compressed → 415 (stored verbatim, so never silently decoded), over 1 MB → 413,
 * not a JSON object or array → 400. An empty body is `{}`.
 */
export async function readJsonBody(req: IncomingMessage): Promise<WebhookBody> {
  if (!hasBody(req)) return { raw: Buffer.alloc(0), text: '', json: undefined };
  const [mediaType, charset] = contentType(req);
  if (mediaType !== 'application/json') return refuseAfterDrain(req, bodyRefusals.notJson());
  if (!isUtf8Charset(charset)) return refuseAfterDrain(req, bodyRefusals.unsupportedCharset());
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') return refuseAfterDrain(req, bodyRefusals.unsupportedEncoding());
  if (Number(req.headers['content-length']) > BODY_LIMIT_BYTES) return refuseAfterDrain(req, bodyRefusals.tooLarge());

  const raw = await readRaw(req);
  const text = raw.toString('utf8');
  if (text.length === 0) return { raw, text, json: {} };
  const first = /[^ \t\n\r]/.exec(text)?.[0]; // JSON's whitespace: a body of only that is malformed, not empty
  if (first !== '{' && first !== '[') throw bodyRefusals.malformedJson();
  try {
    return { raw, text, json: JSON.parse(text) };
  } catch {
    throw bodyRefusals.malformedJson();
  }
}
