// Reads an opportunity row back as the snapshot business rules work on.
import type { OpportunitySnapshot } from '../domain/opportunity';

const isoOrNull = (value: unknown) => (value instanceof Date ? value.toISOString() : null);
const numberOrNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/** The snapshot as stored (for the augmentation of a deleted opportunity, and for syncs). */
export function snapshotFromRow(row: Record<string, unknown>): OpportunitySnapshot {
  return {
    id: Number(row.id),
    subject: row.subject as string,
    number: row.number as string | null,
    state: row.state as number | null,
    stateName: row.state_name as string | null,
    status: row.status as number | null,
    statusName: row.status_name as string | null,
    startsAt: isoOrNull(row.starts_at),
    endsAt: isoOrNull(row.ends_at),
    chargeTotal: row.charge_total as string,
    chargeExcludingTaxTotal: row.charge_excluding_tax_total as string,
    chargeIncludingTaxTotal: row.charge_including_tax_total as string,
    taxTotal: row.tax_total as string,
    memberId: numberOrNull(row.member_id),
    memberName: row.member_name as string | null,
    ownerId: numberOrNull(row.owner_id),
    ownerName: row.owner_name as string | null,
    customFields: row.custom_fields as Record<string, unknown>,
    sourceUpdatedAt: isoOrNull(row.source_updated_at),
    deleted: row.deleted_at !== null,
  };
}
