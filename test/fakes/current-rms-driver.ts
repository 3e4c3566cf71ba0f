// Test driver for Current RMS webhooks: builds the {"action": …} bodies Current RMS posts, and POSTs them.
import { createHmac, randomInt } from 'node:crypto';
import type { CurrentRmsOpportunity } from './current-rms';

/** The webhook body Current RMS posts: the JSON representation of the action (see the protocol brief). */
export interface CurrentRmsWebhookBody {
  action: {
    id: number;
    subject_id: number;
    subject_type: 'Opportunity';
    source_id: null;
    source_type: null;
    member_id: number;
    action_type: string;
    name: string;
    description: string;
    created_at: string;
    updated_at: string;
    member: { id: number; name: string };
    subject: CurrentRmsOpportunity;
  };
}

// Process-wide action ids, starting at a random offset so ids from different test runs don't collide.
let nextActionId = randomInt(1_000_000, 1_000_000_000);

const PAST_TENSE: Record<string, string> = { create: 'created', update: 'updated', destroy: 'deleted' };

/** The event a webhook subscribes to for an opportunity action, e.g. 'update' → 'opportunity_update'. */
export function eventNameFor(actionType: string): string {
  return `opportunity_${actionType}`;
}

/** The webhook body Current RMS posts: {"action": {...}} about `opportunity`, done by the given member. */
export function webhookAction(
  opportunity: CurrentRmsOpportunity,
  actionType: string,
  options: { actionId?: number; memberId?: number; memberName?: string } = {},
): CurrentRmsWebhookBody {
  const member = { id: options.memberId ?? 1, name: options.memberName ?? 'Sandbox User' };
  const now = new Date().toISOString();
  return {
    action: {
      id: options.actionId ?? nextActionId++,
      subject_id: opportunity.id,
      subject_type: 'Opportunity',
      source_id: null,
      source_type: null,
      member_id: member.id,
      action_type: actionType,
      name: opportunity.subject,
      description: `Opportunity ${PAST_TENSE[actionType] ?? actionType.replaceAll('_', ' ')}`,
      created_at: now,
      updated_at: now,
      member,
      subject: structuredClone(opportunity),
    },
  };
}

/** POSTs a JSON body to the target URL; with hmacSecret adds `X-Signature: sha256=<hex HMAC-SHA256 of the exact raw body>`. Returns status and parsed JSON body (or null when not JSON). */
export async function deliverWebhook(
  targetUrl: string,
  body: unknown,
  options: { hmacSecret?: string; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown }> {
  const raw = options.rawBody ?? JSON.stringify(body);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'CurrentRMS-Webhooks/1.0',
    ...options.headers,
  };
  if (options.hmacSecret !== undefined) {
    headers['X-Signature'] = `sha256=${createHmac('sha256', options.hmacSecret).update(raw).digest('hex')}`;
  }
  const response = await fetch(targetUrl, { method: 'POST', headers, body: raw });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: response.status, body: null };
  }
}
