// The opportunity as we keep it: the Current RMS snapshot fields we store, and its state/status codes.

/** Current RMS `state`: how far the opportunity has progressed. */
export const OPPORTUNITY_STATES = { 0: 'Enquiry', 1: 'Draft', 2: 'Quotation', 3: 'Order' } as const;

/** Current RMS `status` codes. */
export const OPPORTUNITY_STATUSES = {
  0: 'Open',
  1: 'Provisional',
  5: 'Reserved',
  20: 'Active',
  40: 'Completed',
  50: 'Cancelled',
  60: 'Lost',
  70: 'Dead',
  80: 'Postponed',
} as const;

/** The fields of an opportunity snapshot that business rules read (money as decimal strings). */
export interface OpportunitySnapshot {
  id: number;
  subject: string;
  number: string | null;
  state: number | null;
  stateName: string | null;
  status: number | null;
  statusName: string | null;
  startsAt: string | null;
  endsAt: string | null;
  chargeTotal: string;
  chargeExcludingTaxTotal: string;
  chargeIncludingTaxTotal: string;
  taxTotal: string;
  memberId: number | null;
  memberName: string | null;
  ownerId: number | null;
  ownerName: string | null;
  customFields: Record<string, unknown>;
  sourceUpdatedAt: string | null;
  deleted: boolean;
}
