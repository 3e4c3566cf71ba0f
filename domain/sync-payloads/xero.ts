// Maps an opportunity snapshot to the Xero contact (its customer) and draft quote we keep in step with it.
import { parseMoney, parseTimestamp } from '../augmentation';
import type { OpportunitySnapshot } from '../opportunity';
import { UnsyncableOpportunity } from './unsyncable';

export type XeroQuoteStatus = 'DRAFT' | 'DELETED';

export interface XeroContactPayload {
  /** The Current RMS member id: Xero's field for an external system's id (at most 50 characters). */
  ContactNumber: string;
  Name: string;
}

export interface XeroQuoteLinePayload {
  Description: string;
  Quantity: 1;
  UnitAmount: number;
}

export interface XeroQuotePayload {
  /** The opportunity number (or `CRMS-<id>` without one): how a quote is found again under its contact. */
  Reference: string;
  Title: string;
  Summary: string;
  /** YYYY-MM-DD. */
  Date: string;
  ExpiryDate?: string;
  Status: XeroQuoteStatus;
  /** Unit amounts exclude tax (they come from chargeExcludingTaxTotal). */
  LineAmountTypes: 'EXCLUSIVE';
  LineItems: [XeroQuoteLinePayload];
}

export interface XeroPayload {
  contact: XeroContactPayload;
  quote: XeroQuotePayload;
}

// Xero's field limits (Xero-OpenAPI xero_accounting.yaml): longer values are refused with a ValidationException.
const CONTACT_NAME_MAX = 255;
const QUOTE_TITLE_MAX = 100;
const QUOTE_SUMMARY_MAX = 3000;
const LINE_DESCRIPTION_MAX = 4000;

/** The Xero contact and quote for an opportunity; throws UnsyncableOpportunity when it has no customer or no date. */
export function toXeroPayload(snapshot: OpportunitySnapshot): XeroPayload {
  if (snapshot.memberId === null) {
    throw new UnsyncableOpportunity(`Opportunity ${snapshot.id} has no customer (member): a Xero quote needs a contact`);
  }
  // The quote is dated by the opportunity's last change in Current RMS (the version it quotes), else by its start.
  const date = calendarDate(snapshot.sourceUpdatedAt) ?? calendarDate(snapshot.startsAt);
  if (date === null) throw new UnsyncableOpportunity(`Opportunity ${snapshot.id} has neither an update time nor a start date to date its Xero quote`);
  const startDate = calendarDate(snapshot.startsAt);
  const endDate = calendarDate(snapshot.endsAt);
  const period = startDate && endDate ? ` (${startDate} to ${endDate})` : startDate ? ` (from ${startDate})` : '';
  const reference = snapshot.number?.trim() || `CRMS-${snapshot.id}`;
  return {
    contact: {
      ContactNumber: String(snapshot.memberId),
      Name: truncate(snapshot.memberName?.trim() || `Current RMS member ${snapshot.memberId}`, CONTACT_NAME_MAX),
    },
    quote: {
      Reference: reference,
      Title: truncate(snapshot.subject, QUOTE_TITLE_MAX),
      Summary: truncate(summaryOf(snapshot, reference, period), QUOTE_SUMMARY_MAX),
      Date: date,
      // A quote for a rental stays open until the rental starts; Xero refuses an expiry before the quote date.
      ...(startDate !== null && startDate >= date ? { ExpiryDate: startDate } : {}),
      Status: snapshot.deleted ? 'DELETED' : 'DRAFT',
      LineAmountTypes: 'EXCLUSIVE',
      LineItems: [{ Description: truncate(`${snapshot.subject}${period}`, LINE_DESCRIPTION_MAX), Quantity: 1, UnitAmount: parseMoney(snapshot.chargeExcludingTaxTotal) }],
    },
  };
}

function summaryOf(snapshot: OpportunitySnapshot, reference: string, period: string): string {
  const progress = [snapshot.stateName, snapshot.statusName].filter((name): name is string => Boolean(name)).join(', ');
  return `Current RMS opportunity ${reference}${progress ? ` (${progress})` : ''}${period}.`;
}

/** The UTC calendar day (YYYY-MM-DD) of an ISO 8601 timestamp; null when missing or unreadable. */
function calendarDate(timestamp: string | null): string | null {
  const ms = parseTimestamp(timestamp);
  return ms === null ? null : new Date(ms).toISOString().slice(0, 10);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
