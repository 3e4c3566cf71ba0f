// The audit actor of an HTTP request (user, request id, client IP and user agent) and the key that makes it idempotent.
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import type { Actor } from '../lib/audit';
import { badRequest } from '../lib/errors';

export interface ClientInfo {
  requestId: string;
  ip: string | undefined;
  userAgent: string | undefined;
}

export const clientInfo = (req: Request): ClientInfo => ({ requestId: req.id as string, ip: req.ip, userAgent: req.get('user-agent') });

export function actorFor(userId: string, client: ClientInfo): Extract<Actor, { type: 'user' }> {
  return {
    type: 'user',
    userId,
    requestId: client.requestId,
    ...(client.ip ? { ip: client.ip } : {}),
    ...(client.userAgent ? { userAgent: client.userAgent } : {}),
  };
}

/** The actor of an authenticated request. */
export const userActor = (req: Request) => actorFor(req.user!.id, clientInfo(req));

const IdempotencyKey = z.string().min(8).max(200).regex(/^[\w.:-]+$/);

/** The request's Idempotency-Key header (a retry with it applies nothing twice), else a key unique to this request. */
export function requestKey(req: Request): string {
  const header = req.get('idempotency-key');
  if (header === undefined) return randomUUID();
  if (!IdempotencyKey.safeParse(header).success) throw badRequest('Idempotency-Key must be 8-200 characters of letters, digits and . _ : -');
  return header;
}
