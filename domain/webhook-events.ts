// Webhook events: their lifecycle, the Current RMS event names we act on, and the processing contract.

/** received → dispatched → processing → processed | failed | ignored (a replay goes back to received). */
export const EVENT_STATUSES = ['received', 'dispatched', 'processing', 'processed', 'failed', 'ignored'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];
export const TERMINAL_EVENT_STATUSES = ['processed', 'failed', 'ignored'] as const satisfies readonly EventStatus[];

export interface StatusChange {
  status: EventStatus;
  at: string;
  workflowId?: string;
  runId?: string;
  error?: string;
  outcome?: OpportunityOutcome;
  by?: string;
}

/** One entry of an event's status_history (the caller passes the clock: domain/ stays clock-free). */
export const statusChange = (status: EventStatus, at: Date, details: Omit<StatusChange, 'status' | 'at'> = {}): StatusChange => ({
  status,
  at: at.toISOString(),
  ...details,
});

export const CURRENT_RMS_SOURCE = 'current-rms';

/** Opportunity events Current RMS sends (`<subject_type>_<action_type>`); all of them re-fetch the opportunity. */
export const OPPORTUNITY_EVENTS = [
  'opportunity_create',
  'opportunity_update',
  'opportunity_destroy',
  'opportunity_convert_to_order',
  'opportunity_convert_to_quotation',
  'opportunity_mark_as_provisional',
  'opportunity_mark_as_reserved',
  'opportunity_mark_as_lost',
  'opportunity_mark_as_dead',
  'opportunity_cancel',
  'opportunity_complete',
  'opportunity_confirm',
] as const;

/** `Opportunity` + `convert_to_order` → `opportunity_convert_to_order`. */
export function currentRmsEventType(subjectType: string, actionType: string): string {
  const subject = subjectType.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return `${subject}_${actionType.toLowerCase()}`;
}

export const isHandledEvent = (eventType: string): boolean => (OPPORTUNITY_EVENTS as readonly string[]).includes(eventType);

/** A deleted opportunity is marked deleted without asking Current RMS, which no longer has it. */
export const isDestroyEvent = (eventType: string): boolean => eventType === 'opportunity_destroy';

/** Current RMS ids we accept: positive integers of up to 15 digits (so always safe integers). */
export const ENTITY_ID_PATTERN = /^[1-9]\d{0,14}$/;
export const MAX_ENTITY_ID = 999_999_999_999_999;

/** The opportunity an event is about, or null when it is about something else. */
export const opportunityIdOf = (eventType: string, subjectId: string | null): number | null =>
  eventType.startsWith('opportunity_') && subjectId !== null && ENTITY_ID_PATTERN.test(subjectId) ? Number(subjectId) : null;

export interface ProcessWebhookEventInput {
  eventId: string;
}

/**
 * What processing did with the opportunity the event is about. Only `upserted` and `deleted` ask the syncs to run:
 * `stale` and `unchanged` found a snapshot stored by another event, which asked them itself.
 */
export type OpportunityOutcome = 'upserted' | 'unchanged' | 'stale' | 'deleted' | 'not_found';

/** The outcomes after which the event asks the opportunity's sync workflows to run. */
export const asksSyncs = (outcome: OpportunityOutcome): boolean => outcome === 'upserted' || outcome === 'deleted';

/** The business key of an event's processing run (search attribute and workflow_instances). */
export const eventBusinessKey = (eventId: string): string => `event:${eventId}`;

export interface ProcessWebhookEventResult {
  eventId: string;
  status: Extract<EventStatus, 'processed' | 'ignored'>;
  opportunityId?: number;
  outcome?: OpportunityOutcome;
}

/** What the processing workflow needs to know about the event it was given. */
export interface EventToProcess {
  eventId: string;
  eventType: string;
  handled: boolean;
  opportunityId: number | null;
}
