// Augmentation business rules: workflow status, custom calculations, risk rules and levels, financial health score.
import {
  AUGMENTATION_FORMULA_VERSION,
  augmentOpportunity,
  clampScore,
  parseMoney,
  parseTimestamp,
  riskLevelOf,
  roundTo,
  type RiskLevel,
  type WorkflowStatus,
} from '../../domain/augmentation';
import { type OpportunitySnapshot } from '../../domain/opportunity';

const NOW = new Date('2024-06-01T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** An ISO timestamp `days` (may be fractional or negative) after NOW. */
const inDays = (days: number): string => new Date(NOW.getTime() + days * DAY).toISOString();

/**
 * A healthy order where no risk rule fires: state 3 (Order), status 5 (Reserved), owner and customer set,
 * starts 2024-07-15T09:00Z (43.875 days after NOW → daysUntilStart 43), lasts exactly 3 days,
 * 12000 excluding tax + 2400 tax = 14400 including tax.
 */
function healthy(overrides: Partial<OpportunitySnapshot> = {}): OpportunitySnapshot {
  return {
    id: 101,
    subject: 'Summer festival staging',
    number: 'OPP-101',
    state: 3,
    stateName: 'Order',
    status: 5,
    statusName: 'Reserved',
    startsAt: '2024-07-15T09:00:00Z',
    endsAt: '2024-07-18T09:00:00Z',
    chargeTotal: '12000.00',
    chargeExcludingTaxTotal: '12000.00',
    chargeIncludingTaxTotal: '14400.00',
    taxTotal: '2400.00',
    memberId: 7,
    memberName: 'Acme Events',
    ownerId: 3,
    ownerName: 'Sam Planner',
    customFields: {},
    sourceUpdatedAt: '2024-05-30T08:00:00Z',
    deleted: false,
    ...overrides,
  };
}

const augment = (overrides: Partial<OpportunitySnapshot> = {}) => augmentOpportunity(healthy(overrides), NOW);

test('the healthy baseline: confirmed, no risk, health 50 + 20 (≥ 10000) + 20 (order) = 90, exact calculations', () => {
  expect(augment()).toEqual({
    workflowStatus: 'confirmed',
    riskLevel: 'low',
    riskScore: 0,
    riskNotes: [],
    financialHealthScore: 90,
    customCalculations: {
      durationDays: 3,
      daysUntilStart: 43,
      chargeExcludingTax: 12000,
      taxTotal: 2400,
      effectiveTaxRate: 0.2,
      dailyRevenue: 4000,
    },
    formulaVersion: '1',
  });
  expect(AUGMENTATION_FORMULA_VERSION).toBe('1');
});

describe('workflow status (first match wins)', () => {
  test.each<[string, Partial<OpportunitySnapshot>, WorkflowStatus]>([
    ['deleted → deleted', { deleted: true }, 'deleted'],
    ['deleted beats a closing status', { deleted: true, status: 60 }, 'deleted'],
    ['deleted beats Completed', { deleted: true, status: 40 }, 'deleted'],
    ['status 50 (Cancelled) → closed_lost', { status: 50 }, 'closed_lost'],
    ['status 60 (Lost) → closed_lost', { status: 60 }, 'closed_lost'],
    ['status 70 (Dead) → closed_lost', { status: 70 }, 'closed_lost'],
    ['status 40 (Completed) → completed', { status: 40 }, 'completed'],
    ['status 80 (Postponed) → on_hold', { status: 80 }, 'on_hold'],
    ['state 3 (Order) → confirmed', { state: 3, status: 5 }, 'confirmed'],
    ['state 2 (Quotation) → quoted', { state: 2, status: 1 }, 'quoted'],
    ['status beats state: Completed quotation → completed', { state: 2, status: 40 }, 'completed'],
    ['state 1 (Draft) → prospect', { state: 1, status: 0 }, 'prospect'],
    ['state 0 (Enquiry) → prospect', { state: 0, status: 0 }, 'prospect'],
    ['no state, no status → prospect', { state: null, status: null }, 'prospect'],
    ['unknown status 20 (Active) on an enquiry → prospect', { state: 0, status: 20 }, 'prospect'],
  ])('%s', (_name, overrides, expected) => {
    expect(augment(overrides).workflowStatus).toBe(expected);
  });
});

describe('custom calculations', () => {
  test('fractional duration 2.3333 → 2.33 days; dailyRevenue 3000 / 2.33 = 1287.55; tax rate 175 / 3000 = 0.0583', () => {
    const { customCalculations } = augment({
      startsAt: '2024-07-15T09:00:00Z',
      endsAt: '2024-07-17T17:00:00Z',
      chargeExcludingTaxTotal: '3000.00',
      chargeIncludingTaxTotal: '3175.00',
      taxTotal: '175.00',
    });
    expect(customCalculations).toEqual({
      durationDays: 2.33,
      daysUntilStart: 43,
      chargeExcludingTax: 3000,
      taxTotal: 175,
      effectiveTaxRate: 0.0583,
      dailyRevenue: 1287.55,
    });
  });

  test('a duration under one day divides by 1: 4 hours → 0.17 days, dailyRevenue = chargeExcludingTax', () => {
    const { customCalculations } = augment({ startsAt: '2024-07-15T09:00:00Z', endsAt: '2024-07-15T13:00:00Z' });
    expect(customCalculations.durationDays).toBe(0.17);
    expect(customCalculations.dailyRevenue).toBe(12000);
  });

  test.each<[string, string, number]>([
    ['exactly 3 days ahead → 3', inDays(3), 3],
    ['3 days 23 hours ahead → 3 (floor)', inDays(3 + 23 / 24), 3],
    ['1 hour ahead → 0', inDays(1 / 24), 0],
    ['1 hour ago → −1 (floor)', inDays(-1 / 24), -1],
  ])('daysUntilStart: %s', (_name, startsAt, expected) => {
    expect(augment({ startsAt, endsAt: '2024-07-18T09:00:00Z' }).customCalculations.daysUntilStart).toBe(expected);
  });

  test.each<[string, Partial<OpportunitySnapshot>, Partial<Record<string, unknown>>]>([
    ['no startsAt → no duration, no daysUntilStart, no dailyRevenue', { startsAt: null }, { durationDays: null, daysUntilStart: null, dailyRevenue: null }],
    ['no endsAt → no duration, no dailyRevenue (daysUntilStart kept)', { endsAt: null }, { durationDays: null, daysUntilStart: 43, dailyRevenue: null }],
    ['no dates at all', { startsAt: null, endsAt: null }, { durationDays: null, daysUntilStart: null, dailyRevenue: null }],
    ['an unparseable date counts as missing', { startsAt: 'next Tuesday' }, { durationDays: null, daysUntilStart: null, dailyRevenue: null }],
    [
      'zero charges → no tax rate, dailyRevenue 0',
      { chargeExcludingTaxTotal: '0.00', taxTotal: '0.00', chargeIncludingTaxTotal: '0.00' },
      { chargeExcludingTax: 0, taxTotal: 0, effectiveTaxRate: null, dailyRevenue: 0 },
    ],
    [
      'non-numeric money counts as 0 → no tax rate',
      { chargeExcludingTaxTotal: 'n/a', taxTotal: 'NaN' },
      { chargeExcludingTax: 0, taxTotal: 0, effectiveTaxRate: null, dailyRevenue: 0 },
    ],
    ['ends before it starts → negative duration −1, divided by max(1, −1) = 1', { endsAt: '2024-07-14T09:00:00Z' }, { durationDays: -1, dailyRevenue: 12000 }],
  ])('null handling: %s', (_name, overrides, expected) => {
    expect(augment(overrides).customCalculations).toMatchObject(expected);
  });
});

describe('money, timestamps and rounding', () => {
  test.each<[string, number]>([
    ['12000.00', 12000],
    ['12.345', 12.35],
    ['1.005', 1.01],
    ['-3.5', -3.5],
    ['1e3', 1000],
    ['', 0],
    ['abc', 0],
    ['Infinity', 0],
  ])('parseMoney(%j) = %p', (input, expected) => {
    expect(parseMoney(input)).toBe(expected);
  });

  test('roundTo rounds half away from zero and never returns −0', () => {
    expect(roundTo(0.12345, 4)).toBe(0.1235);
    expect(roundTo(-1.005, 2)).toBe(-1.01);
    expect(Object.is(roundTo(-0.001, 2), 0)).toBe(true);
  });

  test.each<[string | null, number | null]>([
    ['2024-07-15T09:00:00Z', Date.UTC(2024, 6, 15, 9)],
    ['2024-07-15T09:00:00.000Z', Date.UTC(2024, 6, 15, 9)],
    ['2024-07-15T09:00:00', Date.UTC(2024, 6, 15, 9)], // no offset → UTC, whatever the process time zone
    ['2024-07-15 09:00', Date.UTC(2024, 6, 15, 9)],
    ['2024-07-15T11:00:00+02:00', Date.UTC(2024, 6, 15, 9)],
    ['2024-07-15', Date.UTC(2024, 6, 15)],
    ['15/07/2024', null],
    ['2024-13-45', null],
    ['2024-02-30', null], // not rolled over to 1 March
    ['2024-02-29T10:00:00Z', Date.UTC(2024, 1, 29, 10)],
    ['', null],
    [null, null],
  ])('parseTimestamp(%j) = %p', (input, expected) => {
    expect(parseTimestamp(input)).toBe(expected);
  });
});

describe('risk rules, each firing alone on the healthy baseline', () => {
  test.each<[string, Partial<OpportunitySnapshot>, number, string]>([
    [
      'starts within 7 days, still a quotation (+3)',
      { state: 2, stateName: 'Quotation', startsAt: inDays(3) },
      3,
      'Starts in 3 days but is still a Quotation',
    ],
    ['starts today (0 days), still a draft (+3)', { state: 1, stateName: 'Draft', startsAt: inDays(1 / 24) }, 3, 'Starts in 0 days but is still a Draft'],
    ['starts in 7 days (boundary), still an enquiry (+3)', { state: 0, stateName: 'Enquiry', startsAt: inDays(7.5) }, 3, 'Starts in 7 days but is still an Enquiry'],
    ['state name missing → "state N" (+3)', { state: 1, stateName: null, startsAt: inDays(2) }, 3, 'Starts in 2 days but is still a state 1'],
    ['state missing → "state unknown" (+3)', { state: null, stateName: null, startsAt: inDays(2) }, 3, 'Starts in 2 days but is still a state unknown'],
    ['starts within 30 days, no quotation (+1)', { state: 1, stateName: 'Draft', startsAt: inDays(20) }, 1, 'Starts in 20 days and has no quotation yet'],
    ['starts in 30 days (boundary), no quotation (+1)', { state: 0, stateName: 'Enquiry', startsAt: inDays(30.5) }, 1, 'Starts in 30 days and has no quotation yet'],
    ['no charges on an order (+2)', { chargeTotal: '0.00' }, 2, 'No charges on a quotation or order'],
    ['no charges on a quotation (+2)', { state: 2, stateName: 'Quotation', chargeTotal: '0' }, 2, 'No charges on a quotation or order'],
    ['no owner (+1)', { ownerId: null, ownerName: null }, 1, 'No owner assigned'],
    ['ended 3 days 3 hours ago (+2)', { startsAt: '2024-05-20T09:00:00Z', endsAt: '2024-05-29T09:00:00Z' }, 2, 'Ended 3 days ago but is not completed'],
    ['ended 1 hour ago counts as 1 day (+2)', { startsAt: inDays(-2), endsAt: inDays(-1 / 24) }, 2, 'Ended 1 day ago but is not completed'],
    ['ends before it starts (+3)', { endsAt: '2024-07-14T09:00:00Z' }, 3, 'Ends before it starts'],
    ['no customer on an order (+1)', { memberId: null, memberName: null }, 1, 'No customer (member) on a quotation or order'],
    ['no customer on a quotation (+1)', { state: 2, stateName: 'Quotation', memberId: null }, 1, 'No customer (member) on a quotation or order'],
  ])('%s', (_name, overrides, points, note) => {
    const result = augment(overrides);
    expect(result.riskScore).toBe(points);
    expect(result.riskNotes).toEqual([note]);
    expect(result.riskLevel).toBe(riskLevelOf(points));
  });

  test.each<[string, Partial<OpportunitySnapshot>]>([
    ['an order starting in 3 days (already an order)', { startsAt: inDays(3) }],
    ['a quotation starting in 8 days (outside 7 days, already quoted)', { state: 2, stateName: 'Quotation', startsAt: inDays(8) }],
    ['a quotation starting in 20 days (already quoted)', { state: 2, stateName: 'Quotation', startsAt: inDays(20) }],
    ['a draft starting in 31 days', { state: 1, stateName: 'Draft', startsAt: inDays(31) }],
    ['a draft that started 1 hour ago (daysUntilStart −1)', { state: 1, stateName: 'Draft', startsAt: inDays(-1 / 24) }],
    ['an enquiry far away with no charges and no customer', { state: 0, stateName: 'Enquiry', chargeTotal: '0', memberId: null }],
    ['an order with no dates', { startsAt: null, endsAt: null }],
    ['an order ending later today', { startsAt: inDays(-1), endsAt: inDays(1 / 24) }],
    ['an order ending exactly when it starts', { endsAt: '2024-07-15T09:00:00Z' }],
  ])('no rule fires for %s', (_name, overrides) => {
    expect(augment(overrides)).toMatchObject({ riskScore: 0, riskNotes: [], riskLevel: 'low' });
  });

  test('within 7 days and not a quotation: only the 7-day rule fires, not the 30-day rule too', () => {
    const result = augment({ state: 1, stateName: 'Draft', startsAt: inDays(5) });
    expect(result.riskScore).toBe(3);
    expect(result.riskNotes).toEqual(['Starts in 5 days but is still a Draft']);
  });

  test('points add up and notes keep rule order: no owner +1, no customer +1, no charges +2, ends before starts +3 = 7', () => {
    const result = augment({ ownerId: null, memberId: null, chargeTotal: '0', endsAt: '2024-07-10T09:00:00Z' });
    expect(result.riskScore).toBe(7);
    expect(result.riskLevel).toBe('critical');
    expect(result.riskNotes).toEqual([
      'No charges on a quotation or order',
      'No owner assigned',
      'Ends before it starts',
      'No customer (member) on a quotation or order',
    ]);
  });

  test('on_hold opportunities are still assessed', () => {
    expect(augment({ status: 80, ownerId: null })).toMatchObject({ workflowStatus: 'on_hold', riskScore: 1, riskNotes: ['No owner assigned'] });
  });

  const everythingWrong: Partial<OpportunitySnapshot> = {
    state: 2,
    stateName: 'Quotation',
    startsAt: inDays(2),
    endsAt: inDays(-2),
    chargeTotal: '0',
    ownerId: null,
    memberId: null,
  };
  test.each<[string, number, WorkflowStatus]>([
    ['Cancelled', 50, 'closed_lost'],
    ['Lost', 60, 'closed_lost'],
    ['Dead', 70, 'closed_lost'],
    ['Completed', 40, 'completed'],
  ])('rules do not apply to %s opportunities: low, score 0, no notes', (_name, status, workflowStatus) => {
    expect(augment({ ...everythingWrong, status })).toMatchObject({ workflowStatus, riskLevel: 'low', riskScore: 0, riskNotes: [] });
  });

  test('rules do not apply to deleted opportunities: low, score 0, no notes', () => {
    expect(augment({ ...everythingWrong, deleted: true })).toMatchObject({ workflowStatus: 'deleted', riskLevel: 'low', riskScore: 0, riskNotes: [] });
  });

  test('the same opportunity, open, scores 3 + 2 + 1 + 2 + 3 + 1 = 12', () => {
    expect(augment(everythingWrong)).toMatchObject({ workflowStatus: 'quoted', riskLevel: 'critical', riskScore: 12 });
  });
});

describe('risk level thresholds', () => {
  test.each<[number, RiskLevel]>([
    [0, 'low'],
    [1, 'medium'],
    [2, 'medium'],
    [3, 'high'],
    [4, 'high'],
    [5, 'critical'],
    [12, 'critical'],
  ])('score %p → %s', (score, level) => {
    expect(riskLevelOf(score)).toBe(level);
  });

  test('through augmentOpportunity: no owner (+1) + ended 3 days ago (+2) + no customer (+1) = 4 → high; + no charges (+2) = 6 → critical', () => {
    const ended = { startsAt: '2024-05-20T09:00:00Z', endsAt: '2024-05-29T09:00:00Z', ownerId: null, memberId: null };
    expect(augment(ended)).toMatchObject({ riskScore: 4, riskLevel: 'high' });
    expect(augment({ ...ended, chargeTotal: '0' })).toMatchObject({ riskScore: 6, riskLevel: 'critical' });
  });
});

describe('financial health score', () => {
  test.each<[string, Partial<OpportunitySnapshot>, number]>([
    ['order, 12000: 50 + 20 + 20 = 90', {}, 90],
    ['order, exactly 10000: 50 + 20 + 20 = 90', { chargeExcludingTaxTotal: '10000', chargeIncludingTaxTotal: '12000' }, 90],
    ['order, 9999.99: 50 + 10 + 20 = 80', { chargeExcludingTaxTotal: '9999.99', chargeIncludingTaxTotal: '11999.99' }, 80],
    ['quotation, 5000: 50 + 10 (≥ 1000) + 10 (quotation) = 70', { state: 2, stateName: 'Quotation', chargeExcludingTaxTotal: '5000', chargeIncludingTaxTotal: '6000' }, 70],
    ['enquiry, 999: 50 + 0 + 0 = 50', { state: 0, stateName: 'Enquiry', chargeExcludingTaxTotal: '999', chargeIncludingTaxTotal: '999' }, 50],
    ['completed order, 12000: 50 + 20 + 20 + 10 = 100 (the highest reachable)', { status: 40 }, 100],
    ['on hold order, 12000: 50 + 20 + 20 = 90 (no completed bonus)', { status: 80 }, 90],
    ['inconsistent totals (14400 → 11000 < 12000): 50 + 20 + 20 − 20 = 70', { chargeIncludingTaxTotal: '11000' }, 70],
    [
      'order with zero charges: 50 − 30 + 20 − 3 × 2 (no charges rule) = 34',
      { chargeTotal: '0', chargeExcludingTaxTotal: '0', chargeIncludingTaxTotal: '0', taxTotal: '0' },
      34,
    ],
    ['no owner, no customer: 50 + 20 + 20 − 3 × (1 + 1) = 84', { ownerId: null, memberId: null }, 84],
    ['cancelled order, 12000 → 0', { status: 50 }, 0],
    ['lost → 0', { status: 60 }, 0],
    ['dead → 0', { status: 70 }, 0],
    ['deleted order, 12000 → 0', { deleted: true }, 0],
  ])('%s', (_name, overrides, expected) => {
    expect(augment(overrides).financialHealthScore).toBe(expected);
  });

  test('clamps at 0: enquiry, 0 excl. tax, −5 incl. tax, starts in 2 days, ended 2 days ago, no owner → 50 − 30 − 20 − 3 × (3 + 1 + 2 + 3) = −27 → 0', () => {
    const result = augment({
      state: 0,
      stateName: 'Enquiry',
      startsAt: inDays(2),
      endsAt: inDays(-2),
      chargeTotal: '0',
      chargeExcludingTaxTotal: '0',
      chargeIncludingTaxTotal: '-5',
      taxTotal: '0',
      ownerId: null,
    });
    expect(result.riskScore).toBe(9);
    expect(result.riskNotes).toEqual([
      'Starts in 2 days but is still an Enquiry',
      'No owner assigned',
      'Ended 2 days ago but is not completed',
      'Ends before it starts',
    ]);
    expect(result.financialHealthScore).toBe(0);
  });

  test('clampScore keeps scores within 0..100 and rounds to an integer', () => {
    expect(clampScore(130)).toBe(100);
    expect(clampScore(100)).toBe(100);
    expect(clampScore(-27)).toBe(0);
    expect(clampScore(42.5)).toBe(43);
    expect(clampScore(42.4)).toBe(42);
  });

  test('is always an integer in 0..100', () => {
    const variants: Partial<OpportunitySnapshot>[] = [{}, { status: 40 }, { chargeExcludingTaxTotal: '0' }, { state: null, ownerId: null }, { status: 70 }];
    for (const v of variants) {
      const score = augment(v).financialHealthScore;
      expect(Number.isInteger(score)).toBe(true);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(100);
    }
  });
});

describe('determinism', () => {
  test('the same (snapshot, now) twice gives deep-equal results and leaves the inputs untouched', () => {
    const snapshot = healthy({ state: 1, stateName: 'Draft', startsAt: inDays(4), ownerId: null, customFields: { venue: 'Hall A' } });
    const before = structuredClone(snapshot);
    const now = new Date(NOW);
    const first = augmentOpportunity(snapshot, now);
    const second = augmentOpportunity(structuredClone(snapshot), new Date(NOW));
    expect(second).toEqual(first);
    expect(snapshot).toEqual(before);
    expect(now.getTime()).toBe(NOW.getTime());
  });

  test('results do not share mutable state between calls', () => {
    const first = augment({ ownerId: null });
    first.riskNotes.push('tampered');
    first.customCalculations.durationDays = 99;
    expect(augment({ ownerId: null })).toMatchObject({ riskNotes: ['No owner assigned'], customCalculations: { durationDays: 3 } });
  });

  test('an invalid `now` is rejected rather than producing NaN', () => {
    expect(() => augmentOpportunity(healthy(), new Date('not a date'))).toThrow(RangeError);
  });
});
