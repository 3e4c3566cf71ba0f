// Request-body helpers of the monday.com fake: JSON bodies, and an error that carries the HTTP answer to send.
import type { IncomingMessage } from 'node:http';
import { badRequest, type Reply } from './replies';

export class HttpError extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(badRequest('Body is not valid JSON'));
  }
}

export async function readObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readJson(req);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(badRequest('Body must be a JSON object'));
  return body as Record<string, unknown>;
}

/** Runs a control with caller-supplied input; what it refuses becomes a 400 with its message. */
export function asBadRequest<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    throw new HttpError(badRequest(error instanceof Error ? error.message : String(error)));
  }
}
