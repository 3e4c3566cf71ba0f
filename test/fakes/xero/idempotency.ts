// The Xero fake's Idempotency-Key cache: a repeated key on the same method and path replays the first answer.
import { createHash } from 'node:crypto';
import type { Reply } from './wire';

/** Xero keeps answers for about 6 minutes (a third-party summary; not verified against Xero itself). */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 6 * 60_000;

interface Entry {
  bodyDigest: string;
  reply: Reply;
  expiresAt: number;
}

export type IdempotencyLookup = { kind: 'new' } | { kind: 'replay'; reply: Reply } | { kind: 'conflict' };

export class IdempotencyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(public ttlMs = DEFAULT_IDEMPOTENCY_TTL_MS) {}

  lookup(key: string, method: string, path: string, body: string, now = Date.now()): IdempotencyLookup {
    const entry = this.entries.get(cacheKey(key, method, path));
    if (!entry || entry.expiresAt <= now) return { kind: 'new' };
    return entry.bodyDigest === digest(body) ? { kind: 'replay', reply: entry.reply } : { kind: 'conflict' };
  }

  remember(key: string, method: string, path: string, body: string, reply: Reply, now = Date.now()): void {
    this.entries.set(cacheKey(key, method, path), { bodyDigest: digest(body), reply, expiresAt: now + this.ttlMs });
  }

  clear(): void {
    this.entries.clear();
  }
}

const cacheKey = (key: string, method: string, path: string) => JSON.stringify([key, method, path]);
const digest = (body: string) => createHash('sha256').update(body).digest('hex');
