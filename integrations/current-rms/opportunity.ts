// The Current RMS opportunity as the API returns it (validated leniently) and its mapping to our snapshot.
import { z } from 'zod';
import type { OpportunitySnapshot } from '../../domain/opportunity';

const money = z.union([z.string(), z.number()]).nullish().transform((value) => {
  const amount = Number(value ?? 0);
  return Number.isFinite(amount) ? amount.toFixed(2) : '0.00';
});
const id = z.coerce.number().int().positive();
const person = z.object({ id, name: z.string().nullish() }).passthrough().nullish();
const timestamp = z.string().nullish().refine((value) => value == null || !Number.isNaN(Date.parse(value)), 'not a date');

export const CurrentRmsOpportunity = z
  .object({
    id,
    subject: z.string().nullish(),
    description: z.string().nullish(),
    number: z.union([z.string(), z.number()]).nullish().transform((value) => (value == null ? null : String(value))),
    state: z.number().int().nullish(),
    state_name: z.string().nullish(),
    status: z.number().int().nullish(),
    status_name: z.string().nullish(),
    starts_at: timestamp,
    ends_at: timestamp,
    charge_total: money,
    charge_excluding_tax_total: money,
    charge_including_tax_total: money,
    tax_total: money,
    member_id: id.nullish(),
    member: person,
    owned_by: id.nullish(),
    owner: person,
    custom_fields: z.record(z.string(), z.unknown()).nullish(),
    updated_at: timestamp,
  })
  .passthrough();
export type CurrentRmsOpportunity = z.infer<typeof CurrentRmsOpportunity>;

export function toSnapshot(opportunity: CurrentRmsOpportunity): OpportunitySnapshot {
  return {
    id: opportunity.id,
    subject: opportunity.subject ?? `Opportunity ${opportunity.id}`,
    number: opportunity.number,
    state: opportunity.state ?? null,
    stateName: opportunity.state_name ?? null,
    status: opportunity.status ?? null,
    statusName: opportunity.status_name ?? null,
    startsAt: opportunity.starts_at ?? null,
    endsAt: opportunity.ends_at ?? null,
    chargeTotal: opportunity.charge_total,
    chargeExcludingTaxTotal: opportunity.charge_excluding_tax_total,
    chargeIncludingTaxTotal: opportunity.charge_including_tax_total,
    taxTotal: opportunity.tax_total,
    memberId: opportunity.member_id ?? opportunity.member?.id ?? null,
    memberName: opportunity.member?.name ?? null,
    ownerId: opportunity.owned_by ?? opportunity.owner?.id ?? null,
    ownerName: opportunity.owner?.name ?? null,
    customFields: opportunity.custom_fields ?? {},
    sourceUpdatedAt: opportunity.updated_at ?? null,
    deleted: false,
  };
}
