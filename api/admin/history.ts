// Reads one run's history page by page (newest or oldest first) and summarises events compactly.
import type { Client } from '@temporalio/client';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import type { History } from '@temporalio/common/lib/proto-utils';

export type HistoryEvent = NonNullable<History['events']>[number];

export interface RunRef {
  workflowId: string;
  runId: string;
}

export type HistoryOrder = 'newest-first' | 'oldest-first';

/** The run's events in the given order, fetched a page at a time as they are consumed. */
async function* historyEvents(temporal: Client, run: RunRef, order: HistoryOrder, pageSize = 100): AsyncGenerator<HistoryEvent> {
  const request = { namespace: temporal.options.namespace, execution: run, maximumPageSize: pageSize };
  let nextPageToken: Uint8Array | undefined;
  do {
    const page =
      order === 'newest-first'
        ? await temporal.workflowService.getWorkflowExecutionHistoryReverse({ ...request, nextPageToken })
        : await temporal.workflowService.getWorkflowExecutionHistory({ ...request, nextPageToken });
    yield* page.history?.events ?? [];
    nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
  } while (nextPageToken);
}

export async function findEvent(temporal: Client, run: RunRef, order: HistoryOrder, matches: (event: HistoryEvent) => boolean): Promise<HistoryEvent | undefined> {
  for await (const event of historyEvents(temporal, run, order)) {
    if (matches(event)) return event;
  }
  return undefined;
}

/** The last `count` events of the run, newest first. */
export async function latestEvents(temporal: Client, run: RunRef, count: number): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for await (const event of historyEvents(temporal, run, 'newest-first', count)) {
    events.push(event);
    if (events.length === count) break;
  }
  return events;
}

const ATTRIBUTES_SUFFIX = 'EventAttributes';

/** Every event sets exactly one `…EventAttributes` field; its name says the event type. */
function attributesField(event: HistoryEvent): string | undefined {
  return Object.keys(event).find((key) => key.endsWith(ATTRIBUTES_SUFFIX) && (event as Record<string, unknown>)[key] != null);
}

/** The event's type as the Temporal UI names it (e.g. `ActivityTaskScheduled`), without an enum table of the proto package. */
function eventType(event: HistoryEvent): string {
  const field = attributesField(event);
  return field ? field.charAt(0).toUpperCase() + field.slice(1, -ATTRIBUTES_SUFFIX.length) : 'Unknown';
}

/** The fields of event attributes worth a glance; each event type has some of them. */
interface NotableAttributes {
  activityType?: { name?: string | null } | null;
  workflowType?: { name?: string | null } | null;
  signalName?: string | null;
  markerName?: string | null;
  timerId?: string | null;
  reason?: string | null;
  /** A string only on cancel requests (the reason); other events use an enum here. */
  cause?: unknown;
  failure?: { message?: string | null } | null;
}

function notableAttributes(event: HistoryEvent): NotableAttributes {
  const field = attributesField(event);
  return field ? ((event as Record<string, unknown>)[field] as NotableAttributes) : {};
}

export const eventTime = (event: HistoryEvent | undefined): Date | null => optionalTsToDate(event?.eventTime) ?? null;

export interface HistoryEventSummary {
  eventId: number;
  time: string | null;
  type: string;
  details: Record<string, string>;
}

export function summarizeEvent(event: HistoryEvent): HistoryEventSummary {
  const attributes = notableAttributes(event);
  const details: Record<string, string | null | undefined> = {
    activityType: attributes.activityType?.name,
    workflowType: attributes.workflowType?.name,
    signalName: attributes.signalName,
    markerName: attributes.markerName,
    timerId: attributes.timerId,
    reason: attributes.reason ?? (typeof attributes.cause === 'string' ? attributes.cause : undefined),
    failure: attributes.failure?.message,
  };
  return {
    eventId: Number(event.eventId),
    time: eventTime(event)?.toISOString() ?? null,
    type: eventType(event),
    details: Object.fromEntries(Object.entries(details).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '')),
  };
}
