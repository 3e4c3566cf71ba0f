// The audit actor of an HTTP request: user, request id, client IP and user agent.
import type { Request } from 'express';
import type { Actor } from '../lib/audit';

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
