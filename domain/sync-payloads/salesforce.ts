// Maps an opportunity snapshot to the Salesforce Opportunity fields we own (pure; the stage table is meant to be edited).
import type { OPPORTUNITY_STATES, OPPORTUNITY_STATUSES, OpportunitySnapshot } from '../opportunity';
import { UnsyncableOpportunity } from './unsyncable';

/** The standard values of the Opportunity `StageName` picklist. */
export const SALESFORCE_STAGES = [
  'Prospecting',
  'Qualification',
  'Needs Analysis',
  'Value Proposition',
  'Id. Decision Makers',
  'Perception Analysis',
  'Proposal/Price Quote',
  'Negotiation/Review',
  'Closed Won',
  'Closed Lost',
] as const;
export type SalesforceStage = (typeof SALESFORCE_STAGES)[number];

/** Where an open opportunity stands is told by how far it has progressed (its Current RMS state). */
const STAGE_BY_STATE: Readonly<Record<number, SalesforceStage>> = {
  0: 'Prospecting', // Enquiry
  1: 'Qualification', // Draft
  2: 'Proposal/Price Quote', // Quotation
  3: 'Closed Won', // Order: the customer confirmed
} satisfies Record<keyof typeof OPPORTUNITY_STATES, SalesforceStage>;

/**
 * The Salesforce stage for each Current RMS status; 'by state' defers to STAGE_BY_STATE.
 * Edit this table to match the org's sales process; every value must be one of SALESFORCE_STAGES.
 */
export const STAGE_BY_STATUS: Readonly<Record<number, SalesforceStage | 'by state'>> = {
  0: 'by state', // Open: an enquiry, a draft, a quote being prepared, or an order
  1: 'Proposal/Price Quote', // Provisional: quoted, stock held provisionally
  5: 'Negotiation/Review', // Reserved: stock reserved, the customer is close to confirming
  20: 'Closed Won', // Active: a confirmed order in progress
  40: 'Closed Won', // Completed
  50: 'Closed Lost', // Cancelled
  60: 'Closed Lost', // Lost
  70: 'Closed Lost', // Dead
  80: 'Needs Analysis', // Postponed: still open, its scope and dates are being reworked
} satisfies Record<keyof typeof OPPORTUNITY_STATUSES, SalesforceStage | 'by state'>;

/** Salesforce limits Opportunity.Name to 120 characters. */
const NAME_MAX_LENGTH = 120;

export interface SalesforcePayload {
  /** Our key in the external-id field: the Current RMS opportunity id. */
  externalIdValue: string;
  fields: {
    Name: string;
    StageName: SalesforceStage;
    /** YYYY-MM-DD. */
    CloseDate: string;
    Amount: number | null;
    Description: string | null;
  };
}

export function toSalesforcePayload(snapshot: OpportunitySnapshot): SalesforcePayload {
  return {
    externalIdValue: String(snapshot.id),
    fields: {
      Name: opportunityName(snapshot),
      StageName: stageOf(snapshot),
      CloseDate: closeDate(snapshot),
      Amount: amount(snapshot.chargeTotal),
      Description: description(snapshot),
    },
  };
}

/** A deleted opportunity is Closed Lost; unknown statuses and states fall back to the earliest stage. */
function stageOf(snapshot: OpportunitySnapshot): SalesforceStage {
  if (snapshot.deleted) return 'Closed Lost';
  const byStatus = snapshot.status === null ? undefined : STAGE_BY_STATUS[snapshot.status];
  if (byStatus !== undefined && byStatus !== 'by state') return byStatus;
  return (snapshot.state === null ? undefined : STAGE_BY_STATE[snapshot.state]) ?? 'Prospecting';
}

/**
 * CloseDate is required: the day the job starts (the deal must be closed by then), else the day it ends,
 * else the day Current RMS last changed it. The calendar date is taken as Current RMS wrote it.
 */
function closeDate(snapshot: OpportunitySnapshot): string {
  for (const timestamp of [snapshot.startsAt, snapshot.endsAt, snapshot.sourceUpdatedAt]) {
    const date = timestamp?.match(/^(\d{4}-\d{2}-\d{2})(?:$|[T ])/)?.[1];
    if (date !== undefined && !Number.isNaN(Date.parse(date))) return date;
  }
  throw new UnsyncableOpportunity(`Opportunity ${snapshot.id} has no start, end or update date to use as the Salesforce CloseDate`);
}

function opportunityName(snapshot: OpportunitySnapshot): string {
  const subject = snapshot.subject.trim() || `Opportunity ${snapshot.number ?? snapshot.id}`;
  return subject.length > NAME_MAX_LENGTH ? `${subject.slice(0, NAME_MAX_LENGTH - 1)}…` : subject;
}

/** The charge total as a number; null when Current RMS sent something that is not a decimal amount. */
function amount(chargeTotal: string): number | null {
  const value = chargeTotal.trim() === '' ? NaN : Number(chargeTotal);
  return Number.isFinite(value) ? value : null;
}

function description(snapshot: OpportunitySnapshot): string {
  return [
    `Current RMS opportunity ${snapshot.number ?? `#${snapshot.id}`}`,
    snapshot.memberName && `Customer: ${snapshot.memberName}`,
    snapshot.ownerName && `Owner: ${snapshot.ownerName}`,
  ]
    .filter(Boolean)
    .join('\n');
}
