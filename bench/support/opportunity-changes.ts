// The e2e benchmark's event mix: event k is round ⌊k/N⌋ of opportunity k mod N + 1; round 0 creates it, later rounds update it.
import type { CurrentRmsOpportunity } from '../../test/fakes/current-rms';

export type OpportunityFields = Partial<CurrentRmsOpportunity> & { id: number };

export interface PlannedEvent {
  opportunityId: number;
  round: number;
  action: 'create' | 'update';
}

/** Interleaved across opportunities: every opportunity gets its create before any gets its first update. */
export function plannedEvent(index: number, opportunities: number): PlannedEvent {
  const round = Math.floor(index / opportunities);
  return { opportunityId: (index % opportunities) + 1, round, action: round === 0 ? 'create' : 'update' };
}

const DAY_MS = 86_400_000;
const money = (amount: number) => amount.toFixed(2);

/** Totals with 20 % tax, as Current RMS computes them from the net charge. */
function charges(net: number): Pick<CurrentRmsOpportunity, 'charge_excluding_tax_total' | 'tax_total' | 'charge_including_tax_total' | 'charge_total'> {
  const tax = Math.round(net * 20) / 100;
  return { charge_excluding_tax_total: money(net), tax_total: money(tax), charge_including_tax_total: money(net + tax), charge_total: money(net + tax) };
}

/**
 * What a user changes in round `round` (0 = the create). Every round re-prices the job (so each version changes what
 * every system holds) and most also move it along: enquiry → quotation → order, dates, subject, notes.
 * `customers`: opportunities share customers (members) round-robin, so Xero contacts are shared as in real life.
 */
export function opportunityChange(opportunityId: number, round: number, customers: number): OpportunityFields {
  const net = 1_000 + (opportunityId % 97) * 50 + round * 125;
  if (round === 0) {
    const memberId = 50_000 + (opportunityId % customers);
    const startsAt = new Date((Math.floor(Date.now() / DAY_MS) + 14 + (opportunityId % 60)) * DAY_MS + 9 * 3_600_000);
    return {
      id: opportunityId,
      subject: `Benchmark event ${opportunityId}`,
      state: 0,
      status: 0,
      member_id: memberId,
      member: { id: memberId, name: `Benchmark customer ${memberId}` },
      owned_by: 7,
      owner: { id: 7, name: 'Sam Planner' },
      starts_at: startsAt.toISOString(),
      ends_at: new Date(startsAt.getTime() + 2 * DAY_MS).toISOString(),
      ...charges(net),
    };
  }
  const moves: OpportunityFields[] = [
    { id: opportunityId, state: 1 },
    { id: opportunityId, description: `Revised crew plan, version ${round}` },
    { id: opportunityId, state: 2, status: 0 },
    { id: opportunityId, subject: `Benchmark event ${opportunityId} (revised)` },
    { id: opportunityId, status: 1 },
    { id: opportunityId, description: `Client asked for extra lighting, version ${round}` },
    { id: opportunityId, state: 3, status: 5 },
    { id: opportunityId, status: 20 },
  ];
  return { ...moves[(round - 1) % moves.length]!, ...charges(net) };
}
