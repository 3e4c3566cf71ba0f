// Test data written straight to the database: an opportunity row with neutral defaults, any field overridable.
import { randomInt } from 'node:crypto';
import type { CreationAttributes } from 'sequelize';
import { Opportunity } from '../../models';

/** Random by default, so suites sharing the test database never collide. */
const randomOpportunityId = () => randomInt(1, 2 ** 31);

export async function insertOpportunity(fields: Partial<CreationAttributes<Opportunity>> = {}): Promise<number> {
  const id = fields.id ?? randomOpportunityId();
  await Opportunity.create({
    id,
    subject: `Test opportunity ${id}`,
    description: null,
    number: null,
    state: 2,
    stateName: 'Quotation',
    status: 0,
    statusName: 'Open',
    startsAt: null,
    endsAt: null,
    chargeTotal: '0',
    chargeExcludingTaxTotal: '0',
    chargeIncludingTaxTotal: '0',
    taxTotal: '0',
    memberId: null,
    memberName: null,
    ownerId: null,
    ownerName: null,
    customFields: {},
    raw: { id },
    sourceUpdatedAt: new Date('2025-01-01T00:00:00.000Z'),
    deletedAt: null,
    lastEventId: null,
    ...fields,
  });
  return id;
}
